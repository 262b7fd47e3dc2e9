import path from 'node:path';

export const SERVER_NAMES = ['mosquitto', 'aedes', 'portico'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];
export const SCENARIOS = ['throughput', 'fanin', 'storm', 'graphql', 'fleet'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  quick: boolean;
  servers: ServerName[];
  scenarios: ScenarioName[];
  throughput: {
    /** Length of one measurement cell (s). */
    seconds: number;
    /** At most this many messages per cell. */
    maxMessages: number;
    /** Messages published but not yet received by the subscriber, at most. */
    window: number;
    publishers: number[];
    payloadBytes: number[];
    qos: Array<0 | 1>;
    /** Alternating rounds of bare aedes and Portico per cell, both fresh and up at once (0: none). */
    rounds: number;
  };
  fanin: {
    devices: number;
    /** Offered rates (msg/s), tried in order until one is not sustained. */
    rates: number[];
    seconds: number;
    p99LimitMs: number;
    qos: 0 | 1;
    /** Fan-in once more against a second Portico started with this extra environment (null: no variant). */
    porticoVariantEnv: Record<string, string> | null;
  };
  /** `rounds`: the plain storm again on fresh bare aedes and Portico servers, alternating (0: none). */
  storm: { devices: number; concurrency: number; tls: boolean; rounds: number };
  graphql: {
    seconds: number;
    connections: number;
    fanoutClients: number;
    fanoutEvents: number;
    /** A git ref built and measured with the same GraphQL requests in the same run (null: none). */
    baseline: string | null;
  };
  /** Portico with and without latest state and counters (fresh servers, alternating), on throughput cells. */
  fleetCost: { rounds: number; publishers: number; payloadBytes: number; qos: Array<0 | 1> };
  /** Extra environment for the Portico child (KEY=VALUE pairs). */
  porticoEnv: Record<string, string>;
  /** Extra node arguments for the Portico child (e.g. --cpu-prof), space-separated. */
  porticoNodeArgs: string[];
  outDir: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--key=value ...]   (or BENCH_<KEY>=value in the environment)
  --quick                     ~1 minute run with small sizes
  --servers=mosquitto,aedes,portico
  --scenarios=throughput,fanin,storm,graphql,fleet
  --tp-seconds=N              length of one throughput cell (s)
  --tp-max-messages=N         messages per throughput cell, at most
  --tp-window=N               messages in flight (published, not yet received), at most
  --tp-publishers=1,100       --tp-payloads=16,256   --tp-qos=0,1
  --tp-rounds=N               bare aedes and Portico again, fresh and up at once, N alternating rounds per cell; the
                              median of the rounds' ratios is the figure read against the target (default 5, quick 1)
  --fanin-devices=N           --fanin-rates=1000,2000,...   --fanin-seconds=N   --fanin-p99-ms=50   --fanin-qos=0|1
  --fanin-variant-env=K=V,..  fan-in again on a second Portico with this environment, or "none"
                              (default in full runs: PORTICO_EVENT_FLUSH_INTERVAL_MS=5)
  --storm-devices=N           --storm-concurrency=N        --storm-tls=true|false
  --storm-rounds=N            the plain storm again on fresh bare aedes and Portico servers, N alternating rounds;
                              the medians of the rounds' ratios are read against the targets (default 3, quick 0)
  --gql-seconds=N             --gql-connections=N          --fanout-clients=N   --fanout-events=N
  --gql-baseline=REF          also build git REF (e.g. a commit of an earlier main) and measure its GraphQL requests/s,
                              printed as ratios
  --fleet-rounds=N            --fleet-publishers=N  --fleet-payload=N  --fleet-qos=0,1
                              (Portico with and without latest state and counters; uses the --tp-* cell length)
  --portico-env=K=V,K=V       extra environment for Portico (e.g. PORTICO_EVENT_FLUSH_INTERVAL_MS=10)
  --portico-node-args="..."   extra node arguments for Portico (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
  --out=DIR                   results directory (default bench/results)`;

function defaults(quick: boolean, root: string): BenchOptions {
  return {
    quick,
    servers: [...SERVER_NAMES],
    scenarios: [...SCENARIOS],
    throughput: {
      seconds: quick ? 1 : 3,
      maxMessages: quick ? 100_000 : 1_000_000,
      window: 1000,
      publishers: [1, 100],
      payloadBytes: [16, 256],
      qos: [0, 1],
      rounds: quick ? 1 : 5,
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
    storm: { devices: quick ? 1000 : 10_000, concurrency: 100, tls: true, rounds: quick ? 0 : 3 },
    graphql: { seconds: quick ? 2 : 10, connections: 10, fanoutClients: quick ? 100 : 1000, fanoutEvents: quick ? 3 : 5, baseline: null },
    fleetCost: { rounds: quick ? 1 : 2, publishers: 100, payloadBytes: 16, qos: [0, 1] },
    porticoEnv: {},
    porticoNodeArgs: [],
    outDir: path.join(root, 'bench', 'results'),
  };
}

const positiveInt = (key: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${key} must be a positive integer, got "${v}"`);
  return n;
};
const intList = (key: string, v: string): number[] => v.split(',').map((s) => positiveInt(key, s.trim()));
const boolean = (key: string, v: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new Error(`--${key} must be true or false, got "${v}"`);
};
function names<T extends string>(key: string, v: string, allowed: readonly T[]): T[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list) if (!(allowed as readonly string[]).includes(s)) throw new Error(`--${key}: unknown "${s}" (one of ${allowed.join(', ')})`);
  return list as T[];
}
const qosList = (key: string, v: string): Array<0 | 1> =>
  v.split(',').map((s) => {
    if (s.trim() !== '0' && s.trim() !== '1') throw new Error(`--${key}: QoS must be 0 or 1, got "${s}"`);
    return Number(s.trim()) as 0 | 1;
  });

function envPairs(key: string, v: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of v.split(',').filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new Error(`--${key}: expected KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return env;
}

/** Options from `--key=value` arguments, then BENCH_KEY environment variables, then defaults. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, root: string): BenchOptions | 'help' {
  const given = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('BENCH_') && v !== undefined && v !== '' && k !== 'BENCH_MOSQUITTO' && k !== 'BENCH_WATCHDOG_MS') given.set(k.slice(6).toLowerCase().replace(/_/g, '-'), v);
  }
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return 'help';
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
    given.set(m[1], m[2] ?? 'true');
  }
  const quick = given.has('quick') ? boolean('quick', given.get('quick')!) : false;
  given.delete('quick');
  const o = defaults(quick, root);
  for (const [key, v] of given) {
    switch (key) {
      case 'servers':
        o.servers = names(key, v, SERVER_NAMES);
        break;
      case 'scenarios':
        o.scenarios = names(key, v, SCENARIOS);
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
      case 'tp-rounds':
        o.throughput.rounds = v === '0' ? 0 : positiveInt(key, v);
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
      case 'storm-rounds':
        o.storm.rounds = v === '0' ? 0 : positiveInt(key, v);
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
      case 'gql-baseline':
        o.graphql.baseline = v || null;
        break;
      case 'fleet-rounds':
        o.fleetCost.rounds = positiveInt(key, v);
        break;
      case 'fleet-publishers':
        o.fleetCost.publishers = positiveInt(key, v);
        break;
      case 'fleet-payload':
        o.fleetCost.payloadBytes = positiveInt(key, v);
        break;
      case 'fleet-qos':
        o.fleetCost.qos = qosList(key, v);
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
        o.outDir = path.resolve(v);
        break;
      default:
        throw new Error(`unknown option --${key}\n${USAGE}`);
    }
  }
  return o;
}
