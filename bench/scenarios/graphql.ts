import autocannon from 'autocannon';
import type { Client } from 'graphql-ws';

import { connected, gql, wsClient } from '../lib/graphql.js';
import { CpuMeter, log, now, waitFor, waitIdle } from '../lib/measure.js';
import { pool } from '../lib/mqtt-raw.js';
import type { BenchOptions } from '../lib/options.js';
import { sleep } from '../lib/procs.js';
import { median, summarize, type Summary } from '../lib/stats.js';
import type { PorticoTarget } from '../servers/portico.js';
import { connectDevice } from './throughput.js';

export const DEVICES_QUERY = '{ devices(first: 50) { nodes { id name credentials { deviceKey } lastConnectedAt } } }';
export const ME_QUERY = '{ me { id } }';

export interface DevicesQueryResult {
  query: string;
  connections: number;
  seconds: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  /** Devices returned by one request (should be 50), and how many had lastConnectedAt set. */
  nodes: number;
  nodesWithLastConnectedAt: number;
  serverCpuMicrosPerRequest: number;
  benchCoreShare: number;
}

export interface FanoutResult {
  clients: number;
  connected: number;
  /** Clients whose subscription delivered the warm-up event (the ones measured). */
  subscribed: number;
  events: number;
  /** Per event: publish → the last of the clients received it (ms). */
  allDeliveredMs: Summary;
  /** Publish → each client's delivery, over every client and event (ms). */
  perClientMs: Summary;
  /** Deliveries missing after the per-event timeout. */
  missing: number;
}

/** `devices(first: 50)` with credentials and last connection (or another query), POSTed by autocannon. */
export async function runDevicesQuery(target: PorticoTarget, o: BenchOptions['graphql'], query = DEVICES_QUERY): Promise<DevicesQueryResult> {
  const probe =
    query === DEVICES_QUERY ? await gql<{ devices: { nodes: Array<{ lastConnectedAt: string | null }> } }>(target.graphqlUrl, DEVICES_QUERY, undefined, target.token) : { devices: { nodes: [] } };
  await waitIdle(target.server.pid, 15_000);
  const meter = new CpuMeter(target.server.pid);
  const result = await autocannon({
    url: target.graphqlUrl,
    method: 'POST',
    connections: o.connections,
    duration: o.seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
    body: JSON.stringify({ query }),
  });
  const cpu = meter.read();
  const total = result.requests.total;
  const r: DevicesQueryResult = {
    query,
    connections: o.connections,
    seconds: o.seconds,
    requestsPerSec: result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    nodes: probe.devices.nodes.length,
    nodesWithLastConnectedAt: probe.devices.nodes.filter((n) => n.lastConnectedAt).length,
    serverCpuMicrosPerRequest: total ? cpu.serverCpuMicros / total : NaN,
    benchCoreShare: cpu.benchCoreShare,
  };
  log(`  ${target.label} ${query.slice(0, 30)}…: ${Math.round(r.requestsPerSec)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
  return r;
}

/** This build ÷ the baseline in requests/s: the median of the windows' ratios when there are windows (else the ratio of the two). */
export function baselineSpeedup(current: DevicesQueryResult, baseline: DevicesQueryResult, windows?: number[]): number {
  return windows?.length ? median(windows) : current.requestsPerSec / baseline.requestsPerSec;
}

/** One query's medians over alternating windows on two servers, and the per-window ratios (current ÷ baseline req/s). */
export interface AlternatingComparison {
  baseline: DevicesQueryResult;
  current: DevicesQueryResult;
  /** current ÷ baseline requests/s, window by window (each pair measured back to back, order alternating). */
  windowRatios: number[];
}

/** A result whose figures are the medians of `runs` (counts summed). */
function medianResult(runs: DevicesQueryResult[]): DevicesQueryResult {
  const first = runs[0]!;
  return {
    ...first,
    seconds: runs.reduce((n, r) => n + r.seconds, 0),
    requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
    latencyMs: { p50: median(runs.map((r) => r.latencyMs.p50)), p99: median(runs.map((r) => r.latencyMs.p99)), max: Math.max(...runs.map((r) => r.latencyMs.max)) },
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    serverCpuMicrosPerRequest: median(runs.map((r) => r.serverCpuMicrosPerRequest)),
    benchCoreShare: median(runs.map((r) => r.benchCoreShare)),
  };
}

/**
 * The same query on two servers that run at the same time (a baseline build and this one), in `windows` short
 * windows alternating between them (the order flips each window): a machine whose speed drifts over minutes
 * shifts both sides of each pair alike. Each server answers the query once (warm-up) before.
 */
export async function compareAlternating(
  baseline: PorticoTarget,
  current: PorticoTarget,
  o: BenchOptions['graphql'],
  query: string,
  windows: number,
  windowSeconds: number,
): Promise<AlternatingComparison> {
  const window = { ...o, seconds: windowSeconds };
  for (const t of [baseline, current]) await runDevicesQuery(t, { ...window, seconds: 1 }, query);
  const runs: [DevicesQueryResult[], DevicesQueryResult[]] = [[], []];
  for (let w = 0; w < windows; w++) {
    for (const side of w % 2 ? [1, 0] : [0, 1]) runs[side]!.push(await runDevicesQuery(side ? current : baseline, window, query));
  }
  return {
    baseline: medianResult(runs[0]),
    current: medianResult(runs[1]),
    windowRatios: runs[1].map((r, i) => r.requestsPerSec / runs[0][i]!.requestsPerSec),
  };
}

const FANOUT_SUBSCRIPTION = 'subscription ($deviceId: ID!) { deviceEventAdded(deviceId: $deviceId) { topic payload } }';

/** One device event delivered to `fanoutClients` graphql-ws clients: time until all have it. */
export async function runFanout(target: PorticoTarget, o: BenchOptions['graphql']): Promise<FanoutResult> {
  const [device] = await target.devices(1, 'fanout');
  const publisher = await connectDevice(target, device);
  const clients: Client[] = [];
  const disposers: Array<() => void> = [];
  /** 1 once client i received a warm-up event (its subscription is live). */
  const warm = new Uint8Array(o.fanoutClients);
  const deliveries: number[][] = [];
  try {
    const ok = await pool(o.fanoutClients, 50, async (i) => {
      const c = wsClient(target.graphqlUrl, target.token);
      clients.push(c);
      await connected(c);
      disposers.push(
        c.subscribe<{ deviceEventAdded: { topic: string; payload: string } }>(
          { query: FANOUT_SUBSCRIPTION, variables: { deviceId: device.id } },
          {
            next: (r) => {
              const e = r.data?.deviceEventAdded;
              if (!e) return;
              const k = Number(JSON.parse(e.payload).k);
              if (k < 0) warm[i] = 1;
              else deliveries[k]?.push(now());
            },
            error: () => undefined,
            complete: () => undefined,
          },
        ),
      );
      return true;
    });
    // Warm-up: until every client got an event (all subscriptions live), bounded.
    const warmStart = now();
    const allWarm = () => warm.every((w) => w === 1);
    while (!allWarm() && now() - warmStart < 30_000) {
      publisher.publish('bench/fanout/warmup', JSON.stringify({ k: -1 }), 0);
      await waitFor(allWarm, 1000, 20);
    }
    const live = warm.reduce((n, w) => n + w, 0);
    const allDelivered: number[] = [];
    const perClient: number[] = [];
    let missing = 0;
    await waitIdle(target.server.pid, 15_000);
    for (let k = 0; k < o.fanoutEvents; k++) {
      deliveries[k] = [];
      const t0 = now();
      publisher.publish(`bench/fanout/${k}`, JSON.stringify({ k }), 0);
      await waitFor(() => deliveries[k].length >= live, 30_000, 1);
      const times = deliveries[k];
      missing += Math.max(0, live - times.length);
      if (times.length) allDelivered.push(Math.max(...times) - t0);
      for (const t of times) perClient.push(t - t0);
      await sleep(200);
    }
    const r: FanoutResult = {
      clients: o.fanoutClients,
      connected: ok.length,
      subscribed: live,
      events: o.fanoutEvents,
      allDeliveredMs: summarize(allDelivered),
      perClientMs: summarize(perClient),
      missing,
    };
    log(`  portico fan-out to ${live} graphql-ws clients: all delivered p50 ${r.allDeliveredMs.p50.toFixed(1)} ms, max ${r.allDeliveredMs.max.toFixed(1)} ms; missing ${missing}`);
    return r;
  } finally {
    for (const d of disposers) d();
    await Promise.all(clients.map((c) => c.dispose()));
    await publisher.end();
  }
}
