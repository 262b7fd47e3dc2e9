import net from 'node:net';
import tls from 'node:tls';

import mqttPacket from 'mqtt-packet';

import type { Logger } from '../src/common/runtime';
import { signUp, startTestApp, type TestApp } from './support/app';
import { connect, end, endAll } from './support/mqtt';
import { MUTUAL_TLS_PORT } from './support/mutual-tls';

/**
 * Seeded fuzzing of the three listeners: generated and mutated packets of every MQTT 3.1.1 and 5 type, before and
 * after authentication. Whatever arrives, only that connection may end ([MQTT-4.13.1-1]: a malformed packet closes
 * the connection): the process stays up, nothing unhandled is logged, and good devices still work afterwards.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const PACKETS = 20_000;
const PER_CONNECTION = 50;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const bytes = (r: Rand, n: number) => Buffer.from(Array.from({ length: n }, () => int(r, 256)));
const topic = (r: Rand) => pick(r, ['a', 'a/b', '+/x', '#', '$SYS/x', '', 'a/+/#', 'x'.repeat(int(r, 300)), '$share/g/a', '\u0000', 'ü/☃']);
const props = (r: Rand, v: number): Record<string, unknown> | undefined =>
  v !== 5 || r() < 0.3
    ? undefined
    : pick(r, [
        { userProperties: { k: 'v', [String(int(r, 9))]: ['a', 'b'] } },
        { contentType: 'text/plain', payloadFormatIndicator: true, messageExpiryInterval: int(r, 5) },
        { responseTopic: topic(r), correlationData: bytes(r, int(r, 20)) },
        { topicAlias: int(r, 70000) },
        { subscriptionIdentifier: int(r, 300000000) },
        { reasonString: 'x', sessionExpiryInterval: int(r, 10) },
      ]);

/** A packet of a random type with random fields, encoded by mqtt-packet (null when it refuses the fields). */
function generate(r: Rand, v: 4 | 5): Buffer | null {
  const messageId = int(r, 65536);
  const cmd = pick(r, [
    'connect',
    'connack',
    'publish',
    'puback',
    'pubrec',
    'pubrel',
    'pubcomp',
    'subscribe',
    'suback',
    'unsubscribe',
    'unsuback',
    'pingreq',
    'pingresp',
    'disconnect',
    'auth',
  ] as const);
  const p: Record<string, unknown> = { cmd, messageId, properties: props(r, v) };
  if (cmd === 'connect') Object.assign(p, { protocolVersion: v, clientId: pick(r, ['', 'x', 'y'.repeat(200)]), clean: r() < 0.5, keepalive: int(r, 100) });
  if (cmd === 'publish') Object.assign(p, { topic: topic(r), payload: bytes(r, int(r, 64)), qos: int(r, 3), retain: r() < 0.3, dup: r() < 0.1 });
  if (cmd === 'subscribe') p.subscriptions = Array.from({ length: int(r, 4) }, () => ({ topic: topic(r), qos: int(r, 3), nl: r() < 0.5, rap: r() < 0.5, rh: int(r, 3) }));
  if (cmd === 'unsubscribe') p.unsubscriptions = Array.from({ length: int(r, 4) }, () => topic(r));
  if (cmd === 'suback') p.granted = [int(r, 3)];
  if (cmd === 'unsuback' && v === 5) p.granted = [0];
  if (cmd === 'connack') Object.assign(p, { returnCode: 0, reasonCode: 0, sessionPresent: false });
  if (['puback', 'pubrec', 'pubrel', 'pubcomp', 'disconnect', 'auth'].includes(cmd)) p.reasonCode = pick(r, [0, 0x80, 0x10, 0x18]);
  try {
    return mqttPacket.generate(p as unknown as mqttPacket.Packet, { protocolVersion: v });
  } catch {
    return null;
  }
}

/** A generated packet, possibly mutated: bytes flipped, cut, inserted, or its length field lied about. */
function packet(r: Rand, v: 4 | 5): Buffer {
  const base = generate(r, v) ?? bytes(r, 1 + int(r, 20));
  const b = Buffer.from(base);
  switch (int(r, 6)) {
    case 0:
      return b;
    case 1:
      for (let i = 0; i < 1 + int(r, 4); i++) b[int(r, b.length)] = int(r, 256);
      return b;
    case 2:
      return b.subarray(0, int(r, b.length + 1));
    case 3:
      return Buffer.concat([b.subarray(0, 2), bytes(r, int(r, 10)), b.subarray(2)]);
    case 4:
      if (b.length > 1) b[1] = int(r, 256);
      return b;
    default:
      return bytes(r, 1 + int(r, 40));
  }
}

/** The four packets that used to end the process (issue #9), sent after an MQTT 5 CONNECT. */
const KILLERS = [
  Buffer.from([0x82, 0x03, 0x00, 0x01, 0x00]), // SUBSCRIBE with no filters
  Buffer.from([0xa2, 0x03, 0x00, 0x01, 0x00]), // UNSUBSCRIBE with an empty list
  Buffer.from([0x82, 0x06, 0x00, 0x01, 0x09, 0x0b, 0xff, 0xff]), // SUBSCRIBE whose properties do not parse
  Buffer.from([0xa2, 0x06, 0x00, 0x01, 0x09, 0x26, 0xff, 0xff]), // UNSUBSCRIBE whose properties do not parse
];

interface Login {
  clientId: string;
  username: string;
  password?: string;
}

const connectPacket = (v: 4 | 5, login: Login | null) =>
  mqttPacket.generate(
    {
      cmd: 'connect',
      protocolVersion: v,
      protocolId: 'MQTT',
      clean: true,
      keepalive: 30,
      clientId: login?.clientId ?? 'nobody',
      username: login?.username,
      password: login?.password ? Buffer.from(login.password) : undefined,
    } as mqttPacket.Packet,
    { protocolVersion: v },
  );

/** Opens a socket, writes `chunks` in order and resolves once the server closed it or it went quiet. */
function session(open: () => net.Socket, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = open();
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    // Bounded: a connection the server keeps open is ended by us after a short while.
    const timer = setTimeout(done, 300);
    socket.on('error', done);
    socket.on('close', done);
    socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => {
      for (const c of chunks) if (!socket.destroyed) socket.write(c);
    });
  });
}

describe('fuzzing the message server (seeded, reproducible)', () => {
  let app: TestApp;
  const errors: string[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  const log: Logger = { error: (m) => errors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined };
  let token: Login;
  let cert: Login & { cert: string; key: string };

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    app = await startTestApp({ app: { log } });
    const { token: t } = await signUp(app);
    const gql = async (q: string, v: Record<string, unknown> = {}) => {
      const r = await app.gql<any>(q, v, t);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data;
    };
    const d = (await gql('mutation{ createDevice(input:{name:"fuzz"}){ deviceNumber username credentials { deviceKey } } }')).createDevice;
    token = { clientId: d.deviceNumber, username: d.username, password: d.credentials.deviceKey };
    const m = (await gql('mutation{ createDevice(input:{name:"fuzz-mtls", authType: CERTIFICATE}){ id deviceNumber username } }')).createDevice;
    const c = (await gql('mutation{ createCertificate(name:"fuzz"){ id certificatePem privateKeyPem } }')).createCertificate;
    await gql('mutation($c:ID!,$d:ID!){ bindCertificate(certificateId:$c,deviceId:$d){ id } }', { c: c.id, d: m.id });
    cert = { clientId: m.deviceNumber, username: m.username, cert: c.certificatePem, key: c.privateKeyPem };
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await endAll();
    await app.stop();
  });

  it(`survives ${PACKETS} generated and mutated packets on every listener, before and after authentication`, async () => {
    const r = rng(SEED);
    const ca = app.services.pki.caCertificatePem();
    const listeners = [
      { login: token, open: () => net.connect(app.mqtt.port!, '127.0.0.1') },
      { login: token, open: () => tls.connect({ port: app.mqtt.tlsPort!, host: '127.0.0.1', ca, servername: 'localhost' }) },
      { login: cert as Login, open: () => tls.connect({ port: MUTUAL_TLS_PORT(app), host: '127.0.0.1', ca, cert: cert.cert, key: cert.key, servername: 'localhost' }) },
    ];
    const plans: Array<{ open: () => net.Socket; chunks: Buffer[] }> = [];
    // The fixed cases: each killer packet unauthenticated and authenticated, on each listener.
    for (const l of listeners) {
      for (const k of KILLERS) {
        plans.push({ open: l.open, chunks: [connectPacket(5, null), k] });
        plans.push({ open: l.open, chunks: [connectPacket(5, l.login), k] });
      }
    }
    let sent = 0;
    for (let i = 0; sent < PACKETS; i++) {
      const l = listeners[i % listeners.length]!;
      const v = r() < 0.5 ? 5 : 4;
      const chunks: Buffer[] = [];
      // Half the connections authenticate first (one of them takes the device over from the previous one).
      const authenticated = r() < 0.5;
      if (authenticated) chunks.push(connectPacket(v, l.login));
      else if (r() < 0.5) chunks.push(connectPacket(v, null));
      for (let j = 0; j < PER_CONNECTION; j++) chunks.push(packet(r, v));
      sent += PER_CONNECTION;
      plans.push({ open: l.open, chunks: r() < 0.5 ? chunks : [Buffer.concat(chunks)] });
    }
    // A few connections at a time.
    const queue = [...plans];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) await session(p.open, p.chunks);
      }),
    );
    expect(sent).toBeGreaterThanOrEqual(PACKETS);
    await app.services.messageServer.settle();
    expect(uncaught).toEqual([]);
    expect(errors).toEqual([]);

    // A good device still connects and publishes; its message is stored.
    const c = await connect(app, { deviceNumber: token.clientId, username: token.username, key: token.password }, { protocolVersion: 5 });
    await c.publishAsync('after/fuzz', 'still here', { qos: 1 });
    await end(c);
    await app.services.deviceEvents.writer.flush();
    const rows = await app.services.deviceEvents.list(await ownerOf(app, token.clientId), { topic: 'after/fuzz', first: 5 });
    expect(rows.items.map((n) => n.payload)).toEqual(['still here']);
  }, 120_000);
});

async function ownerOf(app: TestApp, deviceNumber: string): Promise<string> {
  const rows = (await app.services.ds.query('SELECT organization_id FROM devices WHERE device_number = ?', [deviceNumber])) as Array<{ organization_id: string }>;
  return rows[0]!.organization_id;
}
