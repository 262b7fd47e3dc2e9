import { createTokenDevice, type DbKind, errorCode, gqlOk, signUp, startTestApp, type TestApp, type TokenDevice } from './support/app';
import { connect, endAll } from './support/mqtt';
import { subscribe } from './support/ws';

/** Issue #13, latest state: the last message per device and topic, kept with every event, bounded per device. */
const LATEST = 'topic payload payloadEncoding json qos retain receivedAt properties { contentType }';

describe.each<DbKind>(['sqlite', 'postgres'])('latest value per device and topic on %s', (db) => {
  let app: TestApp;
  let alice: { token: string; id: string; orgId: string };
  let bob: { token: string; id: string; orgId: string };

  beforeAll(async () => {
    app = await startTestApp({ db, config: { mqtt: { latestTopicsPerDevice: 3 } as never } });
    alice = await signUp(app);
    bob = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  const gql = (query: string, vars: Record<string, unknown> = {}, token = alice.token) => gqlOk(app, query, vars, token);
  const newDevice = (): Promise<TokenDevice> => createTokenDevice(app, alice.token, { name: 'sensor' });
  const latest = async (deviceId: string, topic?: string) =>
    (await gql('query($d:ID!,$t:String){ device(id:$d){ latest(topic:$t){ ' + LATEST + ' } } }', { d: deviceId, t: topic ?? null })).device.latest;

  it('keeps the last message of each topic, filters by topic, and serves several devices in one query', async () => {
    const d = await newDevice();
    const other = await newDevice();
    const c = await connect(app, d, { protocolVersion: 5 });
    // QoS 1: acknowledged once stored, so the latest values are there when the acknowledgements are.
    await c.publishAsync('room/temp', '20.5', { qos: 1 });
    await c.publishAsync('room/temp', '{"c":21}', { qos: 1, properties: { contentType: 'application/json' } });
    await c.publishAsync('room/hum', '40', { qos: 1, retain: true });
    const all = await latest(d.id);
    expect(all.map((v: { topic: string }) => v.topic)).toEqual(['room/hum', 'room/temp']);
    expect(all[1]).toMatchObject({ payload: '{"c":21}', json: { c: 21 }, payloadEncoding: 'UTF8', qos: 1, retain: false, properties: { contentType: 'application/json' } });
    expect(all[0]).toMatchObject({ payload: '40', retain: true });
    expect((await latest(d.id, 'room/+')).length).toBe(2);
    expect((await latest(d.id, '+/temp')).map((v: { payload: string }) => v.payload)).toEqual(['{"c":21}']);
    const both = await gql('query{ devices(first: 10){ nodes { id latest { topic } } } }');
    const byId = new Map(both.devices.nodes.map((n: { id: string; latest: unknown[] }) => [n.id, n.latest]));
    expect(byId.get(d.id)).toHaveLength(2);
    expect(byId.get(other.id)).toEqual([]);
  });

  it('after a burst on several topics from two devices, each topic holds the last message its device sent', async () => {
    const [d1, d2] = [await newDevice(), await newDevice()];
    const [c1, c2] = [await connect(app, d1), await connect(app, d2)];
    const topics = ['b/temp', 'b/hum', 'b/co2'];
    // 600 QoS 1 messages per device, topics interleaved, none awaited before the next is sent: batches hold many rows of
    // one topic, and the acknowledgements (sent once stored) say when all are in.
    const burst = (c: typeof c1, tag: string) => Array.from({ length: 600 }, (_, i) => c.publishAsync(topics[i % 3]!, `${tag}-${i}`, { qos: 1 }));
    await Promise.all([...burst(c1, 'one'), ...burst(c2, 'two')]);
    const payloads = async (id: string) => Object.fromEntries((await latest(id)).map((v: { topic: string; payload: string }) => [v.topic, v.payload]));
    expect(await payloads(d1.id)).toEqual({ 'b/temp': 'one-597', 'b/hum': 'one-598', 'b/co2': 'one-599' });
    expect(await payloads(d2.id)).toEqual({ 'b/temp': 'two-597', 'b/hum': 'two-598', 'b/co2': 'two-599' });
  });

  it('keeps at most the configured number of topics per device, the most recently updated', async () => {
    const d = await newDevice();
    const c = await connect(app, d);
    for (const t of ['t1', 't2', 't3', 't4', 't5']) await c.publishAsync(`k/${t}`, t, { qos: 1 });
    await c.publishAsync('k/t2', 'again', { qos: 1 });
    expect((await latest(d.id)).map((v: { topic: string }) => v.topic)).toEqual(['k/t2', 'k/t4', 'k/t5']);
    // A topic trimmed earlier comes back as a new one: the budget holds again (batches of known topics skip the check).
    await c.publishAsync('k/t1', 'back', { qos: 1 });
    await c.publishAsync('k/t5', 'known', { qos: 1 });
    expect((await latest(d.id)).map((v: { topic: string }) => v.topic)).toEqual(['k/t1', 'k/t2', 'k/t5']);
  });

  it('deviceLatestChanged sends the current values first, then each new one; other users get NOT_FOUND', async () => {
    const d = await newDevice();
    const c = await connect(app, d);
    await c.publishAsync('s/a', '1', { qos: 1 });
    await c.publishAsync('s/b', '2', { qos: 1 });
    const sub = subscribe(app.graphqlUrl, alice.token, 'subscription($d:ID!){ deviceLatestChanged(deviceId:$d, topic:"s/#"){ topic payload } }', { d: d.id });
    try {
      const first = [(await sub.next()).data, (await sub.next()).data].map((r: any) => r.deviceLatestChanged);
      expect(first).toEqual([
        { topic: 's/a', payload: '1' },
        { topic: 's/b', payload: '2' },
      ]);
      await c.publishAsync('other/x', 'ignored', { qos: 1 });
      await c.publishAsync('s/a', '3', { qos: 1 });
      expect((await sub.next()).data).toEqual({ deviceLatestChanged: { topic: 's/a', payload: '3' } });
    } finally {
      await sub.close();
    }
    const foreign = await app.gql('query($d:ID!){ device(id:$d){ latest { topic } } }', { d: d.id }, bob.token);
    expect(errorCode(foreign)).toBe('NOT_FOUND');
    const theirs = subscribe(app.graphqlUrl, bob.token, 'subscription($d:ID!){ deviceLatestChanged(deviceId:$d){ topic } }', { d: d.id });
    try {
      expect((await theirs.next()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    } finally {
      await theirs.close();
    }
  });

  it('goes with its device', async () => {
    const d = await newDevice();
    const c = await connect(app, d);
    await c.publishAsync('x/y', 'z', { qos: 1 });
    await c.endAsync(true);
    await gql('mutation($d:ID!){ deleteDevice(id:$d) }', { d: d.id });
    await app.services.messageServer.settle();
    for (;;) {
      const rows = (await app.services.ds.query(`SELECT COUNT(*) AS n FROM device_latest WHERE device_id = '${d.id}'`)) as Array<{ n: number | string }>;
      if (Number(rows[0]!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
