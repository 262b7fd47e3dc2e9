"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEVICES_QUERY = void 0;
exports.runDevicesQuery = runDevicesQuery;
exports.runFanout = runFanout;
const autocannon_1 = __importDefault(require("autocannon"));
const graphql_js_1 = require("../lib/graphql.js");
const measure_js_1 = require("../lib/measure.js");
const mqtt_raw_js_1 = require("../lib/mqtt-raw.js");
const procs_js_1 = require("../lib/procs.js");
const stats_js_1 = require("../lib/stats.js");
const throughput_js_1 = require("./throughput.js");
exports.DEVICES_QUERY = '{ devices(first: 50) { nodes { id name credentials { deviceKey } lastConnectedAt } } }';
/** `devices(first: 50)` with credentials and last connection, POSTed by autocannon. */
async function runDevicesQuery(target, o) {
    const probe = await (0, graphql_js_1.gql)(target.graphqlUrl, exports.DEVICES_QUERY, undefined, target.token);
    await (0, measure_js_1.waitIdle)(target.server.pid, 15_000);
    const meter = new measure_js_1.CpuMeter(target.server.pid);
    const result = await (0, autocannon_1.default)({
        url: target.graphqlUrl,
        method: 'POST',
        connections: o.connections,
        duration: o.seconds,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
        body: JSON.stringify({ query: exports.DEVICES_QUERY }),
    });
    const cpu = meter.read();
    const total = result.requests.total;
    const r = {
        query: exports.DEVICES_QUERY,
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
    (0, measure_js_1.log)(`  portico devices(first: 50): ${Math.round(r.requestsPerSec)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
    return r;
}
const FANOUT_SUBSCRIPTION = 'subscription ($deviceId: ID!) { deviceEventAdded(deviceId: $deviceId) { topic payload } }';
/** One device event delivered to `fanoutClients` graphql-ws clients: time until all have it. */
async function runFanout(target, o) {
    const [device] = await target.devices(1, 'fanout');
    const publisher = await (0, throughput_js_1.connectDevice)(target, device);
    const clients = [];
    const disposers = [];
    /** 1 once client i received a warm-up event (its subscription is live). */
    const warm = new Uint8Array(o.fanoutClients);
    const deliveries = [];
    try {
        const ok = await (0, mqtt_raw_js_1.pool)(o.fanoutClients, 50, async (i) => {
            const c = (0, graphql_js_1.wsClient)(target.graphqlUrl, target.token);
            clients.push(c);
            await (0, graphql_js_1.connected)(c);
            disposers.push(c.subscribe({ query: FANOUT_SUBSCRIPTION, variables: { deviceId: device.id } }, {
                next: (r) => {
                    const e = r.data?.deviceEventAdded;
                    if (!e)
                        return;
                    const k = Number(JSON.parse(e.payload).k);
                    if (k < 0)
                        warm[i] = 1;
                    else
                        deliveries[k]?.push((0, measure_js_1.now)());
                },
                error: () => undefined,
                complete: () => undefined,
            }));
            return true;
        });
        // Warm-up: until every client got an event (all subscriptions live), bounded.
        const warmStart = (0, measure_js_1.now)();
        const allWarm = () => warm.every((w) => w === 1);
        while (!allWarm() && (0, measure_js_1.now)() - warmStart < 30_000) {
            publisher.publish('bench/fanout/warmup', JSON.stringify({ k: -1 }), 0);
            await (0, measure_js_1.waitFor)(allWarm, 1000, 20);
        }
        const live = warm.reduce((n, w) => n + w, 0);
        const allDelivered = [];
        const perClient = [];
        let missing = 0;
        await (0, measure_js_1.waitIdle)(target.server.pid, 15_000);
        for (let k = 0; k < o.fanoutEvents; k++) {
            deliveries[k] = [];
            const t0 = (0, measure_js_1.now)();
            publisher.publish(`bench/fanout/${k}`, JSON.stringify({ k }), 0);
            await (0, measure_js_1.waitFor)(() => deliveries[k].length >= live, 30_000, 1);
            const times = deliveries[k];
            missing += Math.max(0, live - times.length);
            if (times.length)
                allDelivered.push(Math.max(...times) - t0);
            for (const t of times)
                perClient.push(t - t0);
            await (0, procs_js_1.sleep)(200);
        }
        const r = {
            clients: o.fanoutClients,
            connected: ok.length,
            subscribed: live,
            events: o.fanoutEvents,
            allDeliveredMs: (0, stats_js_1.summarize)(allDelivered),
            perClientMs: (0, stats_js_1.summarize)(perClient),
            missing,
        };
        (0, measure_js_1.log)(`  portico fan-out to ${live} graphql-ws clients: all delivered p50 ${r.allDeliveredMs.p50.toFixed(1)} ms, max ${r.allDeliveredMs.max.toFixed(1)} ms; missing ${missing}`);
        return r;
    }
    finally {
        for (const d of disposers)
            d();
        await Promise.all(clients.map((c) => c.dispose()));
        await publisher.end();
    }
}
//# sourceMappingURL=graphql.js.map