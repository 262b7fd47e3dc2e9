import { createTokenDevice, errorCode, gqlOk, signUp, startTestApp, tempDir, type TestApp, type TokenDevice } from './support/app';
import { connect, endAll, nextMessage } from './support/mqtt';

/** Issue #12: retained messages per organization — listed, cleared, isolated, kept across a restart. */
describe('retained messages', () => {
  const dataDir = tempDir();
  let app: TestApp;
  let alice: Awaited<ReturnType<typeof signUp>>;
  let lamp: TokenDevice;

  beforeAll(async () => {
    app = await startTestApp({ dataDir });
    alice = await signUp(app);
    lamp = await createTokenDevice(app, alice.token, { name: 'lamp' });
  });
  afterAll(async () => {
    await endAll();
    await app.stop();
  });

  const list = (filter: string | null, token = alice.token, extra = '') =>
    app.gql<any>(
      `query($f:String){ retainedMessages(filter:{ topic:$f }${extra}){ totalCount edges { cursor } nodes { topic payload json qos publishedBy publishedAt device { name } } pageInfo { hasNextPage endCursor } } }`,
      { f: filter },
      token,
    );

  it('lists what devices and the platform retained, by topic and topic filter', async () => {
    const c = await connect(app, lamp);
    // [MQTT-3.3.1-5]: the server stores a retained message (and replaces the previous one of its topic).
    await c.publishAsync('lamp/1/state', '{"on":false}', { qos: 1, retain: true });
    await c.publishAsync('lamp/1/state', '{"on":true}', { qos: 1, retain: true });
    await c.publishAsync('lamp/2/state', '{"on":false}', { qos: 1, retain: true });
    await c.publishAsync('lamp/2/power', '7', { qos: 1 });
    await gqlOk(app, 'mutation{ publishToTopic(input:{ topic:"group/config", payload:"{\\"mode\\":\\"eco\\"}", payloadEncoding:JSON, qos:1, retain:true }){ matchedSessions } }', {}, alice.token);
    const all = (await list(null)).data.retainedMessages;
    expect(all.totalCount).toBe(3);
    expect(all.nodes.map((n: any) => [n.topic, n.payload, n.publishedBy, n.device?.name ?? null])).toEqual([
      ['group/config', '{"mode":"eco"}', 'PLATFORM', null],
      ['lamp/1/state', '{"on":true}', 'DEVICE', 'lamp'],
      ['lamp/2/state', '{"on":false}', 'DEVICE', 'lamp'],
    ]);
    expect(all.nodes[1].json).toEqual({ on: true });
    expect((await list('lamp/+/state')).data.retainedMessages.nodes.map((n: any) => n.topic)).toEqual(['lamp/1/state', 'lamp/2/state']);
    expect((await list('lamp/#')).data.retainedMessages.nodes.map((n: any) => n.topic)).toEqual(['lamp/1/state', 'lamp/2/state']);
    expect((await list('group/config')).data.retainedMessages.nodes.map((n: any) => n.topic)).toEqual(['group/config']);
    const first = (await list(null, alice.token, ', first: 1')).data.retainedMessages;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await app.gql<any>('query($a:String){ retainedMessages(first: 5, after:$a){ nodes { topic } } }', { a: first.pageInfo.endCursor }, alice.token)).data.retainedMessages;
    expect(rest.nodes.map((n: any) => n.topic)).toEqual(['lamp/1/state', 'lamp/2/state']);
    await c.endAsync();
  });

  it('clears a retained message: a new subscriber gets nothing for it', async () => {
    expect((await gqlOk(app, 'mutation{ clearRetainedMessage(topic:"lamp/1/state") }', {}, alice.token)).clearRetainedMessage).toBe(true);
    expect((await gqlOk(app, 'mutation{ clearRetainedMessage(topic:"lamp/1/state") }', {}, alice.token)).clearRetainedMessage).toBe(false);
    expect((await list('lamp/#')).data.retainedMessages.nodes.map((n: any) => n.topic)).toEqual(['lamp/2/state']);
    const watcher = await createTokenDevice(app, alice.token, { name: 'watcher' });
    const c = await connect(app, watcher);
    const got = nextMessage(c);
    await c.subscribeAsync('lamp/1/state', { qos: 1 });
    await c.publishAsync('lamp/1/state', 'marker', { qos: 1 });
    // [MQTT-3.3.1-6]: the cleared topic sends no retained message first; the marker is the first message.
    expect((await got).payload.toString()).toBe('marker');
    await c.endAsync();
  });

  it("keeps them per organization: another user sees none of alice's and gets NOT_FOUND for her organization", async () => {
    const bob = await signUp(app);
    expect((await list(null, bob.token)).data.retainedMessages.totalCount).toBe(0);
    expect(errorCode(await app.gql('query($o:ID){ retainedMessages(organizationId:$o){ totalCount } }', { o: alice.orgId }, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('mutation($o:ID){ clearRetainedMessage(organizationId:$o, topic:"lamp/2/state") }', { o: alice.orgId }, bob.token))).toBe('NOT_FOUND');
    const bobsDevice = await createTokenDevice(app, bob.token, { name: 'bob' });
    const c = await connect(app, bobsDevice);
    const got = nextMessage(c);
    await c.subscribeAsync('lamp/#', { qos: 1 });
    await c.publishAsync('lamp/x', 'bob marker', { qos: 1 });
    expect((await got).payload.toString()).toBe('bob marker');
    await c.endAsync();
  });

  it('brings them back after a restart (the broker keeps them in memory)', async () => {
    await app.stop();
    app = await startTestApp({ dataDir });
    const watcher = await createTokenDevice(app, alice.token, { name: 'after restart' });
    const c = await connect(app, watcher);
    const got = nextMessage(c);
    await c.subscribeAsync('lamp/#', { qos: 1 });
    const m = await got;
    // [MQTT-3.3.1-9]: a retained message sent on subscription has RETAIN set.
    expect([m.topic, m.payload.toString(), m.packet.retain]).toEqual(['lamp/2/state', '{"on":false}', true]);
    await c.endAsync();
  });
});
