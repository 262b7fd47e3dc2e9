import { once } from 'node:events';
import net from 'node:net';

import mqttPacket from 'mqtt-packet';

import { makeConfig } from '../src/config/config';
import { errorCode, signUp, startTestApp, type TestApp } from './support/app';
import { closed, connect, end, endAll, nextMessage, published, record, tryConnect } from './support/mqtt';

interface Device {
  id: string;
  deviceNumber: string;
  username: string;
  key: string;
}

describe('embedded MQTT message server', () => {
  let app: TestApp;
  let alice: { token: string; id: string; orgId: string };
  let bob: { token: string; id: string; orgId: string };

  beforeAll(async () => {
    // One AUTH_FAILED row per refusal and no back-off here: folding and throttling have tests of their own.
    const throttle = makeConfig({ dataDir: '/tmp' }).throttle;
    app = await startTestApp({ config: { mqtt: { maxPayloadBytes: 4096 } as never, throttle: { ...throttle, authFailedLogWindowMs: 0, mqttAuth: { ...throttle.mqttAuth, maxFailures: 0 } } } });
    alice = await signUp(app);
    bob = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  const gql = async (query: string, vars: Record<string, unknown> = {}, token = alice.token) => {
    const r = await app.gql(query, vars, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const newDevice = async (token = alice.token, input: Record<string, unknown> = {}): Promise<Device> => {
    const d = (await gql('mutation($i:CreateDeviceInput!){ createDevice(input:$i){ id deviceNumber username credentials { deviceKey } } }', { i: { name: 'dev', ...input } }, token)).createDevice;
    return { id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
  };
  const logs = async (deviceId: string, token = alice.token) =>
    (
      await gql(
        'query($d:ID!){ connectionLog(deviceId:$d, first:50){ nodes { eventType reason clientId username listener protocolVersion keepalive cleanSession remoteAddress remotePort } } }',
        { d: deviceId },
        token,
      )
    ).connectionLog.nodes as Array<Record<string, any>>;
  const status = async (deviceId: string) => (await gql('query($d:ID!){ device(id:$d){ status lastConnectedAt lastDisconnectedAt } }', { d: deviceId })).device;

  describe.each([3, 4, 5] as const)('CONNACK codes (MQTT protocol level %i)', (level) => {
    const BAD = level === 5 ? 0x86 : 4;
    const NOT_AUTHORIZED = level === 5 ? 0x87 : 5;
    // Level 3 is MQTT 3.1 ("MQIsdp").
    const protocolVersion = level;
    const protocolId = level === 3 ? ('MQIsdp' as const) : ('MQTT' as const);

    it('accepts a token device with client id = device number, username and device key', async () => {
      const d = await newDevice();
      const o = await tryConnect(app, d, { protocolVersion, protocolId });
      expect(o.connected).toBe(true);
      await end(o.client);
    });

    it('refuses unknown devices, wrong usernames and wrong keys with "bad username or password"', async () => {
      const d = await newDevice();
      expect((await tryConnect(app, { ...d, deviceNumber: 'no-such-device' }, { protocolVersion, protocolId })).code).toBe(BAD);
      expect((await tryConnect(app, { ...d, username: 'someone-else' }, { protocolVersion, protocolId })).code).toBe(BAD);
      expect((await tryConnect(app, { ...d, key: 'f'.repeat(36) }, { protocolVersion, protocolId })).code).toBe(BAD);
      expect((await tryConnect(app, { ...d, key: null }, { protocolVersion, protocolId })).code).toBe(BAD);
      const failed = (await logs(d.id)).filter((l) => l.eventType === 'AUTH_FAILED');
      expect(failed).toHaveLength(3);
      expect(failed[0]).toMatchObject({ reason: 'bad username or password', clientId: d.deviceNumber, listener: 'MQTT', protocolVersion, remoteAddress: '127.0.0.1' });
    });

    it('refuses blocked devices and certificate devices with "not authorized"', async () => {
      const blocked = await newDevice();
      await gql('mutation($id:ID!){ updateDevice(id:$id, input:{blocked:true}){ id } }', { id: blocked.id });
      expect((await tryConnect(app, blocked, { protocolVersion, protocolId })).code).toBe(NOT_AUTHORIZED);
      const cert = await newDevice();
      await gql('mutation($id:ID!){ updateDevice(id:$id, input:{authType:CERTIFICATE}){ id } }', { id: cert.id });
      expect((await tryConnect(app, cert, { protocolVersion, protocolId })).code).toBe(NOT_AUTHORIZED);
      expect((await logs(blocked.id))[0]).toMatchObject({ eventType: 'AUTH_FAILED', reason: 'not authorized: device blocked' });
      expect((await logs(cert.id))[0]?.reason).toMatch(/not authorized: certificate/);
    });
  });

  it('has the device ONLINE by the time its CONNACK arrives, OFFLINE after it leaves', async () => {
    const d = await newDevice();
    const c = await connect(app, d);
    const online = await status(d.id);
    expect(online.status).toBe('ONLINE');
    expect(online.lastConnectedAt).not.toBeNull();
    const offline = published(app, `deviceStatus:${alice.orgId}`, (dev: any) => dev.id === d.id && dev.status === 'OFFLINE');
    await end(c);
    await offline;
    expect((await status(d.id)).status).toBe('OFFLINE');
  });

  it('keeps one connection per client id: the newer takes over, both facts logged, the device stays ONLINE', async () => {
    const d = await newDevice();
    const first = await connect(app, d);
    const firstClosed = closed(first);
    const second = await connect(app, d, { protocolVersion: 5 });
    await firstClosed;
    await app.services.messageServer.settle();
    expect((await status(d.id)).status).toBe('ONLINE');
    const rows = await logs(d.id);
    expect(rows.map((r) => r.eventType)).toEqual(['CONNECTED', 'TAKEN_OVER', 'CONNECTED']);
    expect(rows[1]!.reason).toMatch(/^taken over by a new connection from 127\.0\.0\.1:\d+$/);
    expect(rows[0]!.protocolVersion).toBe(5);
    expect(rows[2]!.protocolVersion).toBe(4);
    // The newer connection works.
    second.subscribe('t');
    const got = nextMessage(second, 't');
    await second.publishAsync('t', 'still here', { qos: 1 });
    expect((await got).payload.toString()).toBe('still here');

    const offline = published(app, `deviceStatus:${alice.orgId}`, (dev: any) => dev.id === d.id && dev.status === 'OFFLINE');
    await end(second);
    await offline;
    const s = await status(d.id);
    expect(s.status).toBe('OFFLINE');
    expect(new Date(s.lastDisconnectedAt).getTime()).toBeGreaterThanOrEqual(new Date(s.lastConnectedAt).getTime());
    expect((await logs(d.id))[0]).toMatchObject({ eventType: 'DISCONNECTED', reason: 'client disconnect', protocolVersion: 5 });
  });

  it('isolates owners: same topic strings never cross users, devices never see the namespace, $SYS is refused', async () => {
    const a1 = await newDevice();
    const a2 = await newDevice();
    const b1 = await newDevice(bob.token);
    const ca1 = await connect(app, a1);
    const ca2 = await connect(app, a2, { protocolVersion: 5 });
    const cb1 = await connect(app, b1);
    const bobSaw = record(cb1);
    await Promise.all([ca2.subscribeAsync('#'), cb1.subscribeAsync('#'), cb1.subscribeAsync('shared/topic')]);

    const got = nextMessage(ca2, 'shared/topic');
    await ca1.publishAsync('shared/topic', 'from alice', { qos: 1 });
    const m = await got;
    expect(m.topic).toBe('shared/topic');
    expect(m.payload.toString()).toBe('from alice');

    // Bob's device hears its own marker, and nothing of Alice's before it.
    const marker = nextMessage(cb1, 'bob/marker');
    await cb1.publishAsync('bob/marker', 'm', { qos: 1 });
    await marker;
    expect(bobSaw).toEqual([{ topic: 'bob/marker', payload: 'm' }]);

    // Retained messages are per owner too.
    await ca1.publishAsync('retained/x', 'alice-retained', { qos: 1, retain: true });
    const retained = nextMessage(cb1, 'retained/x');
    await cb1.publishAsync('retained/x', 'bob-retained', { qos: 1, retain: true });
    await retained;
    const late = await connect(app, await newDevice());
    const lateGot = nextMessage(late, 'retained/x');
    await late.subscribeAsync('retained/x');
    expect((await lateGot).payload.toString()).toBe('alice-retained');

    // $SYS is refused (SUBACK failure), the connection stays up; shared subscriptions stay inside the owner.
    const refusal = (c: typeof ca1, topic: string) =>
      c.subscribeAsync(topic).then(
        () => 'granted',
        (e: { packet?: { granted?: number[] } }) => e.packet?.granted?.[0],
      );
    expect(await refusal(ca1, '$SYS/#')).toBe(128);
    expect(await refusal(ca1, '$share/g/shared/topic')).toBe('granted');
    expect(await refusal(ca2, '$SYS/#')).toBe(0x87);
    // Publishing into $SYS ends the session.
    const kicked = closed(ca1);
    ca1.publish('$SYS/fake', 'x');
    await kicked;
    await app.services.messageServer.settle();
    expect((await logs(a1.id))[0]).toMatchObject({ eventType: 'DISCONNECTED' });
    expect((await logs(a1.id))[0]!.reason).toMatch(/forbidden topic/);
  });

  it('unsubscribes inside the namespace', async () => {
    const d = await newDevice();
    const c = await connect(app, d);
    const seen = record(c);
    await c.subscribeAsync(['a/+', 'b']);
    await c.unsubscribeAsync('a/+');
    const marker = nextMessage(c, 'b');
    await c.publishAsync('a/1', 'should not arrive', { qos: 1 });
    await c.publishAsync('b', 'marker', { qos: 1 });
    await marker;
    expect(seen).toEqual([{ topic: 'b', payload: 'marker' }]);
  });

  it('disconnects a device at once when its key is regenerated or it is blocked (MQTT 3.1.1 and 5)', async () => {
    const d = await newDevice();
    const c4 = await connect(app, d);
    const kicked4 = closed(c4);
    const rotated = await gql('mutation($id:ID!){ regenerateDeviceKey(id:$id){ credentials { deviceKey } } }', { id: d.id });
    await kicked4;
    await app.services.messageServer.settle();
    expect((await logs(d.id))[0]).toMatchObject({ eventType: 'DISCONNECTED', reason: 'kicked: device key regenerated' });
    expect((await tryConnect(app, d)).code).toBe(4);
    const newKey = rotated.regenerateDeviceKey.credentials.deviceKey as string;

    const c5 = await connect(app, { ...d, key: newKey }, { protocolVersion: 5 });
    const disconnectPacket = new Promise<any>((resolve) => c5.once('disconnect', resolve));
    const kicked5 = closed(c5);
    await gql('mutation($id:ID!){ updateDevice(id:$id, input:{blocked:true}){ id } }', { id: d.id });
    expect((await disconnectPacket).reasonCode).toBe(0x98);
    await kicked5;
    await app.services.messageServer.settle();
    expect((await logs(d.id))[0]).toMatchObject({ eventType: 'DISCONNECTED', reason: 'kicked: device blocked' });
    expect((await status(d.id)).status).toBe('OFFLINE');
  });

  it('caches successful logins and forgets them when credentials change', async () => {
    const d = await newDevice();
    await end(await connect(app, d));
    const before = app.services.messageServer.authCacheStats.hits;
    await end(await connect(app, d));
    expect(app.services.messageServer.authCacheStats.hits).toBe(before + 1);
    // A wrong key never matches a cached success.
    expect((await tryConnect(app, { ...d, key: 'a'.repeat(36) })).code).toBe(4);
    await gql('mutation($id:ID!){ regenerateDeviceKey(id:$id){ id } }', { id: d.id });
    expect((await tryConnect(app, d)).code).toBe(4);
  });

  it('limits packet size (payload limit + 8 KiB): an oversized PUBLISH ends that session only, logged', async () => {
    const d = await newDevice();
    const other = await connect(app, await newDevice());
    const c = await connect(app, d);
    // Within the limit: accepted.
    await c.publishAsync('fits', Buffer.alloc(4096 + 8000, 1), { qos: 1 });
    const kicked = closed(c);
    c.publish('big', Buffer.alloc(4096 + 8192, 1), { qos: 1 });
    await kicked;
    await app.services.messageServer.settle();
    expect((await logs(d.id))[0]!.reason).toMatch(/^packet too large: 12\d\d\d bytes \(limit 12288\)$/);
    // A packet far beyond the limit is refused from its header, before it is buffered.
    const c2 = await connect(app, d);
    const kicked2 = closed(c2);
    c2.publish('huge', Buffer.alloc(300 * 1024, 1));
    await kicked2;
    await app.services.messageServer.settle();
    expect((await logs(d.id))[0]!.reason).toMatch(/^packet too large: \d+ bytes/);
    // Others are unaffected.
    const got = nextMessage(other, 'still');
    await other.subscribeAsync('still');
    await other.publishAsync('still', 'ok', { qos: 1 });
    await got;
  });

  it('survives malformed packets and bursts of failed logins', async () => {
    const good = await newDevice();
    const victim = await newDevice();
    const stay = await connect(app, good);
    // Garbage before CONNECT.
    const raw = net.connect(app.mqtt.port!, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]));
    await rawClosed;
    // Garbage from a connected client: its session ends with a reason.
    const c = await connect(app, victim);
    const kicked = closed(c);
    (c as any).stream.write(Buffer.from([0x30, 0x02, 0xff, 0xff, 0xf0, 0x00]));
    await kicked;
    await app.services.messageServer.settle();
    expect((await logs(victim.id))[0]).toMatchObject({ eventType: 'DISCONNECTED' });
    // A burst of failed logins, with a good login in the middle.
    const attempts = Array.from({ length: 40 }, () => tryConnect(app, { ...victim, key: 'bad' }));
    const ok = await tryConnect(app, good, { protocolVersion: 5 });
    expect(ok.connected).toBe(true);
    expect((await Promise.all(attempts)).every((o) => o.code === 4)).toBe(true);
    expect((await logs(victim.id)).filter((l) => l.eventType === 'AUTH_FAILED')).toHaveLength(40);
    // The first connection (taken over by `ok`) and everything else kept working.
    await ok.client.subscribeAsync('x');
    const got = nextMessage(ok.client, 'x');
    await ok.client.publishAsync('x', 'y', { qos: 2 });
    await got;
    expect(stay.connected).toBe(false);
  });

  it('honours MQTT 5 subscription options: no local, retain as published', async () => {
    const c = await connect(app, await newDevice(), { protocolVersion: 5 });
    const other = await connect(app, await newDevice(), { protocolVersion: 5 });
    const seen = record(c);
    await c.subscribeAsync('nl/t', { qos: 1, nl: true });
    await c.subscribeAsync('marker', { qos: 1 });
    await other.subscribeAsync('nl/t', { qos: 1, rap: true });
    const otherGot = nextMessage(other, 'nl/t');
    await c.publishAsync('nl/t', 'mine', { qos: 1, retain: true });
    expect((await otherGot).packet.retain).toBe(true);
    const marker = nextMessage(c, 'marker');
    await c.publishAsync('marker', 'm', { qos: 1 });
    await marker;
    expect(seen).toEqual([{ topic: 'marker', payload: 'm' }]);
  });

  it('carries MQTT 5 traffic both ways: bursts, payloads near the limit, QoS 2, publishes with properties', async () => {
    const v5 = await connect(app, await newDevice(), { protocolVersion: 5 });
    const v4 = await connect(app, await newDevice());
    await v5.subscribeAsync('mix/#', { qos: 2 });
    await v4.subscribeAsync('mix/#', { qos: 2 });
    const at5 = record(v5);
    const at4 = record(v4);
    const sent: string[] = [];
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < 200; i++) {
      sent.push(`m${i}`);
      sends.push(v5.publishAsync('mix/burst', `m${i}`, { qos: (i % 3) as 0 | 1 | 2 }));
    }
    const big = 'b'.repeat(4000);
    sends.push(v5.publishAsync('mix/big', big, { qos: 1 }));
    sends.push(v5.publishAsync('mix/props', 'with properties', { qos: 1, properties: { userProperties: { k: 'v' }, contentType: 'text/plain' } }));
    await Promise.all(sends);
    const last5 = nextMessage(v5, 'mix/end');
    const last4 = nextMessage(v4, 'mix/end');
    await v4.publishAsync('mix/end', 'end', { qos: 2 });
    await Promise.all([last5, last4]);
    for (const seen of [at5, at4]) {
      const burst = seen.filter((m) => m.topic === 'mix/burst').map((m) => m.payload);
      // Everything arrives; order is kept per QoS level (MQTT orders messages of one QoS level).
      expect([...burst].sort()).toEqual([...sent].sort());
      for (const q of [0, 1, 2]) {
        const ofQos = (list: string[]) => list.filter((m) => Number(m.slice(1)) % 3 === q);
        expect(ofQos(burst)).toEqual(ofQos(sent));
      }
      expect(seen.find((m) => m.topic === 'mix/big')?.payload).toBe(big);
      expect(seen.find((m) => m.topic === 'mix/props')?.payload).toBe('with properties');
    }
  });

  it('tells an MQTT 5 client it was taken over (DISCONNECT 0x8E)', async () => {
    const d = await newDevice();
    const first = await connect(app, d, { protocolVersion: 5 });
    const disconnect = new Promise<any>((resolve) => first.once('disconnect', resolve));
    await connect(app, d, { protocolVersion: 5 });
    expect((await disconnect).reasonCode).toBe(0x8e);
  });

  it('shares one registry lookup between concurrent connects of a device, and logs the takeovers consistently', async () => {
    const d = await newDevice();
    const spy = jest.spyOn(app.services.credentials, 'verifyDeviceCredentials');
    try {
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => tryConnect(app, d, { protocolVersion: i % 2 ? 5 : 4 })));
      expect(spy.mock.calls.filter((c) => c[0] === d.deviceNumber)).toHaveLength(1);
      expect(outcomes.every((o) => o.connected || o.code === undefined)).toBe(true);
    } finally {
      spy.mockRestore();
    }
    await endAll();
    await app.services.messageServer.settle();
    const rows = await logs(d.id);
    const count = (t: string) => rows.filter((r) => r.eventType === t).length;
    expect(count('CONNECTED')).toBeGreaterThanOrEqual(1);
    expect(count('TAKEN_OVER')).toBe(count('CONNECTED') - 1);
    expect(count('DISCONNECTED')).toBe(1);
    expect(rows[0]!.eventType).toBe('DISCONNECTED');
    expect((await status(d.id)).status).toBe('OFFLINE');
  });

  it('ends a session whose keepalive expires, logged as such', async () => {
    const d = await newDevice();
    const socket = net.connect(app.mqtt.port!, '127.0.0.1');
    await once(socket, 'connect');
    const gone = once(socket, 'close');
    socket.on('data', () => undefined);
    socket.write(
      mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: d.deviceNumber, username: d.username, password: Buffer.from(d.key), keepalive: 1, clean: true }),
    );
    // No PINGREQ follows: the server closes the connection after 1.5 keepalive periods.
    await gone;
    await app.services.messageServer.settle();
    expect((await logs(d.id))[0]).toMatchObject({ eventType: 'DISCONNECTED', reason: 'keepalive timeout', keepalive: 1 });
  });

  it("gives another user NOT_FOUND for a device's connection log", async () => {
    const d = await newDevice();
    await end(await connect(app, d));
    const r = await app.gql('query($d:ID!){ connectionLog(deviceId:$d){ totalCount } }', { d: d.id }, bob.token);
    expect(errorCode(r)).toBe('NOT_FOUND');
    const all = await gql('{ connectionLog(first:100){ nodes { deviceId } } }', {}, bob.token);
    expect(all.connectionLog.nodes.some((n: { deviceId: string }) => n.deviceId === d.id)).toBe(false);
  });
});
