import { log } from '../lib/measure.js';
import type { BenchOptions } from '../lib/options.js';
import { median } from '../lib/stats.js';
import { startPortico } from '../servers/portico.js';
import { runThroughput, type ThroughputResult } from './throughput.js';

/** What Portico switches off for the "without" runs: latest values per device and topic, and the fleet view's tracking. */
export const WITHOUT_LATEST_AND_COUNTERS = { PORTICO_LATEST_TOPICS_PER_DEVICE: '0', PORTICO_FLEET_TRACKING: 'false' };

export interface FleetCostResult {
  qos: 0 | 1;
  publishers: number;
  payloadBytes: number;
  /** Server CPU-µs per message of each run, with latest state and counters kept (the default) and without. */
  withCpu: number[];
  withoutCpu: number[];
  withMsgsPerSec: number[];
  withoutMsgsPerSec: number[];
  /** Every message of every run stored as a device event. */
  allStored: boolean;
}

/** Median CPU-µs per message with and without, and the difference in µs and %. */
export function fleetCostSummary(r: FleetCostResult): { withCpu: number; withoutCpu: number; extraMicros: number; extraPercent: number } {
  const withCpu = median(r.withCpu);
  const withoutCpu = median(r.withoutCpu);
  return { withCpu, withoutCpu, extraMicros: withCpu - withoutCpu, extraPercent: ((withCpu - withoutCpu) / withoutCpu) * 100 };
}

/**
 * The cost of keeping latest state and counters: the throughput cells (QoS 0 and 1, `publishers` devices → 1
 * subscriber, every device publishing on a topic of its own, so every message updates a latest value and a device's
 * counters) against a fresh Portico with everything on (the default), then one with both switched off, alternating for
 * `rounds` rounds; server CPU per message of each.
 */
export async function runFleetCost(root: string, o: BenchOptions): Promise<FleetCostResult[]> {
  const cells = new Map<string, FleetCostResult>();
  const tp: BenchOptions['throughput'] = { ...o.throughput, publishers: [o.fleetCost.publishers], payloadBytes: [o.fleetCost.payloadBytes], qos: o.fleetCost.qos };
  for (let round = 1; round <= o.fleetCost.rounds; round += 1) {
    for (const variant of ['with', 'without'] as const) {
      log(`fleet cost, round ${round}/${o.fleetCost.rounds}: Portico ${variant} latest state and counters`);
      const target = await startPortico(root, { ...o.porticoEnv, ...(variant === 'without' ? WITHOUT_LATEST_AND_COUNTERS : {}) }, o.porticoNodeArgs);
      let results: ThroughputResult[];
      try {
        results = await runThroughput(target, tp);
      } finally {
        await target.stop();
      }
      for (const t of results) {
        const key = `${t.qos}/${t.publishers}/${t.payloadBytes}`;
        let cell = cells.get(key);
        if (!cell)
          cells.set(key, (cell = { qos: t.qos, publishers: t.publishers, payloadBytes: t.payloadBytes, withCpu: [], withoutCpu: [], withMsgsPerSec: [], withoutMsgsPerSec: [], allStored: true }));
        cell[variant === 'with' ? 'withCpu' : 'withoutCpu'].push(t.serverCpuMicrosPerMsg);
        cell[variant === 'with' ? 'withMsgsPerSec' : 'withoutMsgsPerSec'].push(t.msgsPerSec);
        cell.allStored &&= t.stored === t.sent && t.received === t.sent;
      }
    }
  }
  const out = [...cells.values()];
  for (const c of out) {
    const s = fleetCostSummary(c);
    log(
      `  fleet cost QoS ${c.qos} ${c.publishers}→1 ${c.payloadBytes} B: ${s.withCpu.toFixed(1)} vs ${s.withoutCpu.toFixed(1)} CPU-µs/msg (${s.extraPercent >= 0 ? '+' : ''}${s.extraPercent.toFixed(1)} %)`,
    );
  }
  return out;
}
