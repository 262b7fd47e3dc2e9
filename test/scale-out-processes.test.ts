import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Client as PgClient } from 'pg';

import { createPgDatabase, tempDir } from './support/app';
import { type ChildServer, startChildServer } from './support/child-server';
import { nextEvent } from './support/events';
import { PacedPublisher } from './support/publisher';
import { dropRedisPrefix } from './support/redis';
import { TcpBalancer } from './support/tcp-balancer';
import { subscribe } from './support/ws';

/**
 * Issue #14: three Portico instances as real processes on ephemeral ports, sharing the machine's PostgreSQL and
 * Redis (a key prefix of this test's own). An instance is killed (SIGKILL) with devices, sessions and wills on it;
 * the survivors take over. MQTT clauses: [MQTT-3.1.2-4]/[MQTT-3.1.2-5] session resumption with its queued
 * messages, [MQTT-3.3.1-6] retained messages to new subscribers, [MQTT-3.1.2-8] the will published when the
 * connection is lost without DISCONNECT.
 */
jest.setTimeout(240_000);

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Short leases: a dead instance is noticed within 1.5 s plus a quarter of it. */
const LEASE_MS = 1500;
/** The rolling restart: devices, and how often each publishes (QoS 1). */
const FLEET = 300;
const FLEET_INTERVAL_MS = 1000;
const SERVER_REFERENCE = 'mqtt-lb.internal:1883';

type Name = 'a' | 'b' | 'c';

interface Device {
  id: string;
  deviceNumber: string;
  username: string;
  key: string;
}

describe('scale-out: three instances as processes on PostgreSQL + Redis', () => {
  const root = tempDir('portico-cluster-');
  const servers = {} as Record<Name, ChildServer>;
  const clients: MqttClient[] = [];
  let dropDb: () => Promise<void>;
  let env: Record<string, string>;
  let prefix: string;
  let token: string;

  async function start(name: Name): Promise<ChildServer> {
    const dataDir = path.join(root, name);
    fs.mkdirSync(dataDir, { recursive: true });
    const server = await startChildServer(dataDir, { ...env, PORTICO_INSTANCE_ID: `node-${name}` }, { stderrFile: path.join(root, `${name}.log`) });
    servers[name] = server;
    return server;
  }

  beforeAll(async () => {
    const pg = await createPgDatabase();
    dropDb = pg.drop;
    prefix = `portico-test:${crypto.randomBytes(6).toString('hex')}`;
    env = {
      DATABASE_URL: pg.url,
      REDIS_URL,
      PORTICO_SERVER_SECRET: crypto.randomBytes(32).toString('base64'),
      PORTICO_REDIS_KEY_PREFIX: prefix,
      PORTICO_INSTANCE_LEASE_MS: String(LEASE_MS),
      PORTICO_LOG_LEVEL: 'info',
      PORTICO_MQTT_WS_ENABLED: 'false',
      PORTICO_MQTT_SERVER_REFERENCE: SERVER_REFERENCE,
    };
    await start('a'); // migrates the database first
    await Promise.all([start('b'), start('c')]);
    const up = await servers.a.gql('mutation($e:String!,$p:String!){ signUp(email:$e,password:$p){ token } }', { e: `cluster-${Date.now()}@example.com`, p: 'correct horse battery' });
    token = up.data.signUp.token;
  });

  // A test that failed midway may have left an instance down: each test starts with all three up.
  beforeEach(async () => {
    for (const name of ['a', 'b', 'c'] as const) {
      const s = servers[name];
      if (s && (s.proc.exitCode !== null || s.proc.signalCode !== null)) await start(name);
    }
  });

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    for (const s of Object.values(servers)) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    await Promise.all(Object.values(servers).map((s) => s.exited));
    await dropDb?.();
    if (prefix) await dropRedisPrefix(REDIS_URL, prefix);
    if (!process.env.PORTICO_KEEP_TEST_LOGS) fs.rmSync(root, { recursive: true, force: true });
  });

  async function gql<T = any>(server: ChildServer, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const r = await server.gql<T>(query, variables, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data as T;
  }

  async function device(name: string): Promise<Device> {
    const d = (await gql(servers.b, 'mutation($n:String!){ createDevice(input:{name:$n}){ id deviceNumber username credentials { deviceKey } } }', { n: name })).createDevice;
    return { id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
  }

  /** `setup` runs before the CONNECT goes out: queued messages may arrive in the same read as the CONNACK. */
  async function connect(server: ChildServer, d: Device, opts: Partial<IClientOptions> = {}, setup?: (client: MqttClient) => void): Promise<{ client: MqttClient; sessionPresent: boolean }> {
    const client = mqtt.connect({ host: '127.0.0.1', port: server.mqttPort, clientId: d.deviceNumber, username: d.username, password: d.key, reconnectPeriod: 0, ...opts });
    clients.push(client);
    client.on('error', () => undefined);
    setup?.(client);
    const connack = await nextEvent<{ sessionPresent: boolean }>(client, 'connect', 10_000);
    return { client, sessionPresent: connack.sessionPresent };
  }

  /** Messages of `client` by topic, as they arrive. */
  function collect(client: MqttClient): Map<string, string[]> {
    const seen = new Map<string, string[]>();
    client.on('message', (topic, payload) => seen.set(topic, [...(seen.get(topic) ?? []), payload.toString()]));
    return seen;
  }

  async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const status = (server: ChildServer, d: Device) =>
    gql(server, 'query($id:ID!){ device(id:$id){ status connectionLogs(first: 1){ edges { node { eventType reason } } } } }', { id: d.id }).then((r) => ({
      status: r.device.status as string,
      last: r.device.connectionLogs.edges[0]?.node as { eventType: string; reason: string | null } | undefined,
    }));

  it('survives SIGKILL of an instance: sessions resume elsewhere with their queue, retained messages stay, the will is published once, devices go OFFLINE', async () => {
    const [sleeper, willer, retainer, publisher, watcherB, watcherC, reader] = await Promise.all(
      ['sleeper', 'willer', 'retainer', 'publisher', 'watcher-b', 'watcher-c', 'reader'].map((n) => device(n)),
    );
    // On A: an MQTT 5 persistent session subscribed to cmd/#, a retained message, a device with a will.
    const persistent = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 3600 } };
    const s1 = await connect(servers.a, sleeper, persistent);
    await s1.client.subscribeAsync('cmd/#', { qos: 1 });
    const r = await connect(servers.a, retainer);
    await r.client.publishAsync('state/door', 'open', { qos: 1, retain: true });
    const w = await connect(servers.a, willer, { will: { topic: 'status/willer', payload: Buffer.from('gone'), qos: 1, retain: false } });
    // Watchers of the will on B and C.
    const watchers = await Promise.all([connect(servers.b, watcherB), connect(servers.c, watcherC)]);
    const seen = watchers.map((x) => collect(x.client));
    await Promise.all(watchers.map((x) => x.client.subscribeAsync('status/#', { qos: 1 })));
    await until('the willer ONLINE', async () => ((await status(servers.b, willer)).status === 'ONLINE' ? true : undefined));

    const killedAt = Date.now();
    const gone = [nextEvent(s1.client, 'close', 10_000), nextEvent(w.client, 'close', 10_000), nextEvent(r.client, 'close', 10_000)];
    servers.a.proc.kill('SIGKILL');
    await servers.a.exited;
    await Promise.all(gone);

    // While the sleeper is offline, QoS 1 messages for it are published (and acknowledged) through B.
    const p = await connect(servers.b, publisher);
    const sent = Array.from({ length: 20 }, (_, i) => `m${i + 1}`);
    for (const m of sent) await p.client.publishAsync('cmd/light', m, { qos: 1 });

    // The willer goes OFFLINE, its session closed as `instance lost`, within the lease plus a quarter of it. The status
    // and the log row are written by the survivor in two batches (the log's may land a flush later, and a loaded full
    // run once read between them): wait for both.
    const offline = await until('the willer OFFLINE, its session logged as closed', async () => {
      const s = await status(servers.c, willer);
      return s.status === 'OFFLINE' && s.last?.eventType === 'DISCONNECTED' ? s : undefined;
    });
    const offlineAfterMs = Date.now() - killedAt;
    expect(offline.last).toEqual({ eventType: 'DISCONNECTED', reason: 'instance lost' });
    expect(offlineAfterMs).toBeLessThan(LEASE_MS + LEASE_MS / 4 + 1500);

    // The will was published exactly once (by B or C): each watcher has it once, and it was recorded once.
    await until('the will on B and C', () => (seen.every((m) => m.get('status/willer')?.length) ? true : undefined));
    await p.client.publishAsync('status/marker', 'after the will', { qos: 1 });
    await until('the marker on B and C', () => (seen.every((m) => m.get('status/marker')?.length) ? true : undefined));
    expect(seen.map((m) => m.get('status/willer'))).toEqual([['gone'], ['gone']]);
    const willEvents = await gql(servers.b, 'query($d:ID!){ deviceEvents(deviceId:$d, filter:{ topic: "status/willer" }){ totalCount } }', { d: willer.id });
    expect(willEvents.deviceEvents.totalCount).toBe(1);
    const other = await status(servers.b, sleeper);
    expect(other).toEqual({ status: 'OFFLINE', last: { eventType: 'DISCONNECTED', reason: 'instance lost' } });

    // The sleeper resumes its session on C (Clean Start 0) and gets every queued message once, in order.
    const got: string[] = [];
    const s2 = await connect(servers.c, sleeper, persistent, (c) => c.on('message', (_topic, payload) => got.push(payload.toString())));
    expect(s2.sessionPresent).toBe(true);
    await p.client.publishAsync('cmd/light', 'end', { qos: 1 });
    await until('the queued messages on C', () => (got.includes('end') ? true : undefined)).catch((err) => {
      throw new Error(`${err.message}: got ${JSON.stringify(got)}`);
    });
    expect(got).toEqual([...sent, 'end']);

    // The retained message published through A reaches a new subscriber on C.
    const rd = await connect(servers.c, reader);
    const retained = nextEvent<string>(rd.client, 'message');
    const payload = new Promise<string>((resolve) => rd.client.once('message', (_t, pl) => resolve(pl.toString())));
    await rd.client.subscribeAsync('state/#', { qos: 1 });
    expect(await retained).toBe('state/door');
    expect(await payload).toBe('open');
    console.log(`instance A killed: devices OFFLINE (instance lost) after ${offlineAfterMs} ms (lease ${LEASE_MS} ms); will published once; ${sent.length} queued messages resumed on C in order`);
    // A comes back (same instance id): nothing of its previous run is left to take over.
    await start('a');
  });

  it('drives a test client session started through A from B: subscribe, publish, its streams, stop', async () => {
    const [tester, peer] = await Promise.all([device('tester'), device('peer')]);
    const started = await gql(servers.a, 'mutation($d:ID!){ startTestClient(deviceId:$d){ id state } }', { d: tester.id });
    expect(started.startTestClient.state).toBe('CONNECTED');
    const id = started.startTestClient.id as string;
    const messages = subscribe(servers.b.graphqlUrl, token, 'subscription($s:ID!){ testClientMessages(sessionId:$s){ direction topic json } }', { s: id });
    const states = subscribe(servers.b.graphqlUrl, token, 'subscription($s:ID!){ testClientStateChanged(sessionId:$s){ state subscriptions { topicFilter qos } } }', { s: id });
    try {
      expect((await states.next(10_000)).data).toEqual({ testClientStateChanged: { state: 'CONNECTED', subscriptions: [] } });
      const sub = await gql(servers.b, 'mutation($s:ID!){ testClientSubscribe(sessionId:$s, topicFilter:"cmd/#", qos:1){ id subscriptions { topicFilter qos } } }', { s: id });
      expect(sub.testClientSubscribe).toEqual({ id, subscriptions: [{ topicFilter: 'cmd/#', qos: 1 }] });
      expect((await states.next(10_000)).data!.testClientStateChanged.subscriptions).toEqual([{ topicFilter: 'cmd/#', qos: 1 }]);
      const pub = await gql(servers.b, 'mutation($s:ID!){ testClientPublish(sessionId:$s, topic:"data/t", payload:"{\\"v\\":1}", qos:1){ direction topic } }', { s: id });
      expect(pub.testClientPublish).toEqual({ direction: 'REPORTED', topic: 'data/t' });
      // A device connected to C sends the session (on A) a command; the stream on B shows both messages.
      const p = await connect(servers.c, peer);
      await p.client.publishAsync('cmd/light', '{"on":true}', { qos: 1 });
      expect((await messages.next(10_000)).data!.testClientMessages).toEqual({ direction: 'REPORTED', topic: 'data/t', json: { v: 1 } });
      expect((await messages.next(10_000)).data!.testClientMessages).toEqual({ direction: 'RECEIVED', topic: 'cmd/light', json: { on: true } });
      const seen = await gql(servers.c, 'query($s:ID!){ testClientSession(id:$s){ state reported { topic } received { topic } } testClientSessions { id } }', { s: id });
      expect(seen.testClientSession).toEqual({ state: 'CONNECTED', reported: [{ topic: 'data/t' }], received: [{ topic: 'cmd/light' }] });
      expect(seen.testClientSessions).toEqual([{ id }]);
      const stopped = await gql(servers.b, 'mutation($s:ID!){ stopTestClient(sessionId:$s){ state } }', { s: id });
      expect(stopped.stopTestClient.state).toBe('DISCONNECTED');
      expect((await states.next(10_000)).data!.testClientStateChanged.state).toBe('DISCONNECTED');
      const gone = await servers.b.gql('query($s:ID!){ testClientSession(id:$s){ id } }', { s: id }, token);
      expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    } finally {
      await messages.close();
      await states.close();
    }
  });

  it(`restarts all three instances one by one (SIGTERM) under steady QoS 1 traffic from ${FLEET} devices: no acknowledged message lost, every device ONLINE`, async () => {
    // Devices, 25 per request.
    const fleet: Device[] = [];
    for (let i = 0; i < FLEET; i += 25) {
      const n = Math.min(25, FLEET - i);
      const fields = Array.from({ length: n }, (_, j) => `d${j}: createDevice(input:{ name: "fleet-${i + j}" }){ id deviceNumber username credentials { deviceKey } }`);
      const data = await gql(servers.b, `mutation { ${fields.join(' ')} }`);
      for (let j = 0; j < n; j++) {
        const d = data[`d${j}`];
        fleet.push({ id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey });
      }
    }
    const lb = await TcpBalancer.start([servers.a.mqttPort, servers.b.mqttPort, servers.c.mqttPort]);
    const publishers = fleet.map(
      (d, i) => new PacedPublisher(`f${i}`, { port: lb.port, clientId: d.deviceNumber, username: d.username, password: d.key, protocolVersion: i % 2 ? 5 : 4, intervalMs: FLEET_INTERVAL_MS }),
    );
    const connected = () => publishers.filter((p) => p.client.connected).length;
    const acked = () => publishers.reduce((n, p) => n + p.acked.size, 0);
    try {
      await until('the fleet connected', () => (connected() === FLEET ? true : undefined), 60_000);
      const restarts: string[] = [];
      for (const name of ['a', 'b', 'c'] as const) {
        const before = acked();
        await until('steady traffic', () => (acked() >= before + FLEET ? true : undefined), 60_000);
        // The load balancer stops sending new connections to it; SIGTERM drains it (MQTT 5: DISCONNECT 0x8B).
        const old = servers[name];
        lb.backends = lb.backends.filter((port) => port !== old.mqttPort);
        const t0 = Date.now();
        old.proc.kill('SIGTERM');
        const exit = await old.exited;
        expect(exit.code).toBe(0);
        const drainedMs = Date.now() - t0;
        await until('the fleet reconnected elsewhere', () => (connected() === FLEET ? true : undefined), 60_000);
        const back = await start(name);
        lb.backends.push(back.mqttPort);
        restarts.push(`${name}: drained in ${drainedMs} ms, back after ${Date.now() - t0} ms`);
      }
      const before = acked();
      await until('traffic after the restarts', () => (acked() >= before + FLEET ? true : undefined), 60_000);
      await Promise.all(publishers.map((p) => p.stop()));
      // Every acknowledged message is stored, once or more (a message whose PUBACK was lost is sent again).
      const db = new PgClient({ connectionString: env.DATABASE_URL });
      await db.connect();
      let stored: Set<string>;
      try {
        const rows = await db.query<{ payload: string }>("SELECT payload FROM device_events WHERE topic = 'telemetry' AND device_id = ANY($1)", [fleet.map((d) => d.id)]);
        stored = new Set(rows.rows.map((r) => r.payload));
      } finally {
        await db.end();
      }
      const ackedAll = publishers.flatMap((p) => [...p.acked]);
      const lost = ackedAll.filter((m) => !stored.has(m));
      expect(lost).toEqual([]);
      // Every device is connected, and ONLINE.
      const onlineQuery = 'query { devices(filter:{ status: ONLINE, search: "fleet-" }, first: 1){ totalCount } }';
      const online = await until('every device ONLINE', async () => {
        const n = (await gql(servers.b, onlineQuery)).devices.totalCount as number;
        return n === FLEET ? n : undefined;
      });
      expect(online).toBe(FLEET);
      // MQTT 5 devices were told why and where to go (0x8B "server shutting down", Server Reference).
      const told = publishers.filter((_p, i) => i % 2).flatMap((p) => p.disconnects);
      expect(told.length).toBeGreaterThan(0);
      const kinds = told.reduce<Record<string, number>>((m, d) => ({ ...m, [`${d.reasonCode}/${d.serverReference}`]: (m[`${d.reasonCode}/${d.serverReference}`] ?? 0) + 1 }), {});
      expect(kinds).toEqual({ [`${0x8b}/${SERVER_REFERENCE}`]: told.length });
      const published = publishers.reduce((n, p) => n + p.published, 0);
      console.log(
        `rolling restart of 3 instances, ${FLEET} devices at ${(FLEET * 1000) / FLEET_INTERVAL_MS} msg/s QoS 1: ${published} published, ${ackedAll.length} acknowledged, ` +
          `${lost.length} acknowledged and not stored, ${told.length} DISCONNECT 0x8B to MQTT 5 devices; ${restarts.join('; ')}`,
      );
    } finally {
      // Their publish timers too: a test that failed midway must not keep the process alive.
      for (const p of publishers) void p.stop();
      await Promise.all(publishers.map((p) => p.client.endAsync(true)));
      await lb.close();
    }
  });
});
