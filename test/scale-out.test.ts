import mqtt, { type MqttClient } from 'mqtt';

import { clusterConfig, signUp, startTestApp, type TestApp } from './support/app';
import { nextEvent } from './support/events';
import { subscribe } from './support/ws';

/**
 * Two Portico instances on this machine's real PostgreSQL and Redis act as one service: one registry, MQTT
 * messages across instances, subscriptions that see what the other instance recorded, takeover across instances.
 */

describe('scale-out: two instances on PostgreSQL + Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let dropDb: () => Promise<void>;
  let token: string;
  let organizationId: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    // The shared MQTT state of this test's cluster lives apart from any other on the machine's Redis.
    const cluster = await clusterConfig();
    dropDb = cluster.drop;
    a = await startTestApp({ config: cluster.config });
    b = await startTestApp({ config: cluster.config });
    const user = await signUp(a);
    token = user.token;
    organizationId = user.orgId;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await dropDb?.();
  });

  async function device(name: string) {
    const r = await a.gql('mutation($n:String!){ createDevice(input:{name:$n}){ id deviceNumber username credentials { deviceKey } } }', { n: name }, token);
    const d = r.data.createDevice;
    return { id: d.id as string, clientId: d.deviceNumber as string, username: d.username as string, key: d.credentials.deviceKey as string };
  }

  async function connect(app: TestApp, d: Awaited<ReturnType<typeof device>>): Promise<MqttClient> {
    const c = mqtt.connect({ host: '127.0.0.1', port: app.mqtt.port!, clientId: d.clientId, username: d.username, password: d.key, reconnectPeriod: 0 });
    clients.push(c);
    await nextEvent(c, 'connect');
    return c;
  }

  it('shares one registry: a token from A works on B, a device created on A is listed on B', async () => {
    expect(a.services.instanceId).not.toBe(b.services.instanceId);
    const d = await device('shared');
    const onB = await b.gql('query($id:ID!){ device(id:$id){ name } me { personalOrganizationId } }', { id: d.id }, token);
    expect(onB.data).toEqual({ device: { name: 'shared' }, me: { personalOrganizationId: organizationId } });
  });

  it('carries MQTT messages between devices connected to different instances', async () => {
    const sender = await connect(a, await device('sender'));
    const receiver = await connect(b, await device('receiver'));
    await receiver.subscribeAsync('room/1', { qos: 1 });
    const got = nextEvent<string>(receiver, 'message');
    await sender.publishAsync('room/1', '{"t":1}', { qos: 1 });
    expect(await got).toBe('room/1');
  });

  it('delivers on B the device events and connection log that A recorded', async () => {
    const d = await device('reporter');
    const events = subscribe(b.graphqlUrl, token, 'subscription($d:ID!){ deviceEventAdded(deviceId:$d){ topic json } }', { d: d.id });
    const logs = subscribe(b.graphqlUrl, token, 'subscription($d:ID!){ connectionLogAdded(deviceId:$d){ eventType } }', { d: d.id });
    try {
      await b.services.pubSub.whenSubscribed(b.services.deviceEvents.topic(organizationId));
      await b.services.pubSub.whenSubscribed(b.services.connectionLog.topic(organizationId));
      const c = await connect(a, d);
      await c.publishAsync('telemetry', '{"v":42}', { qos: 1 });
      expect((await logs.next()).data!.connectionLogAdded).toEqual({ eventType: 'CONNECTED' });
      expect((await events.next()).data!.deviceEventAdded).toEqual({ topic: 'telemetry', json: { v: 42 } });
    } finally {
      await events.close();
      await logs.close();
    }
  });

  it('lets a connection on B take over the same client id on A, and keeps the device ONLINE', async () => {
    const d = await device('roamer');
    const logs = subscribe(a.graphqlUrl, token, 'subscription($d:ID!){ connectionLogAdded(deviceId:$d){ eventType reason } }', { d: d.id });
    try {
      await a.services.pubSub.whenSubscribed(a.services.connectionLog.topic(organizationId));
      const first = await connect(a, d);
      expect((await logs.next()).data!.connectionLogAdded.eventType).toBe('CONNECTED');
      const closed = nextEvent(first, 'close');
      await connect(b, d);
      await closed;
      const seen = [(await logs.next()).data!.connectionLogAdded, (await logs.next()).data!.connectionLogAdded];
      expect(seen).toEqual(
        expect.arrayContaining([
          { eventType: 'CONNECTED', reason: null },
          { eventType: 'TAKEN_OVER', reason: expect.stringContaining('taken over') },
        ]),
      );
      await a.services.messageServer.settle();
      await b.services.messageServer.settle();
      const status = await a.gql('query($id:ID!){ device(id:$id){ status } }', { id: d.id }, token);
      expect(status.data.device.status).toBe('ONLINE');
    } finally {
      await logs.close();
    }
  });

  it('kicks a device connected to B when its key is regenerated through A', async () => {
    const d = await device('rotated');
    const c = await connect(b, d);
    const keyOn = async (app: typeof a) => (await app.gql('query($id:ID!){ device(id:$id){ credentials { deviceKey } } }', { id: d.id }, token)).data.device.credentials.deviceKey;
    expect(await keyOn(b)).toBe(d.key); // B now keeps the key (CredentialService.keysFor)
    const closed = nextEvent(c, 'close');
    const rotated = await a.gql('mutation($id:ID!){ regenerateDeviceKey(id:$id){ credentials { deviceKey } } }', { id: d.id }, token);
    await closed;
    // B reads the new key: the change dropped the one it kept.
    expect(await keyOn(b)).toBe(rotated.data.regenerateDeviceKey.credentials.deviceKey);
    expect(await keyOn(b)).not.toBe(d.key);
    // And B no longer accepts the old key (its credential cache was dropped too).
    const retry = mqtt.connect({ host: '127.0.0.1', port: b.mqtt.port!, clientId: d.clientId, username: d.username, password: d.key, reconnectPeriod: 0 });
    clients.push(retry);
    const err = await nextEvent<Error & { code?: number }>(retry, 'error');
    expect(err.code).toBe(4);
  });

  it('answers requestDevice asked on A from a device connected to B, and disconnects through A a device on B', async () => {
    const d = await device('remote');
    const c = await connect(b, d);
    await c.subscribeAsync('ask/+', { qos: 1 });
    c.on('message', (topic) => c.publish(`ask/reply/${topic.split('/').pop()}`, 'from B', { qos: 1 }));
    const r = await a.gql('mutation($d:ID!){ requestDevice(deviceId:$d, input:{ topic:"ask", payload:"?" }, timeoutMs: 5000){ reply { payload } } }', { d: d.id }, token);
    expect(r.data?.requestDevice.reply.payload).toBe('from B');
    const closed = nextEvent(c, 'close');
    await a.gql('mutation($d:ID!){ disconnectDevice(id:$d){ id } }', { d: d.id }, token);
    await closed;
  });

  it('shares retained messages and persistent sessions: a session subscribed on A gets on B what was queued through B', async () => {
    const publisher = await connect(b, await device('publisher'));
    await publisher.publishAsync('config/led', 'on', { qos: 1, retain: true });
    const d = await device('sleeper');
    const login = { host: '127.0.0.1', clientId: d.clientId, username: d.username, password: d.key, reconnectPeriod: 0, clean: false };
    const first = mqtt.connect({ ...login, port: a.mqtt.port! });
    clients.push(first);
    await nextEvent(first, 'connect');
    await first.subscribeAsync('cmd/#', { qos: 1 });
    await first.endAsync();
    for (let i = 1; i <= 5; i++) await publisher.publishAsync('cmd/light', `m${i}`, { qos: 1 });
    // [MQTT-3.1.2-4] the session is resumed (on the other instance) and the queued QoS 1 messages arrive, in order.
    const again = mqtt.connect({ ...login, port: b.mqtt.port! });
    clients.push(again);
    const got: string[] = [];
    again.on('message', (_topic, payload) => got.push(payload.toString()));
    const connack = await nextEvent<{ sessionPresent: boolean }>(again, 'connect');
    expect(connack.sessionPresent).toBe(true);
    while (got.length < 5) await nextEvent(again, 'message');
    expect(got).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    // [MQTT-3.3.1-6] a new subscriber on A gets the retained message published through B.
    const reader = await connect(a, await device('reader'));
    const retained = new Promise<{ topic: string; payload: string; retain: boolean }>((resolve) =>
      reader.once('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), retain: packet.retain })),
    );
    await reader.subscribeAsync('config/#', { qos: 1 });
    expect(await retained).toEqual({ topic: 'config/led', payload: 'on', retain: true });
  });

  it('refuses to start, saying so, when Redis does not answer', async () => {
    await expect(startTestApp({ config: { redisUrl: 'redis://127.0.0.1:1', redisStartTimeoutMs: 300 } })).rejects.toThrow(/Redis at 127\.0\.0\.1:1 did not answer within 300 ms/);
  });
});
