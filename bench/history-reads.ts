/**
 * By hand, not in npm test: history queries over many device events, and how long an MQTT PINGREQ waits
 * meanwhile. Seeds ROWS events (default 1,000,000) straight into the database of a fresh in-process app.
 *
 *   npx tsc -p tsconfig.bench.json --outDir /tmp/portico-bench && node /tmp/portico-bench/bench/history-reads.js
 *   BENCH_DB=postgres ... (a throwaway database on 127.0.0.1:5432)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { Client } from 'pg';

import { createApp } from '../src/app/index.js';
import { type Config, makeConfig } from '../src/config/config.js';

const ROWS = Number(process.env.ROWS || 1_000_000);
const DEVICES = 10;
const postgres = process.env.BENCH_DB === 'postgres';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON read by the scenario, as in tests
async function gql(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

/**
 * An MQTT client in a worker thread (its own event loop, so a stalled server loop cannot also delay the
 * sending): sends PINGREQs one after another while measuring; `measure()` returns every round trip (ms).
 */
const PINGER = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const mqtt = require(workerData.mqttPath);
const client = mqtt.connect(workerData.options);
let rtts = [];
let running = false;
let sentAt = 0;
let stopWaiter = false;
const ping = () => {
  sentAt = performance.now();
  client.stream.write(Buffer.from([0xc0, 0x00]));
};
client.on('packetreceive', (p) => {
  if (p.cmd !== 'pingresp') return;
  rtts.push(performance.now() - sentAt);
  if (running) setTimeout(ping, 2);
  else if (stopWaiter) {
    stopWaiter = false;
    parentPort.postMessage({ rtts });
  }
});
client.once('connect', () => parentPort.postMessage({ connected: true }));
client.on('error', (err) => parentPort.postMessage({ error: String(err) }));
parentPort.on('message', (m) => {
  if (m === 'start') {
    rtts = [];
    running = true;
    ping();
  } else if (m === 'stop') {
    running = false;
    stopWaiter = true;
  } else if (m === 'end') {
    client.end(true, () => process.exit(0));
  }
});
`;

class Pinger {
  private constructor(private readonly worker: Worker) {}

  static async start(options: Record<string, unknown>): Promise<Pinger> {
    const worker = new Worker(PINGER, { eval: true, workerData: { mqttPath: require.resolve('mqtt'), options } });
    const first = await new Promise<{ connected?: boolean; error?: string }>((resolve) => worker.once('message', resolve));
    if (!first.connected) throw new Error(`pinger: ${first.error}`);
    return new Pinger(worker);
  }

  start(): void {
    this.worker.postMessage('start');
  }

  stop(): Promise<number[]> {
    this.worker.postMessage('stop');
    return new Promise((resolve) => this.worker.once('message', (m: { rtts: number[] }) => resolve(m.rtts)));
  }

  async end(): Promise<void> {
    this.worker.postMessage('end');
    await new Promise((resolve) => this.worker.once('exit', resolve));
  }
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-reads-'));
  let dropDb: (() => Promise<void>) | null = null;
  let database: Partial<Config['database']> = {};
  if (postgres) {
    const name = `portico_bench_${process.pid}`;
    const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    database = { type: 'postgres', url: `postgres://postgres@127.0.0.1:5432/${name}` };
    dropDb = async () => {
      const c = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const base = makeConfig({ dataDir });
  const config = makeConfig({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'error',
    database: { ...base.database, ...database },
    mqtt: { ...base.mqtt, host: '127.0.0.1', port: 0, tlsPort: null, mutualTlsPort: null },
    ...({ reads: { workers: 2, queryTimeoutMs: 60_000, readYourWritesMs: 200 } } as object),
  });
  const app = await createApp(config);
  try {
    const url = app.graphqlUrl;
    const signUp = await gql(url, null, 'mutation{ signUp(email:"bench@example.com", password:"correct horse battery"){ token user { id } } }');
    const token: string = signUp.data.signUp.token;
    const owner: string = signUp.data.signUp.user.id;
    const devices: Array<{ id: string; deviceNumber: string; username: string; key: string }> = [];
    for (let i = 0; i < DEVICES; i++) {
      const r = await gql(url, token, `mutation{ createDevice(input:{name:"d${i}"}){ id deviceNumber username credentials { deviceKey } } }`);
      const d = r.data.createDevice;
      devices.push({ id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey });
    }

    // Seed: topics sensors/room<0..49>/<temp|humidity|co2|door>, one row per ms, spread over the devices.
    const t0 = Date.now() - ROWS - 60_000;
    const ds = app.services.ds;
    const cols = (await ds.query(postgres ? "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'device_events'" : 'PRAGMA table_info(device_events)')) as Array<{
      name: string;
    }>;
    const hasPrefix = cols.some((c) => c.name === 'topic_prefix');
    const deviceCase = `CASE i % ${DEVICES} ${devices.map((d, k) => `WHEN ${k} THEN '${d.id}'`).join(' ')} END`;
    const topic = `'sensors/room' || (i % 50) || '/' || CASE (i / 50) % 4 WHEN 0 THEN 'temp' WHEN 1 THEN 'humidity' WHEN 2 THEN 'co2' ELSE 'door' END`;
    const select = `SELECT ${postgres ? "lpad(i::text, 12, '0')" : "printf('%012d', i)"}, '${owner}', ${deviceCase}, ${topic}, ${hasPrefix ? `${topic}, ` : ''}'{"v":1}', 'UTF8', 0, ${postgres ? 'false' : '0'}, 7, ${t0} + i`;
    const insertCols = `id, organization_id, device_id, topic, ${hasPrefix ? 'topic_prefix, ' : ''}payload, payload_encoding, qos, retain, size, time`;
    let t = performance.now();
    if (postgres) {
      await ds.query(`INSERT INTO device_events (${insertCols}) ${select} FROM generate_series(0, ${ROWS - 1}) AS s(i)`);
      await ds.query('ANALYZE device_events');
    } else {
      await ds.query(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS - 1}) INSERT INTO device_events (${insertCols}) ${select} FROM n`);
    }
    if (process.env.BENCH_ANALYZE && !postgres) {
      t = performance.now();
      await ds.query('PRAGMA analysis_limit = 1000');
      await ds.query('ANALYZE');
      console.log(`ANALYZE (analysis_limit 1000) in ${Math.round(performance.now() - t)} ms`);
    }
    console.log(`seeded ${ROWS} rows in ${Math.round(performance.now() - t)} ms (${postgres ? 'postgres' : 'sqlite'}, topic_prefix column: ${hasPrefix})`);

    const d0 = devices[0]!;
    const pinger = await Pinger.start({ host: '127.0.0.1', port: app.mqtt.port!, clientId: d0.deviceNumber, username: d0.username, password: d0.key, protocolVersion: 4, reconnectPeriod: 0 });

    const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
    const measure = async (label: string, query: string) => {
      if (only && !only.test(label)) return;
      await gql(url, token, query); // warm (statement caches, pages)
      pinger.start();
      t = performance.now();
      const r = await gql(url, token, query);
      const ms = performance.now() - t;
      const rtts = await pinger.stop();
      if (r.errors) console.log(`  errors: ${JSON.stringify(r.errors).slice(0, 300)}`);
      const max = Math.max(...rtts);
      console.log(`${label.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms   PINGREQ max ${max.toFixed(1)} ms over ${rtts.length}`);
    };

    const page = (filter: string, extra = '') => `{ deviceEvents(first: 20${filter ? `, filter: { topic: ${JSON.stringify(filter)} }` : ''}) { ${extra} nodes { id topic } } }`;
    await measure('no filter, first 20', page(''));
    await measure('no filter, first 20 + totalCount', page('', 'totalCount'));
    await measure('topic nomatch/# (no row matches)', page('nomatch/#'));
    await measure('topic sensors/+/nomatch (no row matches)', page('sensors/+/nomatch'));
    await measure('topic +/room7/temp (starts with +)', page('+/room7/temp'));
    await measure('topic sensors/room7/# (2%)', page('sensors/room7/#'));
    await measure('topic sensors/room7/# + totalCount', page('sensors/room7/#', 'totalCount'));
    await measure('topic sensors/room7/temp exact + totalCount', page('sensors/room7/temp', 'totalCount'));
    await measure('topic sensors/+/temp (25%) + totalCount', page('sensors/+/temp', 'totalCount'));
    await measure('topic sensors/# (100%)', page('sensors/#'));
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: deviceEvents(first: 100) { nodes { id topic payload time } }`).join(' ');
    await measure('alias x200 deviceEvents(first: 100)', `{ ${aliases} }`);
    await measure('alias x200 deviceEvents(first: 100) { totalCount }', `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: deviceEvents(first: 100) { totalCount nodes { id } }`).join(' ')} }`);
    await measure('nested devices > events > device > events', '{ devices(first: 10) { nodes { events(first: 20) { nodes { id device { events(first: 20) { nodes { id } } } } } } } }');
    await pinger.end();
  } finally {
    await app.close();
    await dropDb?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
