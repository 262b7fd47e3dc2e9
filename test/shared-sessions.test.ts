import crypto from 'node:crypto';

import { Redis } from 'ioredis';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

import type { ConfigOverrides } from '../src/config/config';
import { createPgDatabase, createTokenDevice, signUp, startTestApp, type TestApp, type TokenDevice } from './support/app';
import { nextEvent } from './support/events';
import { dropRedisPrefix } from './support/redis';

/**
 * Scale-out, MQTT 5 session state that outlives the instance holding it (two instances in this process, PostgreSQL +
 * Redis, short leases): a session expires on time although the instance where it disconnected has stopped
 * ([MQTT-3.1.2-23] Session Expiry Interval), and a delayed will left by a stopped instance is published once, by a
 * survivor, after its Will Delay Interval, unless the client reconnected within it ([MQTT-3.1.3-9]).
 */
const REDIS_URL = 'redis://127.0.0.1:6379';
const LEASE_MS = 600;

describe('scale-out: sessions and wills of a stopped instance', () => {
  let dropDb: () => Promise<void>;
  let shared: ConfigOverrides;
  let prefix: string;
  const apps: TestApp[] = [];
  const clients: MqttClient[] = [];
  const redis = new Redis(REDIS_URL);

  beforeAll(async () => {
    const pg = await createPgDatabase();
    dropDb = pg.drop;
    prefix = `portico-test:${crypto.randomBytes(6).toString('hex')}`;
    shared = {
      database: { type: 'postgres', url: pg.url, sqlitePath: '', logging: false },
      redisUrl: REDIS_URL,
      serverSecret: crypto.randomBytes(32).toString('base64'),
      scaleOut: { redisKeyPrefix: prefix, instanceLeaseMs: LEASE_MS },
    };
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });
  afterAll(async () => {
    await dropDb?.();
    await dropRedisPrefix(REDIS_URL, prefix);
    redis.disconnect();
  });

  async function pair(): Promise<{ a: TestApp; b: TestApp; token: string }> {
    const a = await startTestApp({ config: shared });
    const b = await startTestApp({ config: shared });
    apps.push(a, b);
    return { a, b, token: (await signUp(a)).token };
  }

  async function connect(app: TestApp, d: TokenDevice, opts: Partial<IClientOptions> = {}): Promise<{ client: MqttClient; sessionPresent: boolean }> {
    const client = mqtt.connect({ host: '127.0.0.1', port: app.mqtt.port!, clientId: d.deviceNumber, username: d.username, password: d.key, reconnectPeriod: 0, protocolVersion: 5, ...opts });
    clients.push(client);
    client.on('error', () => undefined);
    const connack = await nextEvent<{ sessionPresent: boolean }>(client, 'connect');
    return { client, sessionPresent: connack.sessionPresent };
  }

  async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops `app` (its timers go with it) and waits until the other instance has taken over its run. */
  async function stopAndTakeOver(app: TestApp): Promise<void> {
    const instanceId = app.services.instanceId;
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    await until('the run taken over', async () => ((await redis.hexists(`${prefix}:instances`, instanceId)) ? undefined : true));
  }

  it('expires a session on time although the instance it disconnected from has stopped', async () => {
    const { a, b, token } = await pair();
    const d = await createTokenDevice(a, token);
    const first = await connect(a, d, { clean: false, properties: { sessionExpiryInterval: 1 } });
    await first.client.subscribeAsync('cmd/#', { qos: 1 });
    await first.client.endAsync();
    await stopAndTakeOver(a);
    // The expiry is B's to carry out now (A's timer is gone): the session is gone after its second.
    await until('the session expired', async () => ((await redis.exists(`${prefix}:mq:subs:${d.deviceNumber}`)) ? undefined : true));
    const again = await connect(b, d, { clean: false, properties: { sessionExpiryInterval: 1 } });
    expect(again.sessionPresent).toBe(false);
  });

  it('publishes the delayed will a stopped instance left, once, after the delay', async () => {
    const { a, b, token } = await pair();
    const [d, watcher] = await Promise.all([createTokenDevice(a, token), createTokenDevice(a, token)]);
    const w = await connect(b, watcher, { protocolVersion: 4 });
    const wills: string[] = [];
    w.client.on('message', (topic, payload) => topic === 'status/d' && wills.push(payload.toString()));
    await w.client.subscribeAsync('status/#', { qos: 1 });
    const will = { topic: 'status/d', payload: Buffer.from('gone'), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } };
    const c = await connect(a, d, { clean: false, properties: { sessionExpiryInterval: 60 }, will });
    const lostAt = Date.now();
    c.client.stream.destroy(); // the connection is lost: no DISCONNECT
    await stopAndTakeOver(a);
    await until('the will', async () => (wills.length ? true : undefined));
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(1000);
    const marker = nextEvent(w.client, 'message');
    const p = await connect(b, await createTokenDevice(b, token), { protocolVersion: 4 });
    await p.client.publishAsync('status/marker', 'x', { qos: 1 });
    await marker;
    expect(wills).toEqual(['gone']);
  });

  it('does not publish it when the client reconnects within the delay', async () => {
    const { a, b, token } = await pair();
    const [d, watcher] = await Promise.all([createTokenDevice(a, token), createTokenDevice(a, token)]);
    const w = await connect(b, watcher, { protocolVersion: 4 });
    const seen: string[] = [];
    w.client.on('message', (topic) => seen.push(topic));
    await w.client.subscribeAsync('status/#', { qos: 1 });
    const will = { topic: 'status/d', payload: Buffer.from('gone'), qos: 1 as const, retain: false, properties: { willDelayInterval: 3 } };
    const c = await connect(a, d, { clean: false, properties: { sessionExpiryInterval: 60 }, will });
    await c.client.subscribeAsync('cmd/#', { qos: 1 });
    c.client.stream.destroy();
    await stopAndTakeOver(a);
    const back = await connect(b, d, { clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(back.sessionPresent).toBe(true);
    // Past the delay, a marker published after it arrives alone.
    await new Promise((r) => setTimeout(r, 3500));
    const marker = nextEvent(w.client, 'message');
    await back.client.publishAsync('status/marker', 'x', { qos: 1 });
    await marker;
    expect(seen).toEqual(['status/marker']);
  });
});
