import fs from 'node:fs';
import path from 'node:path';

import { parseOptions } from '../bench/lib/options';
import { type BenchResults, computeRatios } from '../bench/lib/report';
import { median, medianOfFinite, percentile, ratio, sig, summarize } from '../bench/lib/stats';
import { issue11Targets, targetsTable } from '../bench/lib/targets';
import type { StormResult } from '../bench/scenarios/storm';
import { stormPairsTable } from '../bench/scenarios/storm-pairs';
import { pairsTable, type ThroughputPair } from '../bench/scenarios/throughput-pairs';
import { startFlags } from '../bench/servers/portico';

describe('bench statistics helpers', () => {
  it('median is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('medianOfFinite leaves out rounds without a figure (NaN)', () => {
    expect(medianOfFinite([1.4, NaN, 1.2, 1.3])).toBe(1.3);
    expect(medianOfFinite([NaN])).toBeNaN();
  });

  it('percentile uses the nearest rank', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarize sorts numerically and leaves its input alone', () => {
    const input = [10, 9, 100, 2, 1];
    const s = summarize(input);
    expect(s).toEqual({ count: 5, min: 1, p50: 9, p90: 100, p99: 100, max: 100, mean: 24.4 });
    expect(input).toEqual([10, 9, 100, 2, 1]);
    expect(summarize([]).count).toBe(0);
  });

  it('ratio and sig handle missing values', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(10, 0)).toBeNull();
    expect(ratio(undefined, 3)).toBeNull();
    expect(sig(1234.5678, 3)).toBe(1230);
    expect(sig(NaN)).toBeNull();
  });

  it('options: --quick shrinks sizes, flags and BENCH_ variables override', () => {
    const root = path.resolve(__dirname, '..');
    const full = parseOptions([], {}, root);
    const quick = parseOptions(['--quick', '--fanin-rates=500,700', '--servers=aedes'], { BENCH_STORM_DEVICES: '42' }, root);
    if (full === 'help' || quick === 'help') throw new Error('unexpected help');
    expect(full.storm.devices).toBe(10_000);
    expect(full.fanin.devices).toBe(1000);
    expect(quick.quick).toBe(true);
    expect(quick.fanin.rates).toEqual([500, 700]);
    expect(quick.servers).toEqual(['aedes']);
    expect(quick.storm.devices).toBe(42);
    expect(() => parseOptions(['--nope=1'], {}, root)).toThrow(/unknown option/);
  });

  it('options: alternating rounds default to 5 (throughput) and 3 (storm) in full runs, 1 and 0 in quick ones; 0 switches them off', () => {
    const root = path.resolve(__dirname, '..');
    const full = parseOptions([], {}, root);
    const quick = parseOptions(['--quick'], {}, root);
    const off = parseOptions(['--tp-rounds=0', '--storm-rounds=0'], {}, root);
    if (full === 'help' || quick === 'help' || off === 'help') throw new Error('unexpected help');
    expect([full.throughput.rounds, full.storm.rounds]).toEqual([5, 3]);
    expect([quick.throughput.rounds, quick.storm.rounds]).toEqual([1, 0]);
    expect([off.throughput.rounds, off.storm.rounds]).toEqual([0, 0]);
    expect(() => parseOptions(['--tp-rounds=-1'], {}, root)).toThrow(/positive integer/);
  });

  it('alternating rounds: a cell meets the target by the median of its rounds, with three decimals, and only when every message was stored', () => {
    const cell = (ratios: number[], allStored = true): ThroughputPair => ({
      qos: 0,
      publishers: 1,
      payloadBytes: 16,
      rounds: ratios.map((r) => ({ aedes: 10, portico: 10 * r, ratio: r })),
      aedesMedian: 10,
      porticoMedian: 10 * median(ratios),
      ratioMedian: median(ratios),
      allStored,
    });
    const lines = pairsTable([cell([1.2, 1.6, 1.4]), cell([1.5004, 1.6, 1.4]), cell([1.1, 1.2, 1.3], false)]);
    expect(lines.filter((l) => l.startsWith('| 0 |')).map((l) => l.split(' | ').slice(-2))).toEqual([
      ['**1.400×**', 'yes |'],
      ['**1.500×**', 'no |'],
      ['**1.200×**', 'no |'],
    ]);
    expect(lines.at(-1)).toBe('Within 1.5×: 1 of 3 cells.');
    const storm = (connectsPerSec: number, rss: number) => ({ connectsPerSec, rssBytesPerConnection: rss }) as StormResult;
    const rows = stormPairsTable({
      rounds: [{ aedes: storm(1000, 100), portico: storm(597, 120), connectsRatio: 0.597, rssRatio: 1.2 }],
      connectsRatioMedian: 0.597,
      rssRatioMedian: 1.2,
    });
    expect(rows.at(-1)).toBe('| **median** | | | **0.597×** (≥ 0.6×: no) | **1.200×** (≤ 1.2×: yes) |');
  });

  it("reads issue 11's targets from a recorded full run, each with its figure", () => {
    const load = (file: string) => {
      const r = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'bench', 'results', file), 'utf8')) as BenchResults;
      r.ratios = computeRatios(r);
      return r;
    };
    const met = (r: BenchResults) => Object.fromEntries(issue11Targets(r).map((t) => [t.key, t.met]));
    // 18:02 on fceb664: every target met (README's table).
    const all = load('2026-12-07T18-02-39-993Z.json');
    expect(issue11Targets(all).every((t) => t.met === true)).toBe(true);
    expect(issue11Targets(all)[0]!.measured).toBe('0.972×–1.430×, 8 of 8 cells within');
    expect(targetsTable(all).at(-1)).toBe('Met: 8 of 8 measured targets.');
    // 17:25, same commit: fan-in (5,000 msg/s) and fan-out (90 ms) missed.
    expect(met(load('2026-12-07T17-25-45-924Z.json'))).toEqual({
      throughput: true,
      fanin: false,
      storm: true,
      tlsStorm: true,
      devicesQuery: true,
      meQuery: true,
      fanout: false,
      floor: true,
    });
    // A run of some scenarios only: what it did not measure is neither met nor missed.
    const partial = load('2026-12-07T18-02-39-993Z.json');
    delete partial.throughputPairs;
    partial.fanin = [];
    partial.graphql = {};
    expect(met(partial)).toMatchObject({ throughput: null, fanin: null, storm: true, devicesQuery: null, fanout: null, floor: true });
    expect(targetsTable(partial).at(-1)).toBe('Met: 3 of 3 measured targets (4 not measured in this run).');
  });

  it('starts Portico with the Node.js flags of npm start (a larger young generation)', () => {
    expect(startFlags(path.resolve(__dirname, '..'))).toEqual(['--max-semi-space-size=64']);
  });
});
