import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

import { errorCode, signUp, startTestApp, type TestApp } from './support/app';
import { nextEvent } from './support/events';
import { subscribe } from './support/ws';

interface Device {
  id: string;
  deviceNumber: string;
  username: string;
  key: string | null;
}

const SESSION =
  'id state transport error tookOverOnlineDevice droppedCount device { id name } subscriptions { topicFilter qos } reported { id topic payload json qos retain } received { id topic payload json }';

async function createDevice(app: TestApp, token: string, name: string, authType = 'TOKEN'): Promise<Device> {
  const r = await app.gql('mutation($i:CreateDeviceInput!){ createDevice(input:$i){ id deviceNumber username credentials { deviceKey } } }', { i: { name, authType } }, token);
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  const d = r.data.createDevice;
  return { id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
}

/** A real device: mqtt.js over a real socket, with its own credentials; resolves once connected. */
async function connectDevice(app: TestApp, d: Device, extra: IClientOptions = {}): Promise<MqttClient> {
  const ep = app.mqttEndpoints!;
  const client = mqtt.connect({
    host: '127.0.0.1',
    port: ep.port!,
    clientId: d.deviceNumber,
    username: d.username,
    password: d.key!,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  });
  await nextEvent(client, 'connect');
  return client;
}

function nextMessage(client: MqttClient): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve) => client.once('message', (topic, payload) => resolve({ topic, payload: payload.toString() })));
}

describe('server-side MQTT test client', () => {
  let app: TestApp;
  let user: { token: string };
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    app = await startTestApp({ config: { testClient: { maxSessionsPerUser: 3, idleTimeoutMs: 60_000, bufferSize: 5, connectTimeoutMs: 3000 } } });
    user = await signUp(app);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    for (const s of (await app.gql('{ testClientSessions { id } }', {}, user.token)).data.testClientSessions) {
      await app.gql('mutation($s:ID!){ stopTestClient(sessionId:$s){ id } }', { s: s.id }, user.token);
    }
  });
  afterAll(() => app.stop());

  const start = (deviceId: string, options: Record<string, unknown> = {}, token = user.token) =>
    app.gql(`mutation($d:ID!,$o:TestClientOptions){ startTestClient(deviceId:$d, options:$o){ ${SESSION} } }`, { d: deviceId, o: options }, token);
  const publish = (sessionId: string, topic: string, payload: string, token = user.token) =>
    app.gql('mutation($s:ID!,$t:String!,$p:String!){ testClientPublish(sessionId:$s, topic:$t, payload:$p, qos:1){ id topic payload json qos } }', { s: sessionId, t: topic, p: payload }, token);
  const sub = (sessionId: string, filter: string, token = user.token) =>
    app.gql(`mutation($s:ID!,$f:String!){ testClientSubscribe(sessionId:$s, topicFilter:$f, qos:1){ ${SESSION} } }`, { s: sessionId, f: filter }, token);
  const myId = async (token = user.token): Promise<string> => (await app.gql('{ me { personalOrganizationId } }', {}, token)).data.me.personalOrganizationId;
  const session = (id: string, token = user.token) => app.gql(`query($s:ID!){ testClientSession(id:$s){ ${SESSION} } }`, { s: id }, token);

  async function exchangeBothWays(transport: 'MQTT' | 'MQTTS', suffix: string) {
    const real = await createDevice(app, user.token, `real-${suffix}`);
    const tested = await createDevice(app, user.token, `tested-${suffix}`);
    const device = await connectDevice(app, real);
    clients.push(device);
    await device.subscribeAsync(`cmd/${suffix}`, { qos: 1 });

    const started = await start(tested.id, { transport });
    expect(started.errors).toBeUndefined();
    const s = started.data.startTestClient;
    expect(s).toMatchObject({ state: 'CONNECTED', transport, error: null, tookOverOnlineDevice: false, device: { id: tested.id } });

    // Test client → real device; what the test client reports is recorded as the device's event.
    const events = subscribe(app.graphqlUrl, user.token, 'subscription($d:ID!){ deviceEventAdded(deviceId:$d){ topic json } }', { d: tested.id });
    try {
      await app.services.pubSub.whenSubscribed(app.services.deviceEvents.topic(await myId()));
      const arrived = nextMessage(device);
      const pub = await publish(s.id, `cmd/${suffix}`, '{"on":true}');
      expect(pub.data.testClientPublish).toMatchObject({ topic: `cmd/${suffix}`, payload: '{"on":true}', json: { on: true }, qos: 1 });
      expect(await arrived).toEqual({ topic: `cmd/${suffix}`, payload: '{"on":true}' });
      expect((await events.next()).data!.deviceEventAdded).toEqual({ topic: `cmd/${suffix}`, json: { on: true } });
    } finally {
      await events.close();
    }

    // Real device → test client.
    expect((await sub(s.id, `data/${suffix}/#`)).data.testClientSubscribe.subscriptions).toEqual([{ topicFilter: `data/${suffix}/#`, qos: 1 }]);
    const live = subscribe(app.graphqlUrl, user.token, 'subscription($s:ID!){ testClientMessages(sessionId:$s){ id direction topic json } }', { s: s.id });
    try {
      await app.services.testClients.whenWatched(s.id);
      await device.publishAsync(`data/${suffix}/temp`, JSON.stringify({ t: 21.5 }), { qos: 1 });
      // The replay first: the message reported before the subscription started.
      expect((await live.next()).data!.testClientMessages).toMatchObject({ direction: 'REPORTED', topic: `cmd/${suffix}` });
      expect((await live.next()).data!.testClientMessages).toMatchObject({ direction: 'RECEIVED', topic: `data/${suffix}/temp`, json: { t: 21.5 } });
    } finally {
      await live.close();
    }
    const after = (await session(s.id)).data.testClientSession;
    expect(after.reported.map((m: { topic: string }) => m.topic)).toEqual([`cmd/${suffix}`]);
    expect(after.received).toEqual([expect.objectContaining({ topic: `data/${suffix}/temp`, json: { t: 21.5 } })]);
    return { s, tested };
  }

  it('exchanges messages both ways with a real device over plain MQTT (Token)', async () => {
    await exchangeBothWays('MQTT', 'tcp');
  });

  it('exchanges messages both ways over one-way TLS (Token)', async () => {
    await exchangeBothWays('MQTTS', 'tls');
  });

  it('publishes and shows MQTT 5 properties (MQTT 5 sessions)', async () => {
    const real = await createDevice(app, user.token, 'props-real');
    const tested = await createDevice(app, user.token, 'props-tested');
    const device = await connectDevice(app, real, { protocolVersion: 5 });
    clients.push(device);
    await device.subscribeAsync('props/cmd', { qos: 1 });
    const s = (await start(tested.id, { mqttVersion: 5 })).data.startTestClient;
    const properties = { contentType: 'application/json', responseTopic: 'props/reply', correlationData: Buffer.from('c-1').toString('base64'), userProperties: [{ key: 'k', value: 'v' }] };
    const arrived = new Promise<any>((resolve) => device.once('message', (_t, _p, packet) => resolve(packet.properties)));
    const PROPS = 'properties { contentType responseTopic correlationData userProperties { key value } }';
    const r = await app.gql(
      `mutation($s:ID!,$p:MessagePropertiesInput){ testClientPublish(sessionId:$s, topic:"props/cmd", payload:"{}", qos:1, properties:$p){ ${PROPS} } }`,
      { s: s.id, p: properties },
      user.token,
    );
    expect(r.data.testClientPublish.properties).toEqual(properties);
    const got = await arrived;
    expect(got).toMatchObject({ contentType: 'application/json', responseTopic: 'props/reply', userProperties: { k: 'v' } });
    expect(Buffer.from(got.correlationData).toString()).toBe('c-1');
    // Received messages show theirs.
    await sub(s.id, 'props/data');
    const live = subscribe(app.graphqlUrl, user.token, `subscription($s:ID!){ testClientMessages(sessionId:$s){ direction ${PROPS} } }`, { s: s.id });
    try {
      await app.services.testClients.whenWatched(s.id);
      await device.publishAsync('props/data', '{}', { qos: 1, properties: { contentType: 'text/plain' } });
      expect((await live.next()).data!.testClientMessages).toMatchObject({ direction: 'REPORTED' });
      expect((await live.next()).data!.testClientMessages).toMatchObject({ direction: 'RECEIVED', properties: { contentType: 'text/plain' } });
    } finally {
      await live.close();
    }
    // A 3.1.1 session cannot send them.
    const v4 = (await start((await createDevice(app, user.token, 'props-v4')).id)).data.startTestClient;
    const refused = await app.gql('mutation($s:ID!){ testClientPublish(sessionId:$s, topic:"x", payload:"{}", properties:{ contentType:"a" }){ id } }', { s: v4.id }, user.token);
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
  });

  it('connects a Certificate device over mutual TLS with its bound certificate', async () => {
    const d = await createDevice(app, user.token, 'cert-device', 'CERTIFICATE');
    const noCert = await start(d.id);
    expect(errorCode(noCert)).toBe('BAD_USER_INPUT');
    const cert = await app.gql('mutation{ createCertificate(name:"tc-cert"){ id } }', {}, user.token);
    const certId = cert.data.createCertificate.id;
    await app.gql('mutation($c:ID!,$d:ID!){ bindCertificate(certificateId:$c, deviceId:$d){ id } }', { c: certId, d: d.id }, user.token);

    const started = await start(d.id);
    expect(started.errors).toBeUndefined();
    expect(started.data.startTestClient).toMatchObject({ state: 'CONNECTED', transport: 'MQTTS_MUTUAL' });
    const s = started.data.startTestClient;
    await sub(s.id, 'echo/#');
    const got = subscribe(app.graphqlUrl, user.token, 'subscription($s:ID!){ testClientMessages(sessionId:$s){ direction topic } }', { s: s.id });
    try {
      await app.services.testClients.whenWatched(s.id);
      // The test client hears itself: it publishes and receives on the same topic through the broker.
      await publish(s.id, 'echo/1', '[1,2,3]');
      expect((await got.next()).data!.testClientMessages).toEqual({ direction: 'REPORTED', topic: 'echo/1' });
      expect((await got.next()).data!.testClientMessages).toEqual({ direction: 'RECEIVED', topic: 'echo/1' });
    } finally {
      await got.close();
    }
    // A Certificate device cannot be started over a token listener.
    await app.gql('mutation($s:ID!){ stopTestClient(sessionId:$s){ id } }', { s: s.id }, user.token);
    expect(errorCode(await start(d.id, { transport: 'MQTT' }))).toBe('BAD_USER_INPUT');
  });

  it('refuses to kick an online device off unless forced, and says so when forced', async () => {
    const d = await createDevice(app, user.token, 'online-device');
    const device = await connectDevice(app, d);
    clients.push(device);
    // The message server records ONLINE before it acknowledges the connection.
    expect((await app.gql('query($id:ID!){ device(id:$id){ status } }', { id: d.id }, user.token)).data.device.status).toBe('ONLINE');

    const refused = await start(d.id);
    expect(errorCode(refused)).toBe('CONFLICT');
    expect(refused.errors![0]!.extensions!.reason).toBe('DEVICE_ONLINE');
    expect(device.connected).toBe(true);

    const log = subscribe(app.graphqlUrl, user.token, 'subscription($d:ID!){ connectionLogAdded(deviceId:$d, eventTypes:[TAKEN_OVER]){ eventType reason clientId } }', { d: d.id });
    try {
      await app.services.pubSub.whenSubscribed(app.services.connectionLog.topic(await myId()));
      const kicked = nextEvent(device, 'close');
      const forced = await start(d.id, { force: true });
      expect(forced.data.startTestClient).toMatchObject({ state: 'CONNECTED', tookOverOnlineDevice: true });
      await kicked;
      expect(device.connected).toBe(false);
      // The connection log shows that the real device was taken over.
      expect((await log.next()).data!.connectionLogAdded).toMatchObject({ eventType: 'TAKEN_OVER', clientId: d.deviceNumber });
    } finally {
      await log.close();
    }
  });

  it('publishes only valid JSON to valid topics; bad input sends nothing', async () => {
    const real = await createDevice(app, user.token, 'listener');
    const tested = await createDevice(app, user.token, 'talker');
    const device = await connectDevice(app, real);
    clients.push(device);
    await device.subscribeAsync('#', { qos: 1 });
    const s = (await start(tested.id)).data.startTestClient;

    const received: string[] = [];
    device.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    for (const [topic, payload] of [
      ['t/1', '{not json'],
      ['t/1', ''],
      ['t/+', '{}'],
      ['t/#', '{}'],
      ['', '{}'],
      ['$SYS/x', '{}'],
    ] as const) {
      const r = await publish(s.id, topic, payload);
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
    }
    expect(errorCode(await sub(s.id, 'a/#/b'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await sub(s.id, 'a/b+'))).toBe('BAD_USER_INPUT');
    const bad = await app.gql('mutation($s:ID!){ testClientPublish(sessionId:$s, topic:"t/1", payload:"{}", qos:3){ id } }', { s: s.id }, user.token);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');

    // The first thing the device receives is the first valid message: nothing before it was sent.
    const first = nextMessage(device);
    await publish(s.id, 't/ok', '"just a JSON string"');
    expect(await first).toEqual({ topic: 't/ok', payload: '"just a JSON string"' });
    expect(received).toEqual(['t/ok "just a JSON string"']);
    expect((await session(s.id)).data.testClientSession.reported).toHaveLength(1);
  });

  it('keeps a bounded buffer and counts what it dropped', async () => {
    const real = await createDevice(app, user.token, 'burster');
    const tested = await createDevice(app, user.token, 'buffered');
    const device = await connectDevice(app, real);
    clients.push(device);
    const s = (await start(tested.id)).data.startTestClient;
    await sub(s.id, 'burst');
    const live = subscribe(app.graphqlUrl, user.token, 'subscription($s:ID!){ testClientMessages(sessionId:$s){ id json } }', { s: s.id });
    try {
      await app.services.testClients.whenWatched(s.id);
      for (let i = 1; i <= 8; i++) await device.publishAsync('burst', JSON.stringify({ i }), { qos: 1 });
      const seen: number[] = [];
      for (let i = 1; i <= 8; i++) seen.push((await live.next()).data!.testClientMessages.json.i);
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await live.close();
    }
    const after = (await session(s.id)).data.testClientSession;
    expect(after.received.map((m: { json: { i: number } }) => m.json.i)).toEqual([4, 5, 6, 7, 8]);
    expect(after.droppedCount).toBe(3);

    // Resuming after a cursor replays only what came later and is still buffered.
    const resumed = subscribe(app.graphqlUrl, user.token, 'subscription($s:ID!,$a:String){ testClientMessages(sessionId:$s, after:$a){ json } }', { s: s.id, a: after.received[3].id });
    try {
      expect((await resumed.next()).data!.testClientMessages.json).toEqual({ i: 8 });
    } finally {
      await resumed.close();
    }
  });

  it("isolates users: another user's session is NOT_FOUND everywhere", async () => {
    const d = await createDevice(app, user.token, 'mine');
    const s = (await start(d.id)).data.startTestClient;
    const other = await signUp(app);
    expect(errorCode(await session(s.id, other.token))).toBe('NOT_FOUND');
    expect(errorCode(await publish(s.id, 'x', '{}', other.token))).toBe('NOT_FOUND');
    expect(errorCode(await sub(s.id, 'x', other.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('mutation($s:ID!){ stopTestClient(sessionId:$s){ id } }', { s: s.id }, other.token))).toBe('NOT_FOUND');
    expect(errorCode(await start(d.id, {}, other.token))).toBe('NOT_FOUND');
    expect((await app.gql('{ testClientSessions { id } }', {}, other.token)).data.testClientSessions).toEqual([]);
    const spy = subscribe(app.graphqlUrl, other.token, 'subscription($s:ID!){ testClientMessages(sessionId:$s){ id } }', { s: s.id });
    try {
      const r = await spy.next();
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    } finally {
      await spy.close();
    }
  });

  it('limits sessions per user, and stop frees the socket', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await start((await createDevice(app, user.token, `many-${i}`)).id)).data.startTestClient.id);
    const fourth = await start((await createDevice(app, user.token, 'one-too-many')).id);
    expect(errorCode(fourth)).toBe('LIMIT_EXCEEDED');

    const internal = app.services.testClients.find(ids[0]!)!;
    const stream = internal.client!.stream;
    const stopped = await app.gql('mutation($s:ID!){ stopTestClient(sessionId:$s){ id state error } }', { s: ids[0] }, user.token);
    expect(stopped.data.stopTestClient).toMatchObject({ state: 'DISCONNECTED', error: 'stopped by the user' });
    expect(stream.destroyed).toBe(true);
    expect(errorCode(await session(ids[0]!))).toBe('NOT_FOUND');
  });

  it('streams state changes and stops an idle session', async () => {
    await app.stop();
    app = await startTestApp({ config: { testClient: { maxSessionsPerUser: 3, idleTimeoutMs: 300, bufferSize: 5, connectTimeoutMs: 3000 } } });
    user = await signUp(app);
    const d = await createDevice(app, user.token, 'idle');
    const s = (await start(d.id)).data.startTestClient;
    const states = subscribe(app.graphqlUrl, user.token, 'subscription($s:ID!){ testClientStateChanged(sessionId:$s){ state error } }', { s: s.id });
    try {
      let r = await states.next(5000);
      expect(r.data!.testClientStateChanged.state).toMatch(/^(CONNECTED|DISCONNECTED)$/);
      if (r.data!.testClientStateChanged.state === 'CONNECTED') r = await states.next(5000);
      expect(r.data!.testClientStateChanged).toEqual({ state: 'DISCONNECTED', error: 'stopped after being idle' });
    } finally {
      await states.close();
    }
  });

  it('publishes the will message only when the session is dropped without DISCONNECT', async () => {
    const watcher = await connectDevice(app, await createDevice(app, user.token, 'will-watcher'));
    clients.push(watcher);
    await watcher.subscribeAsync('status/+', { qos: 1 });
    const received: string[] = [];
    watcher.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    const will = { topic: 'status/tested', payload: '{"online":false}', qos: 1 };

    const clean = (await start((await createDevice(app, user.token, 'clean-stop')).id, { will })).data.startTestClient;
    await app.gql('mutation($s:ID!){ stopTestClient(sessionId:$s){ state } }', { s: clean.id }, user.token);
    const dropped = (await start((await createDevice(app, user.token, 'dropped')).id, { will: { ...will, payload: '{"dropped":true}' } })).data.startTestClient;
    const willArrived = nextMessage(watcher);
    const stopped = await app.gql('mutation($s:ID!){ stopTestClient(sessionId:$s, abrupt:true){ state error } }', { s: dropped.id }, user.token);
    expect(stopped.data.stopTestClient.error).toMatch(/will message published/);
    expect(await willArrived).toEqual({ topic: 'status/tested', payload: '{"dropped":true}' });
    // The cleanly stopped session's will never came.
    expect(received).toEqual(['status/tested {"dropped":true}']);
    expect(errorCode(await start((await createDevice(app, user.token, 'bad-will')).id, { will: { topic: 'a/#', payload: '{}' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await start((await createDevice(app, user.token, 'bad-will-2')).id, { will: { topic: 'a', payload: 'nope' } }))).toBe('BAD_USER_INPUT');
  });
  it("ends sessions when the user's token expires, and close() frees every socket", async () => {
    await app.stop();
    // Token times are whole seconds (a 1 s token issued at 10.999 s expires at 11 s): the app's clock is set back so
    // that the token is issued at the start of a second and lives a full second.
    let setBack = 0;
    app = await startTestApp({ app: { clock: () => new Date(Date.now() - setBack) }, config: { auth: { tokenTtlSeconds: 1, passwordHashCost: 1024 } } });
    setBack = Date.now() % 1000;
    user = await signUp(app);
    const d = await createDevice(app, user.token, 'short-lived');
    const s = (await start(d.id)).data.startTestClient;
    const internal = app.services.testClients.find(s.id)!;
    const ended = new Promise<string | null>((resolve) => internal.events.once('end', () => resolve(internal.error)));
    expect(await ended).toBe("stopped: the user's session token expired");
    expect(internal.client!.stream.destroyed).toBe(true);

    const user2 = await signUp(app);
    const d2 = await createDevice(app, user2.token, 'until-close');
    const s2 = (await start(d2.id, {}, user2.token)).data.startTestClient;
    const live = app.services.testClients.find(s2.id)!;
    expect(live.state).toBe('CONNECTED');
    await app.stop();
    expect(live.client!.stream.destroyed).toBe(true);
    expect(live.state).toBe('DISCONNECTED');
    // A fresh app for afterEach/afterAll.
    app = await startTestApp();
    user = await signUp(app);
  });
});
