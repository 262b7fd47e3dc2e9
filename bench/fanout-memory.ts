/**
 * Fan-out memory: N graphql-ws subscriptions (over S sockets, from a child process) × E device events, server in
 * this process. Reports the heap and RSS an idle subscription costs and the peak RSS while the events fan out.
 *
 *   npx tsc -p tsconfig.bench.json && node --expose-gc dist/bench/fanout-memory.js [subscriptions] [events] [sockets]
 *
 * Not part of `npm test` (it takes a minute or two). Defaults: 5000 subscriptions, 200 events, 50 sockets.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import WebSocket from 'ws';

import { createApp } from '../src/app/index.js';
import { makeConfig } from '../src/config/config.js';
import { gql } from './lib/graphql.js';
import { RawMqttClient } from './lib/mqtt-raw.js';

/** Two selections, half of the subscriptions each: what a shared execution / serialization would dedupe. */
const SELECTIONS = ['subscription ($d: ID!) { deviceEventAdded(deviceId: $d) { id topic payload time } }', 'subscription ($d: ID!) { deviceEventAdded(deviceId: $d) { id payload qos retain size } }'];

interface ClientArgs {
  url: string;
  token: string;
  deviceId: string;
  sockets: number;
  subscriptions: number;
}

/** The client side: raw graphql-transport-ws over `ws` (cheap), counting `next` messages. */
async function clients(a: ClientArgs): Promise<void> {
  let received = 0;
  const warm = new Set<string>();
  let errors = 0;
  let closed = 0;
  const perSocket = Math.ceil(a.subscriptions / a.sockets);
  let opened = 0;
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from(
      { length: a.sockets },
      (_, s) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(a.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
          sockets.push(ws);
          ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${a.token}` } })));
          ws.on('message', (data: Buffer) => {
            const text = data.toString();
            if (text.includes('"type":"next"')) {
              if (text.includes('warmup')) warm.add((JSON.parse(text) as { id: string }).id);
              else received++;
            } else if (text.includes('"connection_ack"')) {
              for (let i = 0; i < perSocket && opened < a.subscriptions; i++, opened++) {
                ws.send(JSON.stringify({ id: `${s}-${i}`, type: 'subscribe', payload: { query: SELECTIONS[opened % SELECTIONS.length], variables: { d: a.deviceId } } }));
              }
              resolve();
            } else if (text.includes('"type":"error"')) {
              errors++;
              if (errors <= 3) process.stderr.write(`subscription error: ${text}\n`);
            }
          });
          ws.on('close', () => closed++);
          ws.on('error', reject);
        }),
    ),
  );
  process.send!({ subscribed: opened });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'count') process.send!({ received, errors, closed, warm: warm.size });
    if (m.type === 'exit') {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function server(subscriptions: number, events: number, sockets: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 200));
      gc();
    }
    return process.memoryUsage();
  };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-fanout-'));
  const base = makeConfig({ dataDir });
  const config = makeConfig({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    auth: { ...base.auth, passwordHashCost: 1024 },
    mqtt: { ...base.mqtt, host: '127.0.0.1', port: 0, tlsPort: null, mutualTlsPort: null },
    graphql: { ...base.graphql, maxSubscriptionsPerUser: subscriptions, maxSubscriptionsPerSocket: Math.ceil(subscriptions / sockets) },
  });
  const app = await createApp(config);
  try {
    const signUp = await gql<{ signUp: { token: string; user: { id: string } } }>(
      app.graphqlUrl,
      'mutation { signUp(email: "fanout@example.com", password: "correct horse battery") { token user { id } } }',
    );
    const token = signUp.signUp.token;
    const created = await gql<{ createDevice: { id: string; deviceNumber: string; username: string; credentials: { deviceKey: string } } }>(
      app.graphqlUrl,
      'mutation { createDevice(input: { name: "fanout" }) { id deviceNumber username credentials { deviceKey } } }',
      undefined,
      token,
    );
    const device = created.createDevice;

    const child = fork(__filename, ['clients'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, FANOUT_ARGS: JSON.stringify({ url: app.graphqlUrl, token, deviceId: device.id, sockets, subscriptions: 0 }) },
    });
    // First the sockets alone (0 subscriptions), for the baseline; the child is restarted with subscriptions below.
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    const before = await settle();
    if (process.env.FANOUT_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.FANOUT_SNAPSHOT + '.before');
    child.send({ type: 'exit' });
    await new Promise((r) => child.once('exit', r));

    const child2 = fork(__filename, ['clients'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, FANOUT_ARGS: JSON.stringify({ url: app.graphqlUrl, token, deviceId: device.id, sockets, subscriptions }) },
    });
    await new Promise<void>((resolve) => child2.once('message', () => resolve()));
    const count = () =>
      new Promise<{ received: number; errors: number; closed: number; warm: number }>((resolve) => {
        child2.once('message', (m) => resolve(m as { received: number; errors: number; closed: number; warm: number }));
        child2.send({ type: 'count' });
      });
    const publisher = await RawMqttClient.connect({ host: '127.0.0.1', port: app.mqtt.port!, clientId: device.deviceNumber, username: device.username, password: device.credentials.deviceKey });
    // Live once every subscription got a warm-up event (shared subscriptions have one pub/sub listener for many).
    const t0 = Date.now();
    for (let w = 0; (await count()).warm < subscriptions; w++) {
      if (Date.now() - t0 > 120_000) throw new Error(`only ${(await count()).warm} subscriptions live after 120 s`);
      if (w % 10 === 0) publisher.publish('fanout/warmup', JSON.stringify({ warmup: true }), 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    const idle = await settle();
    if (process.env.FANOUT_SNAPSHOT) {
      (await import('node:v8')).writeHeapSnapshot(process.env.FANOUT_SNAPSHOT);
    }
    const idleMaxRss = process.resourceUsage().maxRSS * 1024;
    const perSubHeap = (idle.heapUsed - before.heapUsed) / subscriptions;
    const perSubRss = (idle.rss - before.rss) / subscriptions;

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const t1 = Date.now();
    for (let k = 0; k < events; k++) publisher.publish(`fanout/${k}`, JSON.stringify({ k, pad: 'x'.repeat(64) }), 0);
    const expected = subscriptions * events;
    let last = { received: 0, errors: 0, closed: 0, warm: 0 };
    while (last.received < expected && Date.now() - t1 < 600_000) {
      await new Promise((r) => setTimeout(r, 250));
      last = await count();
      if (last.closed) break;
    }
    const seconds = (Date.now() - t1) / 1000;
    clearInterval(sampler);
    await publisher.end();
    child2.send({ type: 'exit' });
    await new Promise((r) => child2.once('exit', r));
    const report = {
      subscriptions,
      sockets,
      events,
      delivered: last.received,
      expected,
      errors: last.errors,
      closedSockets: last.closed,
      seconds,
      deliveriesPerSecond: Math.round(last.received / seconds),
      baselineRssMiB: mib(before.rss),
      idleRssMiB: mib(idle.rss),
      peakRssMiB: mib(peakRss),
      maxRssMiB: mib(process.resourceUsage().maxRSS * 1024),
      maxRssAtIdleMiB: mib(idleMaxRss),
      idleHeapKiBPerSubscription: (perSubHeap / 1024).toFixed(2),
      idleRssKiBPerSubscription: (perSubRss / 1024).toFixed(2),
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'clients') {
  void clients(JSON.parse(process.env.FANOUT_ARGS!) as ClientArgs);
} else {
  const [n = '5000', e = '200', s = '50'] = process.argv.slice(2);
  server(Number(n), Number(e), Number(s)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
