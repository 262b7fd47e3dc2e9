"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.USAGE = exports.SCENARIOS = exports.SERVER_NAMES = void 0;
exports.parseOptions = parseOptions;
const node_path_1 = __importDefault(require("node:path"));
exports.SERVER_NAMES = ['mosquitto', 'aedes', 'portico'];
exports.SCENARIOS = ['throughput', 'fanin', 'storm', 'graphql'];
exports.USAGE = `usage: npm run bench -- [--quick] [--key=value ...]   (or BENCH_<KEY>=value in the environment)
  --quick                     ~1 minute run with small sizes
  --servers=mosquitto,aedes,portico
  --scenarios=throughput,fanin,storm,graphql
  --tp-seconds=N              length of one throughput cell (s)
  --tp-max-messages=N         messages per throughput cell, at most
  --tp-window=N               messages in flight (published, not yet received), at most
  --tp-publishers=1,100       --tp-payloads=16,256   --tp-qos=0,1
  --fanin-devices=N           --fanin-rates=1000,2000,...   --fanin-seconds=N   --fanin-p99-ms=50   --fanin-qos=0|1
  --fanin-variant-env=K=V,..  fan-in again on a second Portico with this environment, or "none"
                              (default in full runs: PORTICO_EVENT_FLUSH_INTERVAL_MS=5)
  --storm-devices=N           --storm-concurrency=N        --storm-tls=true|false
  --gql-seconds=N             --gql-connections=N          --fanout-clients=N   --fanout-events=N
  --portico-env=K=V,K=V       extra environment for Portico (e.g. PORTICO_EVENT_FLUSH_INTERVAL_MS=10)
  --portico-node-args="..."   extra node arguments for Portico (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
  --out=DIR                   results directory (default bench/results)`;
function defaults(quick, root) {
    return {
        quick,
        servers: [...exports.SERVER_NAMES],
        scenarios: [...exports.SCENARIOS],
        throughput: {
            seconds: quick ? 1 : 3,
            maxMessages: quick ? 100_000 : 1_000_000,
            window: 1000,
            publishers: [1, 100],
            payloadBytes: [16, 256],
            qos: [0, 1],
        },
        fanin: {
            devices: quick ? 200 : 1000,
            rates: quick ? [1000, 5000] : [1000, 2000, 5000, 10_000, 15_000, 20_000],
            seconds: quick ? 2 : 5,
            p99LimitMs: 50,
            qos: 0,
            // Device events reach GraphQL subscribers when their batch commits: show the cost of the 50 ms default.
            porticoVariantEnv: quick ? null : { PORTICO_EVENT_FLUSH_INTERVAL_MS: '5' },
        },
        storm: { devices: quick ? 1000 : 10_000, concurrency: 100, tls: true },
        graphql: { seconds: quick ? 2 : 10, connections: 10, fanoutClients: quick ? 100 : 1000, fanoutEvents: quick ? 3 : 5 },
        porticoEnv: {},
        porticoNodeArgs: [],
        outDir: node_path_1.default.join(root, 'bench', 'results'),
    };
}
const positiveInt = (key, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0)
        throw new Error(`--${key} must be a positive integer, got "${v}"`);
    return n;
};
const intList = (key, v) => v.split(',').map((s) => positiveInt(key, s.trim()));
const boolean = (key, v) => {
    if (/^(1|true|yes|on)$/i.test(v))
        return true;
    if (/^(0|false|no|off)$/i.test(v))
        return false;
    throw new Error(`--${key} must be true or false, got "${v}"`);
};
function names(key, v, allowed) {
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    for (const s of list)
        if (!allowed.includes(s))
            throw new Error(`--${key}: unknown "${s}" (one of ${allowed.join(', ')})`);
    return list;
}
const qosList = (key, v) => v.split(',').map((s) => {
    if (s.trim() !== '0' && s.trim() !== '1')
        throw new Error(`--${key}: QoS must be 0 or 1, got "${s}"`);
    return Number(s.trim());
});
function envPairs(key, v) {
    const env = {};
    for (const pair of v.split(',').filter(Boolean)) {
        const i = pair.indexOf('=');
        if (i <= 0)
            throw new Error(`--${key}: expected KEY=VALUE, got "${pair}"`);
        env[pair.slice(0, i)] = pair.slice(i + 1);
    }
    return env;
}
/** Options from `--key=value` arguments, then BENCH_KEY environment variables, then defaults. */
function parseOptions(argv, env, root) {
    const given = new Map();
    for (const [k, v] of Object.entries(env)) {
        if (k.startsWith('BENCH_') && v !== undefined && v !== '' && k !== 'BENCH_MOSQUITTO' && k !== 'BENCH_WATCHDOG_MS')
            given.set(k.slice(6).toLowerCase().replace(/_/g, '-'), v);
    }
    for (const arg of argv) {
        if (arg === '--help' || arg === '-h')
            return 'help';
        const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
        if (!m)
            throw new Error(`unexpected argument "${arg}"\n${exports.USAGE}`);
        given.set(m[1], m[2] ?? 'true');
    }
    const quick = given.has('quick') ? boolean('quick', given.get('quick')) : false;
    given.delete('quick');
    const o = defaults(quick, root);
    for (const [key, v] of given) {
        switch (key) {
            case 'servers':
                o.servers = names(key, v, exports.SERVER_NAMES);
                break;
            case 'scenarios':
                o.scenarios = names(key, v, exports.SCENARIOS);
                break;
            case 'tp-seconds':
                o.throughput.seconds = positiveInt(key, v);
                break;
            case 'tp-max-messages':
                o.throughput.maxMessages = positiveInt(key, v);
                break;
            case 'tp-window':
                o.throughput.window = positiveInt(key, v);
                break;
            case 'tp-publishers':
                o.throughput.publishers = intList(key, v);
                break;
            case 'tp-payloads':
                o.throughput.payloadBytes = intList(key, v);
                break;
            case 'tp-qos':
                o.throughput.qos = qosList(key, v);
                break;
            case 'fanin-devices':
                o.fanin.devices = positiveInt(key, v);
                break;
            case 'fanin-rates':
                o.fanin.rates = intList(key, v);
                break;
            case 'fanin-seconds':
                o.fanin.seconds = positiveInt(key, v);
                break;
            case 'fanin-p99-ms':
                o.fanin.p99LimitMs = positiveInt(key, v);
                break;
            case 'fanin-qos':
                o.fanin.qos = qosList(key, v)[0];
                break;
            case 'storm-devices':
                o.storm.devices = positiveInt(key, v);
                break;
            case 'storm-concurrency':
                o.storm.concurrency = positiveInt(key, v);
                break;
            case 'storm-tls':
                o.storm.tls = boolean(key, v);
                break;
            case 'gql-seconds':
                o.graphql.seconds = positiveInt(key, v);
                break;
            case 'gql-connections':
                o.graphql.connections = positiveInt(key, v);
                break;
            case 'fanout-clients':
                o.graphql.fanoutClients = positiveInt(key, v);
                break;
            case 'fanout-events':
                o.graphql.fanoutEvents = positiveInt(key, v);
                break;
            case 'portico-env':
                o.porticoEnv = envPairs(key, v);
                break;
            case 'fanin-variant-env':
                o.fanin.porticoVariantEnv = /^(none|off|false)$/i.test(v) ? null : envPairs(key, v);
                break;
            case 'portico-node-args':
                o.porticoNodeArgs = v.split(' ').filter(Boolean);
                break;
            case 'out':
                o.outDir = node_path_1.default.resolve(v);
                break;
            default:
                throw new Error(`unknown option --${key}\n${exports.USAGE}`);
        }
    }
    return o;
}
//# sourceMappingURL=options.js.map