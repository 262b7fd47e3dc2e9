import { createTokenDevice, type DbKind, errorCode, gqlOk, signUp, startTestApp, type TestApp, type TokenDevice } from './support/app';
import { connect, end, endAll } from './support/mqtt';
import { subscribe } from './support/ws';

const EVENT_FIELDS = 'id deviceId topic payload payloadEncoding json qos retain size time cursor';

const gqlAs =
  (app: TestApp, token: string) =>
  (query: string, vars: Record<string, unknown> = {}) =>
    gqlOk(app, query, vars, token);

describe.each<DbKind>(['sqlite', 'postgres'])('device events and connection log queries on %s', (db) => {
  let app: TestApp;
  let alice: { token: string; id: string; orgId: string };
  let bob: { token: string; id: string; orgId: string };
  let d1: TokenDevice;
  let d2: TokenDevice;

  beforeAll(async () => {
    app = await startTestApp({ db });
    alice = await signUp(app);
    bob = await signUp(app);
    d1 = await createTokenDevice(app, alice.token);
    d2 = await createTokenDevice(app, alice.token);
    const c1 = await connect(app, d1);
    const c2 = await connect(app, d2, { protocolVersion: 5 });
    await c1.publishAsync('sensors/kitchen/temp', JSON.stringify({ t: 21.5 }), { qos: 1 });
    await c1.publishAsync('sensors/kitchen/humidity', '40', { qos: 0 });
    await c1.publishAsync('sensors/hall/temp', 'not json {', { qos: 2 });
    await c1.publishAsync('sensors', Buffer.from([0xff, 0x00, 0xfe]), { qos: 1, retain: true });
    await c1.publishAsync('/hello', 'caf\u00e9 \u2603 with a NUL \u0000 inside', { qos: 1 });
    await c2.publishAsync('sensors/garage/temp', '{"t":5}', { qos: 1 });
    await end(c1);
    await end(c2);
  });
  afterAll(async () => {
    await endAll();
    await app.stop();
  });

  it('records every upstream PUBLISH with topic, payload (text or base64), parsed JSON, QoS, retain and size', async () => {
    const gql = gqlAs(app, alice.token);
    const r = await gql(`query($d:ID!){ deviceEvents(deviceId:$d, first:10){ totalCount nodes { ${EVENT_FIELDS} } } }`, { d: d1.id });
    expect(r.deviceEvents.totalCount).toBe(5);
    const nodes = r.deviceEvents.nodes;
    expect(nodes.map((n: any) => n.topic)).toEqual(['/hello', 'sensors', 'sensors/hall/temp', 'sensors/kitchen/humidity', 'sensors/kitchen/temp']);
    expect(nodes[4]).toMatchObject({ deviceId: d1.id, payload: '{"t":21.5}', payloadEncoding: 'UTF8', json: { t: 21.5 }, qos: 1, retain: false, size: 10 });
    expect(nodes[3]).toMatchObject({ payload: '40', json: 40, qos: 0 });
    expect(nodes[2]).toMatchObject({ payload: 'not json {', json: null, qos: 2 });
    expect(nodes[1]).toMatchObject({ payload: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), payloadEncoding: 'BASE64', json: null, retain: true, size: 3 });
    // Valid UTF-8 but with NUL: kept exactly, as base64.
    expect(nodes[0].payloadEncoding).toBe('BASE64');
    expect(Buffer.from(nodes[0].payload, 'base64').toString('utf8')).toBe('caf\u00e9 \u2603 with a NUL \u0000 inside');
    // Newest first by time.
    const times = nodes.map((n: any) => new Date(n.time).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by MQTT topic filter and time range, and pages with cursors', async () => {
    const gql = gqlAs(app, alice.token);
    const topics = async (filter: Record<string, unknown>, deviceId: string | null = d1.id) =>
      (await gql('query($d:ID,$f:DeviceEventFilter){ deviceEvents(deviceId:$d, filter:$f, first:50){ totalCount nodes { topic } } }', { d: deviceId, f: filter })).deviceEvents.nodes
        .map((n: { topic: string }) => n.topic)
        .sort();
    expect(await topics({ topic: 'sensors/+/temp' })).toEqual(['sensors/hall/temp', 'sensors/kitchen/temp']);
    expect(await topics({ topic: 'sensors/#' })).toEqual(['sensors', 'sensors/hall/temp', 'sensors/kitchen/humidity', 'sensors/kitchen/temp']);
    expect(await topics({ topic: 'sensors/kitchen/temp' })).toEqual(['sensors/kitchen/temp']);
    expect(await topics({ topic: '+/+' })).toEqual(['/hello']);
    expect(await topics({ topic: '+' })).toEqual(['sensors']);
    expect(await topics({ topic: '#' })).toHaveLength(5);
    // Regex characters in topics are literal.
    expect(await topics({ topic: 'sensors/.*' })).toEqual([]);
    // All of the caller's devices.
    expect(await topics({ topic: '+/+/temp' }, null)).toEqual(['sensors/garage/temp', 'sensors/hall/temp', 'sensors/kitchen/temp']);

    const all = (await gql(`query($d:ID!){ deviceEvents(deviceId:$d, first:10){ nodes { time topic } } }`, { d: d1.id })).deviceEvents.nodes;
    const oldest = new Date(all.at(-1).time).getTime();
    const newest = new Date(all[0].time).getTime();
    expect(await topics({ since: new Date(newest + 1).toISOString() })).toEqual([]);
    expect(await topics({ until: new Date(oldest).toISOString() })).toEqual([]);
    expect(await topics({ since: new Date(oldest).toISOString(), until: new Date(newest + 1).toISOString() })).toHaveLength(5);

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await gql('query($d:ID!,$a:String){ deviceEvents(deviceId:$d, first:2, after:$a){ totalCount edges { cursor node { id topic } } pageInfo { hasNextPage endCursor } } }', {
        d: d1.id,
        a: after,
      });
      expect(page.deviceEvents.totalCount).toBe(5);
      seen.push(...page.deviceEvents.edges.map((e: any) => e.node.topic));
      if (!page.deviceEvents.pageInfo.hasNextPage) break;
      after = page.deviceEvents.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((n: { topic: string }) => n.topic));

    const bad = (f: Record<string, unknown>) => app.gql('query($d:ID!,$f:DeviceEventFilter){ deviceEvents(deviceId:$d, filter:$f){ totalCount } }', { d: d1.id, f }, alice.token);
    expect(errorCode(await bad({ topic: 'a/#/b' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await bad({ topic: 'a+' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await bad({ topic: '' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.gql('query($d:ID!){ deviceEvents(deviceId:$d, after:"nope"){ totalCount } }', { d: d1.id }, alice.token))).toBe('BAD_USER_INPUT');
  });

  it('queries the connection log per device and across devices, by event type and time, newest first', async () => {
    const gql = gqlAs(app, alice.token);
    const q = async (vars: Record<string, unknown>) =>
      (
        await gql(
          'query($d:ID,$f:ConnectionLogFilter){ connectionLog(deviceId:$d, filter:$f, first:50){ totalCount nodes { deviceId eventType reason listener protocolVersion keepalive cleanSession clientId username remoteAddress remotePort time device { id } } } }',
          vars,
        )
      ).connectionLog;
    const one = await q({ d: d1.id });
    expect(one.nodes.map((n: any) => n.eventType)).toEqual(['DISCONNECTED', 'CONNECTED']);
    expect(one.nodes[1]).toMatchObject({
      deviceId: d1.id,
      device: { id: d1.id },
      listener: 'MQTT',
      protocolVersion: 4,
      keepalive: 60,
      cleanSession: true,
      clientId: d1.deviceNumber,
      username: d1.username,
      remoteAddress: '127.0.0.1',
    });
    expect(one.nodes[1].remotePort).toBeGreaterThan(0);
    expect(one.nodes[0].reason).toBe('client disconnect');
    const both = await q({ f: { eventTypes: ['CONNECTED'] } });
    expect(both.nodes.map((n: any) => n.deviceId).sort()).toEqual([d1.id, d2.id].sort());
    expect((await q({ d: d2.id, f: { eventTypes: ['AUTH_FAILED', 'TAKEN_OVER'] } })).totalCount).toBe(0);
    const newest = new Date(one.nodes[0].time).getTime();
    expect((await q({ d: d1.id, f: { since: new Date(newest + 1).toISOString() } })).totalCount).toBe(0);
    expect((await q({ d: d1.id, f: { until: new Date(newest + 1).toISOString() } })).totalCount).toBe(2);
    // Also as fields of the device.
    const viaDevice = await gql('query($d:ID!){ device(id:$d){ connectionLogs(first:1){ nodes { eventType } } events(filter:{topic:"sensors/#"}){ totalCount } } }', { d: d1.id });
    expect(viaDevice.device).toEqual({ connectionLogs: { nodes: [{ eventType: 'DISCONNECTED' }] }, events: { totalCount: 4 } });
  });

  it("gives another user NOT_FOUND for a device's events and log, and nothing across devices", async () => {
    const asBob = (q: string) => app.gql(q, { d: d1.id }, bob.token);
    expect(errorCode(await asBob('query($d:ID!){ deviceEvents(deviceId:$d){ totalCount } }'))).toBe('NOT_FOUND');
    expect(errorCode(await asBob('query($d:ID!){ connectionLog(deviceId:$d){ totalCount } }'))).toBe('NOT_FOUND');
    const mine = await app.gql('{ deviceEvents { totalCount } connectionLog { totalCount } }', {}, bob.token);
    expect(mine.data).toEqual({ deviceEvents: { totalCount: 0 }, connectionLog: { totalCount: 0 } });
    expect(errorCode(await app.gql('{ deviceEvents { totalCount } }'))).toBe('UNAUTHENTICATED');
  });
});

describe('live subscriptions', () => {
  let app: TestApp;
  let alice: { token: string; id: string; orgId: string };
  let bob: { token: string; id: string; orgId: string };
  const subs: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    app = await startTestApp();
    alice = await signUp(app);
    bob = await signUp(app);
  });
  afterEach(async () => {
    await Promise.all(subs.splice(0).map((s) => s.close()));
    await endAll();
  });
  afterAll(() => app.stop());

  const live = <T = any>(token: string, query: string, vars?: Record<string, unknown>) => {
    const s = subscribe<T>(app.graphqlUrl, token, query, vars);
    subs.push(s);
    return s;
  };

  it('delivers connectionLogAdded, deviceEventAdded (topic filter) and deviceStatusChanged for your own devices only', async () => {
    const d = await createTokenDevice(app, alice.token);
    const b = await createTokenDevice(app, bob.token);
    const logs = live(alice.token, 'subscription($d:ID){ connectionLogAdded(deviceId:$d){ deviceId eventType listener cursor } }', { d: d.id });
    const events = live(alice.token, 'subscription($d:ID,$t:String){ deviceEventAdded(deviceId:$d, topic:$t){ deviceId topic json cursor } }', { d: d.id, t: 'sensors/+/temp' });
    const statuses = live(alice.token, 'subscription($d:ID){ deviceStatusChanged(deviceId:$d){ id status } }', { d: d.id });
    // Bob listens to all of his devices.
    const bobEvents = live(bob.token, 'subscription{ deviceEventAdded{ deviceId topic } }');
    await app.services.pubSub.whenSubscribed(`connectionLog:${alice.orgId}`);
    await app.services.pubSub.whenSubscribed(`deviceStatus:${alice.orgId}`);
    await app.services.pubSub.whenSubscribed(`deviceEvents:${bob.orgId}`);
    while (app.services.pubSub.subscriberCount(`deviceEvents:${alice.orgId}`) < 1) await app.services.pubSub.whenSubscribed(`deviceEvents:${alice.orgId}`);

    const c = await connect(app, d);
    expect((await logs.next()).data).toMatchObject({ connectionLogAdded: { deviceId: d.id, eventType: 'CONNECTED', listener: 'MQTT' } });
    expect((await statuses.next()).data).toEqual({ deviceStatusChanged: { id: d.id, status: 'ONLINE' } });
    await c.publishAsync('sensors/a/humidity', '1', { qos: 1 });
    await c.publishAsync('sensors/a/temp', '{"t":1}', { qos: 1 });
    const ev = await events.next();
    expect(ev.data).toMatchObject({ deviceEventAdded: { deviceId: d.id, topic: 'sensors/a/temp', json: { t: 1 } } });

    // Bob's subscription gets his own device's message, and never Alice's.
    const cb = await connect(app, b);
    await cb.publishAsync('sensors/b/temp', 'bob', { qos: 1 });
    expect((await bobEvents.next()).data).toEqual({ deviceEventAdded: { deviceId: b.id, topic: 'sensors/b/temp' } });
    expect(bobEvents.pending()).toBe(0);

    await end(c);
    expect((await logs.next()).data).toMatchObject({ connectionLogAdded: { eventType: 'DISCONNECTED' } });
    expect((await statuses.next()).data).toEqual({ deviceStatusChanged: { id: d.id, status: 'OFFLINE' } });
  });

  it('resolves relation fields of each event afresh: a renamed device shows its new name', async () => {
    const d = await createTokenDevice(app, alice.token);
    const events = live(alice.token, 'subscription($d:ID){ deviceEventAdded(deviceId:$d){ topic device { name } } }', { d: d.id });
    while (app.services.pubSub.subscriberCount(`deviceEvents:${alice.orgId}`) < 1) await app.services.pubSub.whenSubscribed(`deviceEvents:${alice.orgId}`);
    const c = await connect(app, d);
    await c.publishAsync('n/1', '{}', { qos: 1 });
    const before = (await events.next()).data!.deviceEventAdded.device.name;
    await app.gql('mutation($id:ID!){ updateDevice(id:$id, input:{name:"renamed"}){ id } }', { id: d.id }, alice.token);
    await c.publishAsync('n/2', '{}', { qos: 1 });
    expect(before).not.toBe('renamed');
    expect((await events.next()).data!.deviceEventAdded).toEqual({ topic: 'n/2', device: { name: 'renamed' } });
  });

  it("refuses to subscribe to another user's device (NOT_FOUND) and without a token", async () => {
    const d = await createTokenDevice(app, alice.token);
    const s = live(bob.token, 'subscription($d:ID){ deviceEventAdded(deviceId:$d){ topic } }', { d: d.id });
    expect((await s.next()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const t = live(bob.token, 'subscription($d:ID){ connectionLogAdded(deviceId:$d){ eventType } }', { d: d.id });
    expect((await t.next()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const u = live(bob.token, 'subscription($d:ID){ deviceStatusChanged(deviceId:$d){ status } }', { d: d.id });
    expect((await u.next()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = live(undefined as unknown as string, 'subscription{ deviceEventAdded{ topic } }');
    expect((await anonymous.next()).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('replays what was missed after a cursor, then continues live, without gap or duplicate', async () => {
    const d = await createTokenDevice(app, alice.token);
    const c = await connect(app, d);
    for (const n of [1, 2, 3]) await c.publishAsync('r', String(n), { qos: 1 });
    const gql = gqlAs(app, alice.token);
    const edges = (await gql('query($d:ID!){ deviceEvents(deviceId:$d){ edges { cursor node { payload } } } }', { d: d.id })).deviceEvents.edges;
    const afterFirst = edges.find((e: any) => e.node.payload === '1').cursor;

    const s = live(alice.token, 'subscription($d:ID,$a:String){ deviceEventAdded(deviceId:$d, after:$a){ payload cursor } }', { d: d.id, a: afterFirst });
    expect((await s.next()).data.deviceEventAdded.payload).toBe('2');
    expect((await s.next()).data.deviceEventAdded.payload).toBe('3');
    await c.publishAsync('r', '4', { qos: 1 });
    const fourth = await s.next();
    expect(fourth.data.deviceEventAdded.payload).toBe('4');
    await c.publishAsync('r', '5', { qos: 1 });
    expect((await s.next()).data.deviceEventAdded.payload).toBe('5');
    expect(s.pending()).toBe(0);

    // Resuming from a live event's cursor works the same way.
    await c.publishAsync('r', '6', { qos: 1 });
    const resumed = live(alice.token, 'subscription($d:ID,$a:String){ deviceEventAdded(deviceId:$d, after:$a){ payload } }', { d: d.id, a: fourth.data.deviceEventAdded.cursor });
    expect((await resumed.next()).data.deviceEventAdded.payload).toBe('5');
    expect((await resumed.next()).data.deviceEventAdded.payload).toBe('6');

    const logs = live(alice.token, 'subscription($d:ID,$a:String){ connectionLogAdded(deviceId:$d, after:$a){ eventType } }', { d: d.id, a: 'garbage' });
    expect((await logs.next()).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
