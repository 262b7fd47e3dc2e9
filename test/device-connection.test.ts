import { clusterConfig, createTokenDevice, gqlOk, signUp, startTestApp, type TestApp } from './support/app';
import { connect, endAll, nextLogRow } from './support/mqtt';

const CONNECTION = '{ online since lastSeenAt remoteAddress listener protocolVersion keepalive cleanSession subscriptions { topicFilter qos } lastDisconnectReason willPublished }';
const query = (app: TestApp, token: string, id: string) => gqlOk(app, `query($id:ID!){ device(id:$id){ connection ${CONNECTION} } }`, { id }, token).then((d) => d.device.connection);

/** Issue #12: Device.connection — the live session (from whichever instance holds it) and how the last one ended. */
describe('Device.connection', () => {
  let app: TestApp;
  let user: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    app = await startTestApp();
    user = await signUp(app);
  });
  afterAll(async () => {
    await endAll();
    await app.stop();
  });

  it('shows the live session with its subscriptions as the device sent them, and follows UNSUBSCRIBE', async () => {
    const d = await createTokenDevice(app, user.token, { name: 'live' });
    const c = await connect(app, d, { protocolVersion: 5, clean: false, keepalive: 30, properties: { sessionExpiryInterval: 60 } });
    // [MQTT-3.9.3-1]: the SUBACK grants a QoS per filter; those are what the session holds.
    await c.subscribeAsync({ 'a/+': { qos: 1 }, 'b/#': { qos: 0 }, '$share/g/c': { qos: 2 } });
    let info = await query(app, user.token, d.id);
    expect(info).toMatchObject({ online: true, remoteAddress: '127.0.0.1', listener: 'MQTT', protocolVersion: 5, keepalive: 30, cleanSession: false });
    expect(new Date(info.since).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(new Date(info.lastSeenAt).getTime()).toBeGreaterThanOrEqual(new Date(info.since).getTime() - 1000);
    expect(info.subscriptions).toEqual([
      { topicFilter: '$share/g/c', qos: 2 },
      { topicFilter: 'a/+', qos: 1 },
      { topicFilter: 'b/#', qos: 0 },
    ]);
    await c.unsubscribeAsync('b/#');
    info = await query(app, user.token, d.id);
    expect(info.subscriptions.map((s: any) => s.topicFilter)).toEqual(['$share/g/c', 'a/+']);
    const ended = nextLogRow(app, (r) => r.deviceId === d.id && r.eventType === 'DISCONNECTED');
    await c.endAsync();
    await ended;
    info = await query(app, user.token, d.id);
    expect(info).toMatchObject({ online: false, since: null, subscriptions: null, lastDisconnectReason: 'client disconnect', willPublished: false });
  });

  it('says the will went out when a session with a will ends without DISCONNECT ([MQTT-3.1.2-8])', async () => {
    const d = await createTokenDevice(app, user.token, { name: 'with will' });
    const c = await connect(app, d, { will: { topic: 'gone', payload: Buffer.from('bye'), qos: 1, retain: false } });
    const ended = nextLogRow(app, (r) => r.deviceId === d.id && r.eventType === 'DISCONNECTED');
    c.stream.destroy();
    await ended;
    expect(await query(app, user.token, d.id)).toMatchObject({ online: false, lastDisconnectReason: 'connection closed by client', willPublished: true });
  });
});

describe('Device.connection across two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let dropDb: () => Promise<void>;
  beforeAll(async () => {
    const cluster = await clusterConfig();
    dropDb = cluster.drop;
    a = await startTestApp({ config: cluster.config });
    b = await startTestApp({ config: cluster.config });
  });
  afterAll(async () => {
    await endAll();
    await a?.stop();
    await b?.stop();
    await dropDb?.();
  });

  it('answers on B for a session held by A, subscriptions included (asked of A over Redis)', async () => {
    const user = await signUp(a);
    const d = await createTokenDevice(a, user.token, { name: 'on A' });
    const c = await connect(a, d, { protocolVersion: 4, keepalive: 45 });
    await c.subscribeAsync('cmd/#', { qos: 1 });
    const info = await query(b, user.token, d.id);
    expect(info).toMatchObject({ online: true, listener: 'MQTT', protocolVersion: 4, keepalive: 45, cleanSession: true, subscriptions: [{ topicFilter: 'cmd/#', qos: 1 }] });
    await c.endAsync();
  });
});
