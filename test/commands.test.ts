import { createTokenDevice, errorCode, gqlOk, signUp, startTestApp, type TestApp, type TokenDevice } from './support/app';
import { connect, endAll, nextLogRow, nextMessage } from './support/mqtt';

/** Issue #12: the platform publishes to devices (commands, group control), recorded as DOWNSTREAM events. */
const PUBLISH_TO_DEVICE = `mutation($d:ID!,$i:PublishInput!){ publishToDevice(deviceId:$d, input:$i){ topic qos matchedSessions queuedForOfflineSessions event { id topic payload direction qos } } }`;

describe('commands from the platform', () => {
  let app: TestApp;
  let alice: { token: string; id: string; orgId: string; email: string };
  let bob: { token: string; id: string; orgId: string };

  beforeAll(async () => {
    app = await startTestApp();
    alice = await signUp(app);
    bob = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  const gql = (query: string, vars: Record<string, unknown> = {}, token = alice.token) => gqlOk(app, query, vars, token);
  const newDevice = (token = alice.token): Promise<TokenDevice> => createTokenDevice(app, token, { name: 'actuator' });

  it('publishToDevice reaches the subscribed device with its MQTT 5 properties, is a DOWNSTREAM event, and never crosses owners', async () => {
    const d = await newDevice();
    const foreign = await newDevice(bob.token);
    const c = await connect(app, d, { protocolVersion: 5 });
    await c.subscribeAsync('cmd/#', { qos: 1 });
    const f = await connect(app, foreign);
    await f.subscribeAsync('cmd/#', { qos: 1 });
    let foreignGot = 0;
    f.on('message', () => (foreignGot += 1));
    const arrived = nextMessage(c, 'cmd/reboot');
    const r = await gql(PUBLISH_TO_DEVICE, {
      d: d.id,
      i: { topic: 'cmd/reboot', payload: '{"delay":5}', payloadEncoding: 'JSON', qos: 1, properties: { responseTopic: 'cmd/reboot/reply', correlationData: Buffer.from('42').toString('base64') } },
    });
    expect(r.publishToDevice).toMatchObject({ topic: 'cmd/reboot', qos: 1, matchedSessions: 1, event: { topic: 'cmd/reboot', payload: '{"delay":5}', direction: 'DOWNSTREAM', qos: 1 } });
    const m = await arrived;
    expect(m.payload.toString()).toBe('{"delay":5}');
    expect(m.packet.properties).toMatchObject({ responseTopic: 'cmd/reboot/reply' });
    expect(Buffer.from(m.packet.properties.correlationData).toString()).toBe('42');
    // Upstream and downstream apart in the history.
    await c.publishAsync('state', 'rebooting', { qos: 1 });
    const down = await gql('query($d:ID!){ deviceEvents(deviceId:$d, filter:{direction: DOWNSTREAM}, first: 10){ nodes { topic direction } } }', { d: d.id });
    expect(down.deviceEvents.nodes).toEqual([{ topic: 'cmd/reboot', direction: 'DOWNSTREAM' }]);
    const up = await gql('query($d:ID!){ deviceEvents(deviceId:$d, filter:{direction: UPSTREAM}, first: 10){ nodes { topic direction } } }', { d: d.id });
    expect(up.deviceEvents.nodes).toEqual([{ topic: 'state', direction: 'UPSTREAM' }]);
    // A command is not the device's state.
    const latest = await gql('query($d:ID!){ device(id:$d){ latest { topic } } }', { d: d.id });
    expect(latest.device.latest).toEqual([{ topic: 'state' }]);
    // Bob's device subscribed to the same topic heard nothing; Bob cannot command Alice's device.
    await f.publishAsync('ping', 'x', { qos: 1 });
    expect(foreignGot).toBe(0);
    expect(errorCode(await app.gql(PUBLISH_TO_DEVICE, { d: d.id, i: { topic: 'cmd/x', payload: 'y' } }, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('mutation($d:ID!){ requestDevice(deviceId:$d, input:{ topic:"q", payload:"?" }, timeoutMs: 100){ correlationId } }', { d: d.id }, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('query($d:ID!){ device(id:$d){ connection { online } } }', { d: d.id }, bob.token))).toBe('NOT_FOUND');
  });

  it('publishToDevice at QoS 0 reaches a connected device; at QoS 1 it is queued for an offline persistent session and delivered on reconnect', async () => {
    const d = await newDevice();
    let c = await connect(app, d, { clean: false });
    await c.subscribeAsync('cmd/#', { qos: 1 });
    const live = nextMessage(c, 'cmd/now');
    const q0 = await gql(PUBLISH_TO_DEVICE, { d: d.id, i: { topic: 'cmd/now', payload: 'zero', qos: 0 } });
    expect(q0.publishToDevice).toMatchObject({ qos: 0, matchedSessions: 1, queuedForOfflineSessions: 0 });
    expect((await live).payload.toString()).toBe('zero');
    const offline = nextLogRow(app, (r) => r.deviceId === d.id && r.eventType === 'DISCONNECTED');
    await c.endAsync();
    await offline;
    await app.services.messageServer.settle();
    // [MQTT-3.1.2-5]: the session state (subscriptions, QoS 1/2 messages) outlives a connection with CleanSession 0.
    const q1 = await gql(PUBLISH_TO_DEVICE, { d: d.id, i: { topic: 'cmd/later', payload: 'one', qos: 1 } });
    expect(q1.publishToDevice).toMatchObject({ qos: 1, matchedSessions: 0, queuedForOfflineSessions: 1 });
    let queued!: Promise<{ payload: Buffer }>;
    c = await connect(app, d, { clean: false, setup: (client) => (queued = nextMessage(client, 'cmd/later')) });
    expect((await queued).payload.toString()).toBe('one');
    await c.endAsync();
  });

  it('publishToTopic reaches every subscribed device of the owner; retained commands reach later subscribers', async () => {
    const a = await newDevice();
    const b = await newDevice();
    const ca = await connect(app, a);
    const cb = await connect(app, b);
    await ca.subscribeAsync('group/lights', { qos: 0 });
    await cb.subscribeAsync('group/+', { qos: 0 });
    const both = [nextMessage(ca, 'group/lights'), nextMessage(cb, 'group/lights')];
    const r = await gql('mutation($i:PublishInput!){ publishToTopic(input:$i){ matchedSessions event { id } } }', {
      i: { topic: 'group/lights', payload: 'b24=', payloadEncoding: 'BASE64', retain: true },
    });
    expect(r.publishToTopic).toEqual({ matchedSessions: 2, event: null });
    expect((await Promise.all(both)).map((m) => m.payload.toString())).toEqual(['on', 'on']);
    const later = await connect(app, await newDevice());
    const retained = nextMessage(later, 'group/lights');
    await later.subscribeAsync('group/lights', { qos: 0 });
    expect((await retained).packet.retain).toBe(true);
  });

  it('refuses bad input before publishing anything', async () => {
    const d = await newDevice();
    const bad = async (i: Record<string, unknown>) => errorCode(await app.gql(PUBLISH_TO_DEVICE, { d: d.id, i: { topic: 'cmd', payload: 'x', ...i } }, alice.token));
    expect(await bad({ topic: 'cmd/#' })).toBe('BAD_USER_INPUT');
    expect(await bad({ topic: '$SYS/x' })).toBe('BAD_USER_INPUT');
    expect(await bad({ qos: 3 })).toBe('BAD_USER_INPUT');
    expect(await bad({ payloadEncoding: 'JSON', payload: '{nope' })).toBe('BAD_USER_INPUT');
    expect(await bad({ payloadEncoding: 'BASE64', payload: 'not base64!' })).toBe('BAD_USER_INPUT');
    const none = await gql('query($d:ID!){ deviceEvents(deviceId:$d, first: 5){ nodes { id } } }', { d: d.id });
    expect(none.deviceEvents.nodes).toEqual([]);
  });

  it("disconnectDevice ends the session (MQTT 5: 0x98), logs why, and is refused for another user's device", async () => {
    const d = await newDevice();
    const c = await connect(app, d, { protocolVersion: 5 });
    const told = new Promise<{ reasonCode?: number; properties?: { reasonString?: string } }>((resolve) => c.once('disconnect', (packet) => resolve(packet)));
    expect(errorCode(await app.gql('mutation($d:ID!){ disconnectDevice(id:$d){ id } }', { d: d.id }, bob.token))).toBe('NOT_FOUND');
    const logged = nextLogRow(app, (r) => r.deviceId === d.id && r.eventType === 'DISCONNECTED');
    await gql('mutation($d:ID!){ disconnectDevice(id:$d, reason:"firmware update"){ id } }', { d: d.id });
    // MQTT 5 §3.14.2.1: 0x98 Administrative action, with the reason string.
    const packet = await told;
    expect(packet.reasonCode).toBe(0x98);
    expect(packet.properties?.reasonString).toContain('firmware update');
    // Logged as kicked by the user, with the reason.
    expect((await logged).reason).toBe(`kicked: disconnected through the API by ${alice.email}: firmware update`);
  });

  it('requestDevice: MQTT 5 and 3.1.1 devices answer, the answer comes back with its latency; no answer is DEVICE_TIMEOUT', async () => {
    const REQUEST =
      'mutation($d:ID!,$i:PublishInput!,$t:Int){ requestDevice(deviceId:$d, input:$i, timeoutMs:$t){ correlationId requestTopic replyTopic latencyMs reply { payload json direction properties { correlationData } } } }';
    // MQTT 5: answers on the Response Topic with the Correlation Data.
    const v5 = await newDevice();
    const c5 = await connect(app, v5, { protocolVersion: 5 });
    await c5.subscribeAsync('cmd/get/+', { qos: 1 });
    c5.on('message', (_topic, _payload, packet) => {
      const p = packet.properties ?? {};
      c5.publish(p.responseTopic!, '{"temp":21.5}', { qos: 1, properties: { correlationData: p.correlationData } });
    });
    const r5 = (await gql(REQUEST, { d: v5.id, i: { topic: 'cmd/get', payload: 'temp' } })).requestDevice;
    expect(r5.requestTopic).toBe(`cmd/get/${r5.correlationId}`);
    expect(r5.replyTopic).toBe(`cmd/get/reply/${r5.correlationId}`);
    expect(r5.reply).toMatchObject({ payload: '{"temp":21.5}', json: { temp: 21.5 }, direction: 'UPSTREAM' });
    expect(Buffer.from(r5.reply.properties.correlationData, 'base64').toString()).toBe(r5.correlationId);
    expect(r5.latencyMs).toBeGreaterThanOrEqual(0);
    // MQTT 3.1.1: the correlation id is the request topic's last level; the answer goes to <topic>/reply/<id>.
    const v4 = await newDevice();
    const c4 = await connect(app, v4);
    await c4.subscribeAsync('cmd/get/+', { qos: 0 });
    c4.on('message', (topic) => c4.publish(`cmd/get/reply/${topic.split('/').pop()}`, 'pong', { qos: 0 }));
    const r4 = (await gql(REQUEST, { d: v4.id, i: { topic: 'cmd/get', payload: 'ping' } })).requestDevice;
    expect(r4.reply.payload).toBe('pong');
    // Nobody answers.
    const silent = await newDevice();
    const t0 = Date.now();
    const timedOut = await app.gql(REQUEST, { d: silent.id, i: { topic: 'cmd/get', payload: 'x' }, t: 300 }, alice.token);
    expect(errorCode(timedOut)).toBe('DEVICE_TIMEOUT');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });
});
