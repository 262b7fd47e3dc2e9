import net from 'node:net';

import mqttPacket from 'mqtt-packet';

import { signUp, startTestApp, type TestApp } from './support/app';
import { closed, connect, type DeviceLogin, end, endAll, nextMessage, tryConnect } from './support/mqtt';
import { connectV5, elapse, receives } from './support/mqtt5';

/**
 * MQTT 5 features, each against the clause of the MQTT 5.0 specification it checks, between real mqtt.js v5 clients
 * over real sockets, through the owner namespace (which the devices never see).
 */
const PAYLOAD_LIMIT = 4096;

describe('MQTT 5 (native)', () => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ config: { mqtt: { maxPayloadBytes: PAYLOAD_LIMIT, topicAliasMaximum: 4 } as never } });
    token = (await signUp(app)).token;
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  const gql = async (query: string, vars: Record<string, unknown> = {}) => {
    const r = await app.gql<any>(query, vars, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const device = async (): Promise<DeviceLogin & { id: string }> => {
    const d = (await gql('mutation{ createDevice(input:{name:"v5"}){ id deviceNumber username credentials { deviceKey } } }')).createDevice;
    return { id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
  };
  const v5 = async (opts: Parameters<typeof connect>[2] = {}, login?: DeviceLogin) => connect(app, login ?? (await device()), { protocolVersion: 5, ...opts });

  it('carries user properties, content type, payload format, response topic and correlation data, and stores them (§3.3.2.3)', async () => {
    const a = await device();
    const pub = await v5({}, a);
    const sub = await v5();
    await sub.subscribeAsync('props/t', { qos: 1 });
    const got = nextMessage(sub, 'props/t');
    const properties = {
      userProperties: { unit: 'C', tag: ['x', 'y'] },
      contentType: 'application/json',
      payloadFormatIndicator: true,
      responseTopic: 'props/reply',
      correlationData: Buffer.from([1, 2, 3]),
      messageExpiryInterval: 60,
    };
    await pub.publishAsync('props/t', '{"t":21}', { qos: 1, properties });
    const p = (await got).packet.properties;
    // [MQTT-3.3.2-17] user properties unaltered, in order; [MQTT-3.3.2-20] content type; [MQTT-3.3.2-4] format.
    expect(p.userProperties).toEqual({ unit: 'C', tag: ['x', 'y'] });
    expect(p.contentType).toBe('application/json');
    expect(p.payloadFormatIndicator).toBe(true);
    // [MQTT-3.3.2-15] [MQTT-3.3.2-16] response topic and correlation data unaltered; the namespace stays invisible.
    expect(p.responseTopic).toBe('props/reply');
    expect(Buffer.from(p.correlationData)).toEqual(Buffer.from([1, 2, 3]));
    // [MQTT-3.3.2-6] the expiry interval forwarded is what remains of it.
    expect(p.messageExpiryInterval).toBeGreaterThan(55);
    await app.services.deviceEvents.writer.flush();
    const events = (
      await gql(
        'query($d:ID!){ deviceEvents(deviceId:$d, first:1){ nodes { properties { contentType payloadFormatIndicator responseTopic correlationData messageExpiryInterval userProperties { key value } } } } }',
        { d: a.id },
      )
    ).deviceEvents.nodes;
    expect(events[0].properties).toEqual({
      contentType: 'application/json',
      payloadFormatIndicator: 1,
      responseTopic: 'props/reply',
      correlationData: Buffer.from([1, 2, 3]).toString('base64'),
      messageExpiryInterval: 60,
      userProperties: [
        { key: 'unit', value: 'C' },
        { key: 'tag', value: 'x' },
        { key: 'tag', value: 'y' },
      ],
    });
  });

  it('lets a device ask another and get the answer: request/response (§4.10)', async () => {
    const requester = await v5();
    const responder = await v5();
    await responder.subscribeAsync('rpc/light', { qos: 1 });
    responder.on('message', (_t, payload, packet) => {
      const { responseTopic, correlationData } = packet.properties ?? {};
      if (responseTopic) responder.publish(responseTopic, `done:${payload}`, { qos: 1, properties: { correlationData } });
    });
    await requester.subscribeAsync('rpc/replies/me', { qos: 1 });
    const reply = nextMessage(requester, 'rpc/replies/me');
    await requester.publishAsync('rpc/light', 'on', { qos: 1, properties: { responseTopic: 'rpc/replies/me', correlationData: Buffer.from('req-1') } });
    const r = await reply;
    expect(r.payload.toString()).toBe('done:on');
    expect(Buffer.from(r.packet.properties.correlationData).toString()).toBe('req-1');
  });

  it('does not deliver expired messages: retained or queued (§3.3.2.3.3, [MQTT-3.3.2-5])', async () => {
    const pub = await v5();
    await pub.publishAsync('exp/retained', 'short-lived', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('exp/kept', 'long-lived', { qos: 1, retain: true, properties: { messageExpiryInterval: 100 } });
    // A persistent session, offline, with a message queued for it that expires.
    const offline = await device();
    const s1 = await v5({ clean: false, properties: { sessionExpiryInterval: 60 } }, offline);
    await s1.subscribeAsync('exp/queued', { qos: 1 });
    await end(s1);
    await pub.publishAsync('exp/queued', 'stale', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await elapse(1100);
    const late = await v5();
    const kept = nextMessage(late, 'exp/kept');
    await late.subscribeAsync('exp/#', { qos: 1 });
    expect((await kept).payload.toString()).toBe('long-lived');
    expect(await receives(late, 'exp/retained', 300)).toBe(false);
    const seen: string[] = [];
    const back = await v5({ clean: false, properties: { sessionExpiryInterval: 60 }, setup: (c) => c.on('message', (t) => seen.push(t)) }, offline);
    expect(await receives(back, 'exp/queued', 300)).toBe(false);
    expect(seen).toEqual([]);
  });

  it('keeps a session for its Session Expiry Interval and no longer (§3.1.2.11.2, [MQTT-3.1.2-23])', async () => {
    const d = await device();
    // Each connection leaves a subscription behind: the session is what it keeps.
    const connack = async (clean: boolean, sessionExpiryInterval: number) => {
      const o = await tryConnect(app, d, { protocolVersion: 5, clean, properties: { sessionExpiryInterval } });
      if (!o.connected) throw new Error('refused');
      const present = Boolean((o.client as any).connackPacket?.sessionPresent);
      await o.client.subscribeAsync('session/t', { qos: 1 });
      await end(o.client);
      return present;
    };
    // Clean start with an expiry keeps the new session after the connection ends.
    expect(await connack(true, 1)).toBe(false);
    expect(await connack(false, 1)).toBe(true);
    // Gone once the interval has passed.
    await elapse(1500);
    expect(await connack(false, 10)).toBe(false);
    // A resume that sets the interval to 0 ends the session with the connection.
    expect(await connack(false, 0)).toBe(true);
    expect(await connack(false, 0)).toBe(false);
  });

  it('delivers the queued messages of a session resumed with Session Expiry Interval 0 ([MQTT-3.1.2-5])', async () => {
    const d = await device();
    const first = await v5({ clean: true, properties: { sessionExpiryInterval: 60 } }, d);
    await first.subscribeAsync('resume/t', { qos: 1 });
    await end(first);
    await (await v5()).publishAsync('resume/t', 'kept for you', { qos: 1 });
    let queued: ReturnType<typeof nextMessage> | undefined;
    await v5({ clean: false, properties: { sessionExpiryInterval: 0 }, setup: (c) => (queued = nextMessage(c, 'resume/t')) }, d);
    expect((await queued!).payload.toString()).toBe('kept for you');
  });

  it('publishes a will after its Will Delay Interval, and not when the client comes back in time (§3.1.3.2.2, [MQTT-3.1.3-9])', async () => {
    const watcher = await v5();
    await watcher.subscribeAsync('will/#', { qos: 1 });
    const d = await device();
    const will = (topic: string, willDelayInterval: number) => ({ topic, payload: Buffer.from('gone'), qos: 1 as const, retain: false, properties: { willDelayInterval } });
    // Delayed: not at once, then after the delay.
    // (A will waits at most as long as its session: [MQTT-3.1.3-9].)
    const c1 = await v5({ properties: { sessionExpiryInterval: 10 }, will: will('will/delayed', 1) }, d);
    const started = Date.now();
    const delayed = nextMessage(watcher, 'will/delayed', 5000);
    c1.stream.destroy();
    await delayed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // Reconnecting within the delay cancels it.
    const c2 = await v5({ clean: false, properties: { sessionExpiryInterval: 10 }, will: will('will/cancelled', 2) }, d);
    c2.stream.destroy();
    await closed(c2);
    await v5({ clean: false, properties: { sessionExpiryInterval: 10 } }, d);
    expect(await receives(watcher, 'will/cancelled', 2500)).toBe(false);
  });

  it('honours retain handling 0, 1 and 2 (§3.8.3.1, [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11])', async () => {
    const pub = await v5();
    await pub.publishAsync('rh/t', 'retained', { qos: 1, retain: true });
    const c = await v5();
    const first = nextMessage(c, 'rh/t');
    await c.subscribeAsync('rh/t', { qos: 1, rh: 1 });
    expect((await first).packet.retain).toBe(true);
    // rh 1: not again for an existing subscription.
    await c.subscribeAsync('rh/t', { qos: 1, rh: 1 });
    expect(await receives(c, 'rh/t', 300)).toBe(false);
    // rh 0: every time.
    const again = nextMessage(c, 'rh/t');
    await c.subscribeAsync('rh/t', { qos: 1, rh: 0 });
    await again;
    // rh 2: never.
    const other = await v5();
    await other.subscribeAsync('rh/t', { qos: 1, rh: 2 });
    expect(await receives(other, 'rh/t', 300)).toBe(false);
  });

  it('sends subscription identifiers with matching messages (§3.8.2.1.2, [MQTT-3.3.4-3])', async () => {
    const c = await v5();
    await c.subscribeAsync('sid/+', { qos: 1, properties: { subscriptionIdentifier: 42 } });
    const got = nextMessage(c, 'sid/x');
    await (await v5()).publishAsync('sid/x', 'hi', { qos: 1 });
    expect((await got).packet.properties.subscriptionIdentifier).toBe(42);
  });

  it('resolves inbound topic aliases and refuses invalid ones with 0x94 (§3.3.2.3.4, [MQTT-3.3.2-12])', async () => {
    const sub = await v5();
    await sub.subscribeAsync('alias/t', { qos: 1 });
    const pub = await v5({ autoUseTopicAlias: true });
    // The CONNACK advertises the maximum it accepts (§3.2.2.3.8).
    expect((pub as any).connackPacket?.properties?.topicAliasMaximum).toBe(4);
    const both: string[] = [];
    const two = new Promise<void>((resolve) =>
      sub.on('message', (t, p) => {
        both.push(`${t}:${p}`);
        if (both.length === 2) resolve();
      }),
    );
    await pub.publishAsync('alias/t', 'one', { qos: 1, properties: { topicAlias: 1 } });
    // Sent as the alias alone (empty topic).
    await pub.publishAsync('alias/t', 'two', { qos: 1 });
    await two;
    expect(both).toEqual(['alias/t:one', 'alias/t:two']);
    // An alias beyond the maximum: DISCONNECT 0x94 (raw packets: mqtt.js refuses to send one).
    const d = await device();
    const socket = net.connect(app.mqtt.port!, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const packets: Array<{ cmd: string; reasonCode?: number }> = [];
    const disconnected = new Promise<number | undefined>((resolve) => {
      parser.on('packet', (p: { cmd: string; reasonCode?: number }) => {
        packets.push(p);
        if (p.cmd === 'connack')
          socket.write(
            mqttPacket.generate({ cmd: 'publish', topic: 'alias/t', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { topicAlias: 99 } } as mqttPacket.Packet, {
              protocolVersion: 5,
            }),
          );
        if (p.cmd === 'disconnect') resolve(p.reasonCode);
      });
      socket.on('close', () => resolve(undefined));
    });
    socket.on('data', (b) => parser.parse(b));
    socket.write(connectV5(d));
    expect(await disconnected).toBe(0x94);
    socket.destroy();
  });

  it("advertises the Maximum Packet Size it accepts and respects the client's (§3.2.2.3.6, [MQTT-3.2.2-15] [MQTT-3.1.2-24])", async () => {
    const limit = PAYLOAD_LIMIT + 8192;
    const c = await v5();
    expect((c as any).connackPacket?.properties?.maximumPacketSize).toBe(limit);
    // Just within: accepted.
    const topic = 'mps/t';
    await c.publishAsync(topic, Buffer.alloc(limit - 2 - topic.length - 2 - 1 - 3, 1), { qos: 1 });
    // One byte over: refused with 0x95.
    const disconnect = new Promise<any>((resolve) => c.once('disconnect', resolve));
    c.publish(topic, Buffer.alloc(limit - 2 - topic.length - 2 - 1 - 3 + 1, 1), { qos: 1 });
    expect((await disconnect).reasonCode).toBe(0x95);
    // A client asking for at most 100 bytes gets the small message, not the large one.
    const small = await v5({ properties: { maximumPacketSize: 100 } });
    await small.subscribeAsync('mps/#', { qos: 1 });
    const seen: string[] = [];
    small.on('message', (t) => seen.push(t));
    const pub = await v5();
    await pub.publishAsync('mps/large', Buffer.alloc(200, 1), { qos: 1 });
    const last = nextMessage(small, 'mps/small');
    await pub.publishAsync('mps/small', 'ok', { qos: 1 });
    await last;
    expect(seen).toEqual(['mps/small']);
  });

  it("sends at most the client's Receive Maximum of unacknowledged QoS 1 messages (§4.9, [MQTT-3.3.4-9])", async () => {
    const d = await device();
    const v = { protocolVersion: 5 } as const;
    const socket = net.connect(app.mqtt.port!, '127.0.0.1');
    const parser = mqttPacket.parser(v);
    const publishes: Array<{ messageId?: number }> = [];
    const subscribed = new Promise<void>((resolve) =>
      parser.on('packet', (p: { cmd: string; messageId?: number }) => {
        if (p.cmd === 'suback') resolve();
        if (p.cmd === 'publish') {
          publishes.push(p);
          socket.emit('publish-arrived');
        }
      }),
    );
    socket.on('data', (b) => parser.parse(b));
    socket.write(connectV5(d, { receiveMaximum: 2 }));
    socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm/t', qos: 1 }] } as mqttPacket.Packet, v));
    await subscribed;
    const pub = await v5();
    for (let i = 0; i < 5; i++) await pub.publishAsync('rm/t', `m${i}`, { qos: 1 });
    const arrivals = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => publishes.length >= n && (socket.off('publish-arrived', check), resolve());
        socket.on('publish-arrived', check);
        check();
      });
    await arrivals(2);
    // Nothing more while both are unacknowledged (a bounded wait: nothing is expected to happen).
    await elapse(300);
    expect(publishes).toHaveLength(2);
    // Each PUBACK lets one more through.
    socket.write(mqttPacket.generate({ cmd: 'puback', messageId: publishes[0]!.messageId, reasonCode: 0 } as mqttPacket.Packet, v));
    await arrivals(3);
    await elapse(200);
    expect(publishes).toHaveLength(3);
    for (const p of publishes.slice(1)) socket.write(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId, reasonCode: 0 } as mqttPacket.Packet, v));
    await arrivals(5);
    socket.destroy();
  });

  it('delivers each message of a shared subscription to one member of the group, within the owner (§4.8.2, [MQTT-4.8.2-3])', async () => {
    const members = [await v5(), await v5(), await v5({ protocolVersion: 4 })];
    // Shared subscriptions are available: the CONNACK does not say otherwise (§3.2.2.3.15).
    expect((members[0] as any).connackPacket?.properties?.sharedSubscriptionAvailable).toBeUndefined();
    const plain = await v5();
    const counts = [0, 0, 0];
    members.forEach((m, i) => m.on('message', () => (counts[i]! += 1)));
    for (const m of members) await m.subscribeAsync('$share/workers/jobs/+', { qos: 1 });
    await plain.subscribeAsync('jobs/+', { qos: 1 });
    // Another owner's device with the same group and filter is not a member.
    const outsider = await connect(
      app,
      await (async () => {
        const other = (await signUp(app)).token;
        const r = await app.gql<any>('mutation{ createDevice(input:{name:"o"}){ deviceNumber username credentials { deviceKey } } }', {}, other);
        const d = r.data.createDevice;
        return { deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
      })(),
      { protocolVersion: 5 },
    );
    let outsiderGot = 0;
    outsider.on('message', () => (outsiderGot += 1));
    await outsider.subscribeAsync('$share/workers/jobs/+', { qos: 1 });
    const all = new Promise<void>((resolve) => {
      let n = 0;
      plain.on('message', () => ++n === 30 && resolve());
    });
    const pub = await v5();
    for (let i = 0; i < 30; i++) await pub.publishAsync(`jobs/${i}`, `job ${i}`, { qos: 1 });
    await all;
    // Once each across the group (all delivered before the marker reaches the last member).
    const marker = Promise.all(members.map((m) => nextMessage(m, 'jobs/marker')));
    for (const m of members) await m.subscribeAsync('jobs/marker', { qos: 1 });
    await pub.publishAsync('jobs/marker', 'm', { qos: 1 });
    await marker;
    expect(counts.reduce((a, b) => a + b, 0) - 3).toBe(30);
    expect(outsiderGot).toBe(0);
    // Unsubscribing leaves the group.
    await members[0]!.unsubscribeAsync('$share/workers/jobs/+');
    const before = counts[0]!;
    const done = nextMessage(plain, 'jobs/last');
    await pub.publishAsync('jobs/last', 'x', { qos: 1 });
    await done;
    expect(counts[0]).toBe(before);
  });

  it('keeps a subscription sent in the same packet burst as CONNECT and DISCONNECT (§3.14.4, [MQTT-4.6.0-1])', async () => {
    const d = await device();
    const v = { protocolVersion: 5 } as const;
    const burst = Buffer.concat([
      connectV5(d, { sessionExpiryInterval: 60 }),
      mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'burst/+', qos: 1 }] } as mqttPacket.Packet, v),
      mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0 } as mqttPacket.Packet, v),
    ]);
    const socket = net.connect(app.mqtt.port!, '127.0.0.1', () => socket.write(burst));
    const acks: string[] = [];
    const parser = mqttPacket.parser(v);
    parser.on('packet', (p: { cmd: string }) => acks.push(p.cmd));
    socket.on('data', (b) => parser.parse(b));
    await new Promise((resolve) => socket.on('close', resolve));
    // Packets are handled in order: the SUBSCRIBE completes (SUBACK) before the DISCONNECT ends the connection.
    expect(acks).toEqual(['connack', 'suback']);
    await (await v5()).publishAsync('burst/x', 'queued', { qos: 1 });
    let queued: ReturnType<typeof nextMessage> | undefined;
    await v5({ clean: false, properties: { sessionExpiryInterval: 60 }, setup: (c) => (queued = nextMessage(c, 'burst/x')) }, d);
    expect((await queued!).payload.toString()).toBe('queued');
  });

  it('works the same over one-way TLS (8883)', async () => {
    const sub = await v5({ listener: 'MQTTS' });
    await sub.subscribeAsync('tls/t', { qos: 1 });
    const got = nextMessage(sub, 'tls/t');
    await (await v5({ listener: 'MQTTS' })).publishAsync('tls/t', 'x', { qos: 1, properties: { userProperties: { over: 'tls' } } });
    expect((await got).packet.properties.userProperties).toEqual({ over: 'tls' });
  });
});
