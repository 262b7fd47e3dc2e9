import { log } from '../lib/measure.js';
import type { BenchOptions } from '../lib/options.js';
import { medianOfFinite } from '../lib/stats.js';
import type { Target } from '../servers/target.js';
import { runStorm, type StormResult } from './storm.js';

/** The plain connect storm on fresh bare aedes and Portico servers, in alternating rounds. */
/** The storm's targets, read from the medians of the rounds' ratios. */
export const stormConnectsMet = (p: StormPairs): boolean => p.connectsRatioMedian >= 0.6;
export const stormRssMet = (p: StormPairs): boolean => p.rssRatioMedian <= 1.2;

export interface StormPairs {
  rounds: Array<{ aedes: StormResult; portico: StormResult; connectsRatio: number; rssRatio: number }>;
  /** Medians of the rounds' ratios: the figures read against the targets (≥ 0.6× connects/s, ≤ 1.2× RSS). */
  connectsRatioMedian: number;
  rssRatioMedian: number;
}

/**
 * The connect storm of `runStorm`, `rounds` times on a fresh bare aedes and a fresh Portico each (RSS is measured from
 * a fresh server), back to back, the order swapped every round: each round's ratio compares the servers at the same
 * moment of the machine (see runThroughputPairs), and the medians are read against the targets.
 */
export async function runStormPairs(start: (name: 'aedes' | 'portico') => Promise<Target>, o: BenchOptions['storm'], rounds: number): Promise<StormPairs> {
  const measured: StormPairs['rounds'] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['aedes', 'portico'] as const) : (['portico', 'aedes'] as const);
    const r: Partial<Record<'aedes' | 'portico', StormResult>> = {};
    for (const name of order) {
      const target = await start(name);
      try {
        const devices = await target.devices(o.devices, `storm${round}`);
        r[name] = await runStorm(target, o, false, devices);
      } finally {
        await target.stop();
      }
    }
    const { aedes, portico } = r as Record<'aedes' | 'portico', StormResult>;
    const complete = aedes.connected === aedes.devices && portico.connected === portico.devices;
    measured.push({
      aedes,
      portico,
      connectsRatio: complete ? portico.connectsPerSec / aedes.connectsPerSec : NaN,
      rssRatio: complete ? portico.rssBytesPerConnection / aedes.rssBytesPerConnection : NaN,
    });
  }
  const pairs: StormPairs = {
    rounds: measured,
    // A round where not every device connected has no ratio.
    connectsRatioMedian: medianOfFinite(measured.map((m) => m.connectsRatio)),
    rssRatioMedian: medianOfFinite(measured.map((m) => m.rssRatio)),
  };
  log(`  storm pairs: connects/s Portico ÷ aedes ${measured.map((m) => m.connectsRatio.toFixed(2)).join(', ')} → median ${pairs.connectsRatioMedian.toFixed(3)}`);
  return pairs;
}

/** The markdown of the alternating storms (a section of latest.md). */
export function stormPairsTable(p: StormPairs): string[] {
  const lines = [
    `**Portico ÷ bare aedes, alternating** (the targets' figures): the plain storm ${p.rounds.length} more times, each on a fresh bare aedes and a fresh Portico, back to back (the order swapped every round); the ratios are the medians of the rounds' ratios.`,
    '',
    '| round | bare aedes connects/s (RSS per connection) | Portico connects/s (RSS per connection) | connects/s ratio | RSS ratio |',
    '| --- | --- | --- | --- | --- |',
  ];
  p.rounds.forEach((m, i) => {
    const cell = (s: StormResult) => `${Math.round(s.connectsPerSec).toLocaleString('en-US')} (${(s.rssBytesPerConnection / 1024).toFixed(1)} KiB)`;
    lines.push(`| ${i + 1} | ${cell(m.aedes)} | ${cell(m.portico)} | ${m.connectsRatio.toFixed(2)}× | ${m.rssRatio.toFixed(2)}× |`);
  });
  lines.push(
    // Three decimals: a median of 0.597 must not read as the 0.60 it rounds to.
    `| **median** | | | **${p.connectsRatioMedian.toFixed(3)}×** (≥ 0.6×: ${stormConnectsMet(p) ? 'yes' : 'no'}) | **${p.rssRatioMedian.toFixed(3)}×** (≤ 1.2×: ${stormRssMet(p) ? 'yes' : 'no'}) |`,
  );
  return lines;
}
