import { baselineSpeedup } from '../scenarios/graphql.js';
import { stormConnectsMet, stormRssMet } from '../scenarios/storm-pairs.js';
import { meetsTarget } from '../scenarios/throughput-pairs.js';
import type { BenchResults } from './report.js';

/** One target of issue 11 as this run measured it: `met` is null when the run did not measure it. */
export interface TargetRow {
  key: 'throughput' | 'fanin' | 'storm' | 'tlsStorm' | 'devicesQuery' | 'meQuery' | 'fanout' | 'floor';
  target: string;
  required: string;
  measured: string;
  met: boolean | null;
}

/** The fan-in rate of issue 11's day (the figure its target is 5× of). */
const FANIN_BEFORE = 2000;

const times = (v: number) => `${v.toFixed(3)}×`;
const rate = (v: number) => v.toLocaleString('en-US');

/**
 * The targets of issue 11 ("Storing every message at close to the cost of not storing it"), each read from the figure
 * the report marks as the target's (alternating medians where the bench has them), with its ratio.
 */
export function issue11Targets(r: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const pairs = r.throughputPairs ?? [];
  const cells = r.options.throughput.qos.length * r.options.throughput.publishers.length * r.options.throughput.payloadBytes.length;
  if (pairs.length) {
    const ratios = pairs.map((p) => p.ratioMedian);
    const within = pairs.filter(meetsTarget).length;
    rows.push({
      key: 'throughput',
      target: `Throughput, ${cells} cells, every message stored: server CPU per message ÷ bare aedes (alternating medians)`,
      required: '≤ 1.5× in every cell',
      measured: `${times(Math.min(...ratios))}–${times(Math.max(...ratios))}, ${within} of ${pairs.length} cells within`,
      met: within === pairs.length && pairs.length === cells,
    });
  } else rows.push({ key: 'throughput', target: 'Throughput, server CPU per message ÷ bare aedes', required: '≤ 1.5× in every cell', measured: 'not measured (--tp-rounds=0)', met: null });

  const fanin = (server: string) => r.fanin.find((f) => f.server === server && !f.variant);
  const portico = fanin('portico');
  if (portico) {
    const best = portico.maxSustainedRate ?? 0;
    const aedes = fanin('aedes')?.maxSustainedRate;
    rows.push({
      key: 'fanin',
      target: `Fan-in, ${rate(portico.devices)} devices, default configuration: highest rate with p99 < ${r.options.fanin.p99LimitMs} ms publish → GraphQL, all delivered and stored`,
      required: `≥ ${rate(5 * FANIN_BEFORE)} msg/s (5× ${rate(FANIN_BEFORE)})`,
      measured: `${rate(best)} msg/s (${(best / FANIN_BEFORE).toFixed(2)}× ${rate(FANIN_BEFORE)}${aedes ? `; bare aedes ${rate(aedes)}` : ''})`,
      met: best >= 5 * FANIN_BEFORE,
    });
  } else rows.push({ key: 'fanin', target: 'Fan-in via GraphQL', required: `≥ ${rate(5 * FANIN_BEFORE)} msg/s`, measured: 'not measured', met: null });

  const storm = r.stormPairs;
  rows.push(
    storm?.rounds.length
      ? {
          key: 'storm',
          target: `Connect storm, ${rate(r.options.storm.devices)} token devices: connects/s and RSS per connection ÷ bare aedes (alternating medians)`,
          required: '≥ 0.6× connects/s, ≤ 1.2× RSS',
          measured: `${times(storm.connectsRatioMedian)} connects/s, ${times(storm.rssRatioMedian)} RSS`,
          met: stormConnectsMet(storm) && stormRssMet(storm),
        }
      : { key: 'storm', target: 'Connect storm ÷ bare aedes', required: '≥ 0.6× connects/s, ≤ 1.2× RSS', measured: 'not measured (--storm-rounds=0)', met: null },
  );
  const tls = r.ratios.storm.tlsConnectsPerSecVsMosquitto;
  rows.push({
    key: 'tlsStorm',
    target: 'TLS connect storm beside Mosquitto’s TLS storm',
    required: 'reported',
    measured: tls == null ? 'not measured' : `${times(tls)} Mosquitto TLS connects/s`,
    met: tls == null ? null : true,
  });

  const b = r.graphql.baseline;
  if (b) {
    const devices = baselineSpeedup(b.current.devicesQuery, b.devicesQuery, b.windowRatios?.devicesQuery);
    const me = baselineSpeedup(b.current.meQuery, b.meQuery, b.windowRatios?.meQuery);
    rows.push(
      {
        key: 'devicesQuery',
        target: `\`devices(first: 50)\` requests/s ÷ \`${b.ref}\` (${b.windows ? `median of ${b.windows} alternating windows` : 'measured one after the other'})`,
        required: '≥ 3×',
        measured: times(devices),
        met: devices >= 3,
      },
      { key: 'meQuery', target: `\`{ me { id } }\` requests/s ÷ \`${b.ref}\``, required: '≥ 2×', measured: times(me), met: me >= 2 },
    );
  } else rows.push({ key: 'devicesQuery', target: 'GraphQL requests/s ÷ a baseline build', required: '≥ 3× / ≥ 2×', measured: 'not measured (no --gql-baseline)', met: null });

  const f = r.graphql.fanout;
  if (f) {
    const ok = f.missing === 0 && f.subscribed === f.clients && f.allDeliveredMs.p50 <= 50;
    rows.push({
      key: 'fanout',
      target: `One device event → ${rate(f.clients)} graphql-ws subscribers, all delivered`,
      required: '≤ 50 ms p50',
      measured: `${f.allDeliveredMs.p50.toFixed(1)} ms (p50 of ${f.events} events), ${rate(f.subscribed)} subscribed, missing ${f.missing}`,
      met: ok,
    });
  } else rows.push({ key: 'fanout', target: 'One device event → graphql-ws subscribers', required: '≤ 50 ms p50', measured: 'not measured', met: null });

  // The floor of a cell: bare aedes's CPU per message in it plus one append per row of its size and device count.
  const porticoCells = r.throughput.filter((t) => t.server === 'portico');
  const floored = porticoCells.filter(
    (p) =>
      r.floor?.some((c) => c.publishers === p.publishers && c.payloadBytes === p.payloadBytes) &&
      r.throughput.some((t) => t.server === 'aedes' && t.qos === p.qos && t.publishers === p.publishers && t.payloadBytes === p.payloadBytes),
  ).length;
  rows.push({
    key: 'floor',
    target: 'Physical floor beside each throughput figure (bare aedes + one prepared append per message into the same SQLite file)',
    required: 'stated',
    measured: `${floored} of ${porticoCells.length} cells`,
    met: porticoCells.length ? floored === porticoCells.length : null,
  });
  return rows;
}

/** The targets as a markdown table, and how many are met. */
export function targetsTable(r: BenchResults): string[] {
  const rows = issue11Targets(r);
  const met = rows.filter((t) => t.met === true).length;
  const measured = rows.filter((t) => t.met !== null).length;
  const mark = (m: boolean | null) => (m === null ? '–' : m ? '**yes**' : '**no**');
  return [
    '| target (issue 11) | required | this run | met |',
    '| --- | --- | --- | --- |',
    ...rows.map((t) => `| ${t.target} | ${t.required} | ${t.measured} | ${mark(t.met)} |`),
    '',
    `Met: ${met} of ${measured} measured targets${measured < rows.length ? ` (${rows.length - measured} not measured in this run)` : ''}.`,
  ];
}
