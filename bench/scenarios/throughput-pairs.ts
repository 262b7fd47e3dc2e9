import { log } from '../lib/measure.js';
import type { BenchOptions } from '../lib/options.js';
import { medianOfFinite } from '../lib/stats.js';
import type { Target } from '../servers/target.js';
import { runCell } from './throughput.js';

/** One cell measured on bare aedes and on Portico in alternating rounds. */
export interface ThroughputPair {
  qos: 0 | 1;
  publishers: number;
  payloadBytes: number;
  /** Server CPU-µs per message of each round, and Portico ÷ aedes of that round. */
  rounds: Array<{ aedes: number; portico: number; ratio: number }>;
  aedesMedian: number;
  porticoMedian: number;
  /** The median of the rounds' ratios: the figure the ≤ 1.5× target is read from. */
  ratioMedian: number;
  /** Every message of Portico's rounds delivered and stored. */
  allStored: boolean;
}

/**
 * Server CPU per message of bare aedes and Portico, both fresh and up at once, each cell measured in `rounds`
 * alternating rounds (aedes then Portico, then the other way round): on a VM whose CPU time per message drifts by
 * ±30 % over minutes, each round's ratio compares the two servers at the same moment of the machine, and the median of
 * the rounds is read against the target (as the GraphQL comparison with `--gql-baseline` does).
 */
export async function runThroughputPairs(aedes: Target, portico: Target, o: BenchOptions['throughput'], rounds: number): Promise<ThroughputPair[]> {
  const count = Math.max(...o.publishers) + 1;
  const devices = { aedes: await aedes.devices(count, 'tpp'), portico: await portico.devices(count, 'tpp') };
  const pairs: ThroughputPair[] = [];
  let cell = 100;
  for (const qos of o.qos) {
    for (const publishers of o.publishers) {
      for (const payloadBytes of o.payloadBytes) {
        const spec = { qos, publishers, payloadBytes };
        const measured: ThroughputPair['rounds'] = [];
        let allStored = true;
        for (let round = 0; round < rounds; round++) {
          const order = round % 2 === 0 ? (['aedes', 'portico'] as const) : (['portico', 'aedes'] as const);
          const cpu = { aedes: NaN, portico: NaN };
          for (const name of order) {
            const target = name === 'aedes' ? aedes : portico;
            const r = await runCell(target, devices[name], o, { ...spec, cell: ++cell });
            cpu[name] = r.received === r.sent ? r.serverCpuMicrosPerMsg : NaN;
            if (name === 'portico' && (r.received < r.sent || r.stored !== r.sent)) allStored = false;
          }
          measured.push({ ...cpu, ratio: cpu.portico / cpu.aedes });
        }
        const pair: ThroughputPair = {
          ...spec,
          rounds: measured,
          aedesMedian: medianOfFinite(measured.map((m) => m.aedes)),
          porticoMedian: medianOfFinite(measured.map((m) => m.portico)),
          // A round that lost messages has no ratio (shown as –); allStored flags Portico's.
          ratioMedian: medianOfFinite(measured.map((m) => m.ratio)),
          allStored,
        };
        log(`  pairs QoS ${qos} ${publishers}→1 ${payloadBytes} B: Portico ÷ aedes ${measured.map((m) => m.ratio.toFixed(2)).join(', ')} → median ${pair.ratioMedian.toFixed(3)}`);
        pairs.push(pair);
      }
    }
  }
  return pairs;
}

/** A cell meets the ≤ 1.5× target by the median of its rounds, and only when every message was stored. */
export const meetsTarget = (p: ThroughputPair): boolean => Number.isFinite(p.ratioMedian) && p.ratioMedian <= 1.5 && p.allStored;

/** The markdown of the alternating comparison (a section of latest.md). */
export function pairsTable(pairs: ThroughputPair[]): string[] {
  const rounds = Math.max(...pairs.map((p) => p.rounds.length));
  const lines = [
    `**Portico ÷ bare aedes, alternating** (the target's figure): both servers fresh and up at once, each cell measured in ${rounds} rounds, aedes and Portico back to back (the order swapped every round); the ratio is the median of the rounds' ratios, server CPU per message.`,
    '',
    '| QoS | devices → 1 | payload | bare aedes CPU-µs/msg (median) | Portico CPU-µs/msg (median) | Portico ÷ aedes, each round | **median** | ≤ 1.5× |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of pairs) {
    const rows = p.rounds.map((m) => (Number.isFinite(m.ratio) ? `${m.ratio.toFixed(2)}×` : '–')).join(', ');
    lines.push(
      `| ${p.qos} | ${p.publishers} | ${p.payloadBytes} B | ${p.aedesMedian.toFixed(1)} | ${p.porticoMedian.toFixed(1)}${p.allStored ? '' : ' (NOT all stored)'} | ${rows} | **${p.ratioMedian.toFixed(3)}×** | ${meetsTarget(p) ? 'yes' : 'no'} |`,
    );
  }
  const met = pairs.filter(meetsTarget).length;
  lines.push('', `Within 1.5×: ${met} of ${pairs.length} cells.`);
  return lines;
}
