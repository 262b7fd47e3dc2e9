import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import WebSocket from 'ws';

import { createTokenDevice, gqlOk, signUp, startTestApp, type TestApp, type TokenDevice } from './support/app';
import { outcomeOf } from './support/mqtt';
import { subscribe } from './support/ws';

/** Issue #12: MQTT over WebSocket (MQTT 5 §6, 3.1.1 §6) on the HTTP server at /mqtt, and on a TLS WebSocket listener. */
describe('MQTT over WebSocket', () => {
  let app: TestApp;
  let alice: { token: string; id: string; orgId: string };
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    app = await startTestApp({ config: { mqtt: { wssPort: 0 } as never } });
    alice = await signUp(app);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(() => app.stop());

  const gql = (query: string, vars: Record<string, unknown> = {}) => gqlOk(app, query, vars, alice.token);
  const newDevice = (): Promise<TokenDevice> => createTokenDevice(app, alice.token, { name: 'browser' });
  const open = (d: TokenDevice, o: Partial<IClientOptions> = {}) => {
    const c = mqtt.connect(`ws://127.0.0.1:${app.port}/mqtt`, { clientId: d.deviceNumber, username: d.username, password: d.key, reconnectPeriod: 0, protocolVersion: 4, ...o });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  it.each([4, 5] as const)('a token device connects over ws://…/mqtt (MQTT level %i), publishes, is logged as WS; GraphQL subscriptions still work', async (protocolVersion) => {
    const d = await newDevice();
    const sub = subscribe(app.graphqlUrl, alice.token, 'subscription($d:ID!){ deviceEventAdded(deviceId:$d){ topic payload } }', { d: d.id });
    try {
      const c = open(d, { protocolVersion });
      expect((await outcomeOf(c)).connected).toBe(true);
      await c.publishAsync('browser/hello', 'hi from a WebSocket', { qos: 1 });
      expect((await sub.next()).data).toEqual({ deviceEventAdded: { topic: 'browser/hello', payload: 'hi from a WebSocket' } });
      const log = await gql('query($d:ID!){ connectionLog(deviceId:$d, first: 5){ nodes { eventType listener protocolVersion } } }', { d: d.id });
      expect(log.connectionLog.nodes[0]).toMatchObject({ eventType: 'CONNECTED', listener: 'WS', protocolVersion });
    } finally {
      await sub.close();
    }
  });

  it('delivers between a WebSocket device and a TCP device of the same owner', async () => {
    const browser = await newDevice();
    const sensor = await newDevice();
    const b = open(browser);
    expect((await outcomeOf(b)).connected).toBe(true);
    await b.subscribeAsync('plant/#', { qos: 1 });
    const s = mqtt.connect({ host: '127.0.0.1', port: app.mqtt.port!, clientId: sensor.deviceNumber, username: sensor.username, password: sensor.key, reconnectPeriod: 0 });
    clients.push(s);
    expect((await outcomeOf(s)).connected).toBe(true);
    const got = new Promise<[string, string]>((resolve) => b.once('message', (t, p) => resolve([t, p.toString()])));
    await s.publishAsync('plant/level', '42', { qos: 1 });
    expect(await got).toEqual(['plant/level', '42']);
  });

  it('refuses wrong credentials as on TCP, and an upgrade on another path', async () => {
    const d = await newDevice();
    const refused = await outcomeOf(open({ ...d, key: 'f'.repeat(36) }));
    expect(refused.connected).toBe(false);
    expect(refused.code).toBe(4);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${app.port}/not-mqtt`, 'mqtt');
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(400);
  });

  it('serves MQTT over a TLS WebSocket listener with the platform CA (WSS)', async () => {
    const d = await newDevice();
    const c = mqtt.connect(`wss://localhost:${app.mqtt.wssPort}/mqtt`, {
      clientId: d.deviceNumber,
      username: d.username,
      password: d.key,
      reconnectPeriod: 0,
      ca: app.services.pki.caCertificatePem(),
      rejectUnauthorized: true,
    });
    c.on('error', () => undefined);
    clients.push(c);
    expect((await outcomeOf(c)).connected).toBe(true);
    await c.publishAsync('secure/ws', 'ok', { qos: 1 });
    const log = await gql('query($d:ID!){ connectionLog(deviceId:$d, first: 5){ nodes { eventType listener } } }', { d: d.id });
    expect(log.connectionLog.nodes[0]).toMatchObject({ eventType: 'CONNECTED', listener: 'WSS' });
  });

  it('a shutdown with a WebSocket device connected completes within its deadline', async () => {
    const own = await startTestApp({ config: { shutdownTimeoutMs: 3000 } });
    const user = await signUp(own);
    const r = await own.gql('mutation{ createDevice(input:{name:"w"}){ deviceNumber username credentials { deviceKey } } }', {}, user.token);
    const d = r.data.createDevice;
    const c = mqtt.connect(`ws://127.0.0.1:${own.port}/mqtt`, { clientId: d.deviceNumber, username: d.username, password: d.credentials.deviceKey, reconnectPeriod: 0 });
    c.on('error', () => undefined);
    clients.push(c);
    expect((await outcomeOf(c)).connected).toBe(true);
    const t0 = Date.now();
    await own.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
