import type { FaninResult, FaninStep } from '../scenarios/fanin.js';
import { type FleetCostResult, fleetCostSummary } from '../scenarios/fleet-cost.js';
import type { FloorResult } from '../scenarios/floor.js';
import { baselineSpeedup, type DevicesQueryResult, type FanoutResult } from '../scenarios/graphql.js';
import type { StormResult } from '../scenarios/storm.js';
import { type StormPairs, stormPairsTable } from '../scenarios/storm-pairs.js';
import type { ThroughputResult } from '../scenarios/throughput.js';
import { pairsTable, type ThroughputPair } from '../scenarios/throughput-pairs.js';
import type { BenchOptions } from './options.js';
import { ratio } from './stats.js';
import { targetsTable } from './targets.js';

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  durationSeconds?: number;
  commit: string | null;
  machine: Record<string, unknown>;
  /** The Node.js flags every Portico ran with (those of `npm start`); Mosquitto and bare aedes run with their defaults. */
  porticoStartFlags?: string[];
  options: BenchOptions;
  servers: Array<{ name: string; label: string; skipped?: string }>;
  throughput: ThroughputResult[];
  fanin: FaninResult[];
  storm: StormResult[];
  /** Portico: devices created through GraphQL for the connect storm, per second. */
  deviceCreation?: { devices: number; perSec: number };
  graphql: {
    devicesQuery?: DevicesQueryResult;
    fanout?: FanoutResult;
    /**
     * `--gql-baseline`: the same requests on a build of `ref` and on this build, fresh servers with 50 devices each, up
     * at once and measured in alternating windows (medians; `windowRatios`: this build ÷ baseline req/s per window).
     */
    baseline?: {
      ref: string;
      commit: string;
      devicesQuery: DevicesQueryResult;
      meQuery: DevicesQueryResult;
      current: { devicesQuery: DevicesQueryResult; meQuery: DevicesQueryResult };
      windows?: number;
      windowRatios?: { devicesQuery: number[]; meQuery: number[] };
    };
  };
  /** Portico with and without latest state and counters. */
  fleetCost?: FleetCostResult[];
  /** One prepared append per message into Portico's SQLite file (the storage floor). */
  floor?: FloorResult[];
  /** Bare aedes and Portico in alternating rounds per throughput cell (`--tp-rounds`). */
  throughputPairs?: ThroughputPair[];
  /** The plain storm on fresh bare aedes and Portico servers in alternating rounds (`--storm-rounds`). */
  stormPairs?: StormPairs;
  ratios: Ratios;
  errors: Array<{ server: string; scenario: string; error: string }>;
}

export interface Ratios {
  throughput: Array<{
    qos: number;
    publishers: number;
    payloadBytes: number;
    msgsPerSecVsMosquitto: number | null;
    msgsPerSecVsAedes: number | null;
    cpuPerMsgVsMosquitto: number | null;
    cpuPerMsgVsAedes: number | null;
  }>;
  storm: {
    connectsPerSecVsMosquitto: number | null;
    connectsPerSecVsAedes: number | null;
    memPerConnVsMosquitto: number | null;
    memPerConnVsAedes: number | null;
    tlsConnectsPerSecVsMosquitto?: number | null;
    tlsCpuPerConnectVsMosquitto?: number | null;
  };
  fanin: { maxSustainedVsMosquitto: number | null; maxSustainedVsAedes: number | null };
}

export function computeRatios(r: Pick<BenchResults, 'throughput' | 'storm' | 'fanin'>): Ratios {
  const tp = (server: string, x: ThroughputResult) => r.throughput.find((t) => t.server === server && t.qos === x.qos && t.publishers === x.publishers && t.payloadBytes === x.payloadBytes);
  const throughput = r.throughput
    .filter((t) => t.server === 'portico')
    .map((p) => {
      const m = tp('mosquitto', p);
      const a = tp('aedes', p);
      return {
        qos: p.qos,
        publishers: p.publishers,
        payloadBytes: p.payloadBytes,
        msgsPerSecVsMosquitto: ratio(p.msgsPerSec, m?.msgsPerSec),
        msgsPerSecVsAedes: ratio(p.msgsPerSec, a?.msgsPerSec),
        cpuPerMsgVsMosquitto: ratio(p.serverCpuMicrosPerMsg, m?.serverCpuMicrosPerMsg),
        cpuPerMsgVsAedes: ratio(p.serverCpuMicrosPerMsg, a?.serverCpuMicrosPerMsg),
      };
    });
  const storm = (server: string) => r.storm.find((s) => s.server === server && !s.tls);
  const tlsStorm = (server: string) => r.storm.find((s) => s.server === server && s.tls);
  const fanin = (server: string) => r.fanin.find((f) => f.server === server && !f.variant)?.maxSustainedRate;
  return {
    throughput,
    storm: {
      connectsPerSecVsMosquitto: ratio(storm('portico')?.connectsPerSec, storm('mosquitto')?.connectsPerSec),
      connectsPerSecVsAedes: ratio(storm('portico')?.connectsPerSec, storm('aedes')?.connectsPerSec),
      memPerConnVsMosquitto: ratio(storm('portico')?.rssBytesPerConnection, storm('mosquitto')?.rssBytesPerConnection),
      memPerConnVsAedes: ratio(storm('portico')?.rssBytesPerConnection, storm('aedes')?.rssBytesPerConnection),
      tlsConnectsPerSecVsMosquitto: ratio(tlsStorm('portico')?.connectsPerSec, tlsStorm('mosquitto')?.connectsPerSec),
      tlsCpuPerConnectVsMosquitto: ratio(tlsStorm('portico')?.serverCpuMicrosPerConnect, tlsStorm('mosquitto')?.serverCpuMicrosPerConnect),
    },
    fanin: {
      maxSustainedVsMosquitto: ratio(fanin('portico'), fanin('mosquitto')),
      maxSustainedVsAedes: ratio(fanin('portico'), fanin('aedes')),
    },
  };
}

const num = (v: number | null | undefined, digits = 0): string =>
  v == null || !Number.isFinite(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const x = (v: number | null | undefined): string => (v == null ? '–' : `${v.toFixed(2)}×`);
const ms = (v: number | undefined): string => (v == null || !Number.isFinite(v) ? '–' : v < 10 ? v.toFixed(1) : v.toFixed(0));

/** The load generator used this share of one core or more: it, not the server, may have set the pace. */
const CLIENT_BOUND = 0.8;
const CLIENT_BOUND_NOTE = `\\* the bench process (load generator) used ≥ ${CLIENT_BOUND * 100}% of a core here: the server may be faster than shown.`;
const bound = (share: number) => (share >= CLIENT_BOUND ? '\\*' : '');

/** The short markdown report (bench/results/latest.md). */
export function markdown(r: BenchResults): string {
  const lines: string[] = [];
  const label = (name: string) => r.servers.find((s) => s.name === name)?.label ?? name;
  const present = ['mosquitto', 'aedes', 'portico'].filter((n) => r.servers.some((s) => s.name === n && !s.skipped));
  const m = r.machine as { cpuModel?: string; cpus?: number; node?: string; loadAverageAtStart?: number[] };
  lines.push(`# Portico benchmark — ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC${r.options.quick ? ' (quick)' : ''}`);
  lines.push('');
  lines.push(
    `Loopback, one run, servers one at a time as child processes: ${r.servers.map((s) => (s.skipped ? `${s.label} (skipped: ${s.skipped})` : s.label)).join(', ')}. ` +
      `Commit ${r.commit ?? '?'}, ${m.cpus ?? '?'} × ${m.cpuModel ?? '?'}, Node ${m.node ?? '?'}, load average at start ${m.loadAverageAtStart?.join(' ') ?? '?'}. ` +
      `Server CPU from /proc/<pid>/stat (user + system), memory = RSS. Ratios are Portico ÷ baseline. ` +
      `Bare aedes runs with Portico's routing concurrency (10,000 messages, aedes's default is 100), so both route alike.` +
      (r.porticoStartFlags?.length ? ` Portico runs as \`npm start\` runs it: \`node ${r.porticoStartFlags.join(' ')} dist/src/main.js\` (bare aedes on Node's defaults).` : ''),
  );
  if (!r.options.quick) lines.push('', '## Targets of issue 11', '', ...targetsTable(r));
  if (r.throughput.length) {
    lines.push('', '## 1. Throughput (msg/s; server CPU-µs per message)', '');
    const head = ['QoS', 'devices → 1', 'payload', ...present.map((n) => `${label(n)} msg/s (CPU-µs)`)];
    if (present.includes('portico')) head.push('Portico ÷ Mosquitto', 'Portico ÷ aedes');
    lines.push(`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`);
    const cells = r.throughput.filter((t, i, all) => all.findIndex((u) => u.qos === t.qos && u.publishers === t.publishers && u.payloadBytes === t.payloadBytes) === i);
    for (const c of cells) {
      const row = [String(c.qos), String(c.publishers), `${c.payloadBytes} B`];
      for (const n of present) {
        const t = r.throughput.find((u) => u.server === n && u.qos === c.qos && u.publishers === c.publishers && u.payloadBytes === c.payloadBytes);
        row.push(
          t
            ? `${num(t.msgsPerSec)}${bound(t.benchCoreShare)} (${num(t.serverCpuMicrosPerMsg, 1)})${t.received < t.sent ? ` lost ${t.sent - t.received}` : ''}${t.stored !== undefined && t.stored < t.sent ? ` stored ${t.stored}/${t.sent}` : ''}`
            : '–',
        );
      }
      if (present.includes('portico')) {
        const q = r.ratios.throughput.find((u) => u.qos === c.qos && u.publishers === c.publishers && u.payloadBytes === c.payloadBytes);
        row.push(`${x(q?.msgsPerSecVsMosquitto)} (CPU ${x(q?.cpuPerMsgVsMosquitto)})`, `${x(q?.msgsPerSecVsAedes)} (CPU ${x(q?.cpuPerMsgVsAedes)})`);
      }
      lines.push(`| ${row.join(' | ')} |`);
    }
    if (r.throughput.some((t) => t.benchCoreShare >= CLIENT_BOUND)) lines.push('', CLIENT_BOUND_NOTE);
    const stored = r.throughput.filter((t) => t.stored !== undefined);
    if (stored.length) {
      const all = stored.every((t) => t.stored === t.sent);
      lines.push('', `Portico recorded device events during these runs: ${all ? 'every message was stored' : 'some messages were NOT stored (see JSON)'}.`);
    }
    if (r.floor?.length) lines.push('', ...floorTable(r));
    if (r.throughputPairs?.length) lines.push('', ...pairsTable(r.throughputPairs));
  }
  if (r.fanin.length) {
    const f0 = r.fanin[0];
    lines.push('', `## 2. Device fan-in (${num(f0.devices)} devices, QoS ${r.options.fanin.qos}, ${r.options.fanin.seconds} s per rate; latency p50 / p99 ms)`, '');
    const main = (n: string) => r.fanin.find((f) => f.server === n && !f.variant);
    const variants = r.fanin.filter((f) => f.variant);
    const head = ['offered msg/s', ...present.map((n) => `${label(n)} → MQTT sub`)];
    if (present.includes('portico')) head.push('Portico → GraphQL sub', 'stored');
    for (const v of variants) head.push(`Portico with ${v.variant} → MQTT sub`, '→ GraphQL sub', 'stored');
    lines.push(`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`);
    const rates = [...new Set(r.fanin.flatMap((f) => f.steps.map((s) => s.targetRate)))].sort((a, b) => a - b);
    const cell = (s: FaninStep | undefined, which: 'mqtt' | 'graphql') => {
      if (!s) return '–';
      const sum = which === 'mqtt' ? s.mqttLatencyMs : s.graphqlLatencyMs;
      const got = which === 'mqtt' ? s.mqttReceived : s.graphqlReceived;
      const short = got !== undefined && got < s.sent ? ` (${num(got)}/${num(s.sent)})` : '';
      const retried = s.firstAttempt ? ' †' : '';
      return sum ? `${ms(sum.p50)} / ${ms(sum.p99)}${short}${s.offeredRate < s.targetRate * 0.95 ? ` at ${num(s.offeredRate)}` : ''}${retried}` : '–';
    };
    for (const rate of rates) {
      const row = [num(rate)];
      const stored = (s: FaninStep | undefined) => (s ? `${s.stored === s.sent ? 'all' : `${num(s.stored)}/${num(s.sent)}`}` : '–');
      for (const n of present)
        row.push(
          cell(
            main(n)?.steps.find((s) => s.targetRate === rate),
            'mqtt',
          ),
        );
      if (present.includes('portico')) {
        const s = main('portico')?.steps.find((u) => u.targetRate === rate);
        row.push(cell(s, 'graphql'), stored(s));
      }
      for (const v of variants) {
        const s = v.steps.find((u) => u.targetRate === rate);
        row.push(cell(s, 'mqtt'), cell(s, 'graphql'), stored(s));
      }
      lines.push(`| ${row.join(' | ')} |`);
    }
    if (r.fanin.some((f) => f.steps.some((st) => st.firstAttempt))) lines.push('', '† second attempt: the first one at this rate was not sustained (see JSON); a rate is measured at most twice.');
    lines.push(
      '',
      `Highest rate sustained (p99 < ${r.options.fanin.p99LimitMs} ms, all delivered${present.includes('portico') ? ', Portico: via GraphQL and all stored' : ''}): ` +
        [...present.map((n) => `${label(n)} ${num(main(n)?.maxSustainedRate ?? null)}`), ...variants.map((v) => `Portico with ${v.variant} ${num(v.maxSustainedRate)}`)].join(', ') +
        ' msg/s (– = not even the lowest rate).',
    );
  }
  if (r.storm.length) {
    lines.push('', `## 3. Connect storm (${num(r.options.storm.devices)} devices, ${r.options.storm.concurrency} connecting at a time)`, '');
    lines.push('| server | auth | TLS | connected | connects/s | RSS per connection | server CPU-µs per connect |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const s of r.storm) {
      lines.push(
        `| ${label(s.server)} | ${s.authenticated ? 'token' : 'none'} | ${s.tls ? 'yes' : 'no'} | ${num(s.connected)}/${num(s.devices)} | ${num(s.connectsPerSec)}${bound(s.benchCoreShare)} | ${num(s.rssBytesPerConnection / 1024, 1)} KiB | ${num(s.serverCpuMicrosPerConnect)} |`,
      );
    }
    if (r.storm.some((s) => s.benchCoreShare >= CLIENT_BOUND)) lines.push('', CLIENT_BOUND_NOTE);
    if (r.storm.some((s) => s.tls))
      lines.push(
        '',
        'The TLS storm runs last on the same process (after throughput, fan-in and GraphQL), so its RSS growth is measured on an already grown heap; it runs last because after 10,000 TLS connections the same Portico process spent 1.5–2.3× the CPU per message in the QoS 0 100 → 1 cell.',
      );
    const q = r.ratios.storm;
    if (present.includes('portico'))
      lines.push(
        '',
        `Portico (plain) ÷ Mosquitto: connects/s ${x(q.connectsPerSecVsMosquitto)}, memory per connection ${x(q.memPerConnVsMosquitto)}; ÷ aedes: ${x(q.connectsPerSecVsAedes)}, ${x(q.memPerConnVsAedes)}.`,
      );
    if (present.includes('portico') && q.tlsConnectsPerSecVsMosquitto != null)
      lines.push(
        '',
        `Portico TLS ÷ Mosquitto TLS (both P-256 server certificates): connects/s ${x(q.tlsConnectsPerSecVsMosquitto)}, server CPU per connect ${x(q.tlsCpuPerConnectVsMosquitto ?? null)}.`,
      );
    if (r.stormPairs?.rounds.length) lines.push('', ...stormPairsTable(r.stormPairs));
  }
  const g = r.graphql;
  if (g.devicesQuery || g.fanout || g.baseline) {
    lines.push('', '## 4. GraphQL (Portico)', '');
    if (g.devicesQuery) {
      const d = g.devicesQuery;
      lines.push(
        `- \`devices(first: 50) { nodes { id name credentials { deviceKey } lastConnectedAt } }\`: **${num(d.requestsPerSec)} requests/s** (autocannon, ${d.connections} connections, ${d.seconds} s), latency p50 ${d.latencyMs.p50} ms / p99 ${d.latencyMs.p99} ms, ${num(d.serverCpuMicrosPerRequest)} server CPU-µs per request, non-2xx ${d.non2xx}, errors ${d.errors}.`,
      );
    }
    if (g.baseline) {
      const b = g.baseline;
      const row = (name: string, now: DevicesQueryResult, then: DevicesQueryResult, windows?: number[]) =>
        `| ${name} | ${num(then.requestsPerSec)} | ${num(now.requestsPerSec)} | **${x(baselineSpeedup(now, then, windows))}**${windows?.length ? ` (windows ${windows.map((w) => w.toFixed(2)).join(', ')})` : ''} | ${num(then.serverCpuMicrosPerRequest)} → ${num(now.serverCpuMicrosPerRequest)} |`;
      const how = b.windows
        ? `fresh servers with 50 devices each, both up at once, measured in ${b.windows} alternating windows per request (medians; the ratio is the median of the windows' ratios)`
        : 'fresh servers with 50 devices each, measured one after the other';
      lines.push('', `Against \`${b.ref}\` (${b.commit}), ${how}:`, '');
      lines.push('| request | baseline req/s | this build req/s | ratio | server CPU-µs per request |', '| --- | --- | --- | --- | --- |');
      lines.push(
        row('`devices(first: 50) { … credentials { deviceKey } … }`', b.current.devicesQuery, b.devicesQuery, b.windowRatios?.devicesQuery),
        row('`{ me { id } }`', b.current.meQuery, b.meQuery, b.windowRatios?.meQuery),
      );
    }
    if (g.fanout) {
      const f = g.fanout;
      lines.push(
        `- Subscription fan-out: one device event → ${num(f.subscribed)} graphql-ws clients: all delivered after **${ms(f.allDeliveredMs.p50)} ms** (p50 of ${f.events} events, max ${ms(f.allDeliveredMs.max)} ms); per client p50 ${ms(f.perClientMs.p50)} / p99 ${ms(f.perClientMs.p99)} ms; missing ${f.missing}.`,
      );
    }
  }
  if (r.fleetCost?.length) {
    const rounds = r.fleetCost[0].withCpu.length;
    lines.push('', `## 5. Cost of latest state and counters (Portico; median of ${rounds} fresh server${rounds === 1 ? '' : 's'} each)`, '');
    lines.push('| QoS | devices → 1 | payload | with (default): msg/s (CPU-µs/msg) | without: msg/s (CPU-µs/msg) | extra CPU per message |', '| --- | --- | --- | --- | --- | --- |');
    for (const c of r.fleetCost) {
      const s = fleetCostSummary(c);
      const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
      lines.push(
        `| ${c.qos} | ${c.publishers} | ${c.payloadBytes} B | ${num(med(c.withMsgsPerSec))} (${num(s.withCpu, 1)}) | ${num(med(c.withoutMsgsPerSec))} (${num(s.withoutCpu, 1)}) | ${num(s.extraMicros, 1)} µs (${s.extraPercent >= 0 ? '+' : ''}${num(s.extraPercent, 1)} %)${c.allStored ? '' : ' – not all stored'} |`,
      );
    }
    lines.push('', 'Without = `PORTICO_LATEST_TOPICS_PER_DEVICE=0 PORTICO_FLEET_TRACKING=false` (no latest values, no last seen times or counters); every device publishes on a topic of its own.');
  }
  if (r.errors.length) {
    lines.push('', '## Errors', '');
    for (const e of r.errors) lines.push(`- ${e.server} / ${e.scenario}: ${e.error.split('\n')[0]}`);
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * The physical floor of each throughput cell: what bare aedes spends per message plus one prepared append per message
 * into Portico's SQLite file; Portico's distance to it.
 */
function floorTable(r: BenchResults): string[] {
  const lines = [
    "**Physical floor** (same run): bare aedes CPU per message + one prepared INSERT per message into Portico's own SQLite file (its device_events table and indexes, and on a schema with the per-device index written in bulk the same sorted copy every 16,384 rows; WAL, synchronous=NORMAL, 500 rows per transaction, rows spread over the cell's devices).",
    '',
    'floor ÷ aedes: where a server that did nothing but relay each message and append it once would stand against the throughput target (≤ 1.5× bare aedes).',
    '',
    '| QoS | devices → 1 | payload | append CPU-µs/row | bare aedes CPU-µs/msg | floor CPU-µs/msg | floor ÷ aedes | Portico CPU-µs/msg | Portico ÷ floor |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of r.throughput.filter((t) => t.server === 'portico')) {
    const f = r.floor?.find((c) => c.publishers === p.publishers && c.payloadBytes === p.payloadBytes);
    const a = r.throughput.find((t) => t.server === 'aedes' && t.qos === p.qos && t.publishers === p.publishers && t.payloadBytes === p.payloadBytes);
    const floor = f && a ? f.cpuMicrosPerRow + a.serverCpuMicrosPerMsg : null;
    lines.push(
      `| ${p.qos} | ${p.publishers} | ${p.payloadBytes} B | ${num(f?.cpuMicrosPerRow, 1)} | ${num(a?.serverCpuMicrosPerMsg, 1)} | ${num(floor, 1)} | ${x(ratio(floor, a?.serverCpuMicrosPerMsg))} | ${num(p.serverCpuMicrosPerMsg, 1)} | ${x(ratio(p.serverCpuMicrosPerMsg, floor))} |`,
    );
  }
  return lines;
}
