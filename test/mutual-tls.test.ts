import fs from 'node:fs';
import path from 'node:path';

import mqtt, { type IClientOptions } from 'mqtt';

import { createCaCertificate, issueCertificate } from '../src/pki/x509';
import { signUp, startTestApp, tempDir, type TestApp } from './support/app';
import { closed, end, nextLogRow, type Outcome, OUTCOME_TIMEOUT_MS, outcomeOf } from './support/mqtt';
import { MUTUAL_TLS_PORT } from './support/mutual-tls';
import { fixture, hasPaho, PAHO_MISSING, PYTHON, run } from './support/python';

const DAY = 24 * 3600 * 1000;
interface DeviceCreds {
  ca: string;
  cert: string;
  key: string;
  clientId: string;
  username?: string;
  protocolVersion?: 4 | 5;
}

/** Connects over mutual TLS and resolves with the first outcome: CONNACK accepted, refused, or the connection closed. */
function tryConnect(port: number, c: DeviceCreds): Promise<Outcome> {
  const options: IClientOptions = {
    protocol: 'mqtts',
    host: '127.0.0.1',
    port,
    ca: c.ca,
    cert: c.cert,
    key: c.key,
    clientId: c.clientId,
    username: c.username,
    protocolVersion: c.protocolVersion ?? 4,
    rejectUnauthorized: true,
    reconnectPeriod: 0,
    connectTimeout: OUTCOME_TIMEOUT_MS,
  };
  return outcomeOf(mqtt.connect(options));
}

describe('two-way TLS on the mutual-TLS listener (8884)', () => {
  let app: TestApp;
  let now: Date;
  let user: { token: string };
  let port: number;
  let ca: string;

  beforeAll(async () => {
    now = new Date();
    app = await startTestApp({ app: { clock: () => now }, config: { auth: { tokenTtlSeconds: 10 * 365 * 86400, passwordHashCost: 1024 } } });
    port = MUTUAL_TLS_PORT(app);
    ca = app.services.pki.caCertificatePem();
    user = await signUp(app);
  });
  afterAll(() => app.stop());
  beforeEach(() => {
    now = new Date();
  });

  const gql = async (query: string, vars: Record<string, unknown> = {}) => {
    const r = await app.gql(query, vars, user.token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const newDevice = async (authType: 'CERTIFICATE' | 'TOKEN' = 'CERTIFICATE') =>
    (await gql('mutation($a:DeviceAuthType){ createDevice(input:{name:"m",authType:$a}){ id deviceNumber username } }', { a: authType })).createDevice as {
      id: string;
      deviceNumber: string;
      username: string;
    };
  const newCert = async (validityDays?: number, keyAlgorithm: 'ECDSA' | 'RSA' = 'ECDSA') =>
    (
      await gql('mutation($v:Int,$k:KeyAlgorithm){ createCertificate(name:"mtls",validityDays:$v,keyAlgorithm:$k){ id fingerprint certificatePem privateKeyPem } }', {
        v: validityDays,
        k: keyAlgorithm,
      })
    ).createCertificate as {
      id: string;
      fingerprint: string;
      certificatePem: string;
      privateKeyPem: string;
    };
  const bind = (c: string, d: string) => gql('mutation($c:ID!,$d:ID!){ bindCertificate(certificateId:$c,deviceId:$d){ id } }', { c, d });
  const logs = async (deviceId: string) =>
    (await gql('query($d:ID!){ device(id:$d){ connectionLogs(first:20){ nodes { eventType reason listener certificateFingerprint } } } }', { d: deviceId })).device.connectionLogs.nodes as Array<{
      eventType: string;
      reason: string | null;
      listener: string;
      certificateFingerprint: string | null;
    }>;

  it.each([
    [4, 'ECDSA'],
    [5, 'ECDSA'],
    [4, 'RSA'],
  ] as const)('connects a CERTIFICATE device with a bound certificate, no password (MQTT protocol %i, %s key)', async (protocolVersion, algorithm) => {
    const d = await newDevice();
    const c = await newCert(undefined, algorithm);
    await bind(c.id, d.id);
    const o = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: d.deviceNumber, username: d.username, protocolVersion });
    expect(o.connected).toBe(true);
    // It exchanges messages like any device.
    const got = new Promise<string>((resolve) => o.client.once('message', (_t, payload) => resolve(payload.toString())));
    await o.client.subscribeAsync('/hello');
    await o.client.publishAsync('/hello', JSON.stringify({ hello: 'world' }));
    expect(JSON.parse(await got)).toEqual({ hello: 'world' });
    await end(o.client, true);
    const connected = (await logs(d.id)).find((l) => l.eventType === 'CONNECTED');
    expect(connected).toMatchObject({ listener: 'MQTTS_MUTUAL', certificateFingerprint: c.fingerprint });
  });

  it('refuses a certificate that is not bound to the device (not authorized), and logs why', async () => {
    const d = await newDevice();
    const c = await newCert();
    const o = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: d.deviceNumber });
    expect(o.connected).toBe(false);
    if (!o.connected) expect(o.error?.code).toBe(5);
    const failed = (await logs(d.id)).find((l) => l.eventType === 'AUTH_FAILED');
    expect(failed).toMatchObject({ listener: 'MQTTS_MUTUAL', certificateFingerprint: c.fingerprint });
    expect(failed?.reason).toMatch(/not bound/);
  });

  it.each([4, 5] as const)("refuses a username that is not the device's as bad credentials, logged (MQTT protocol %i)", async (protocolVersion) => {
    const d = await newDevice();
    const c = await newCert();
    await bind(c.id, d.id);
    const o = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: d.deviceNumber, username: 'someone-else', protocolVersion });
    expect(o.connected).toBe(false);
    if (!o.connected) expect(o.error?.code).toBe(protocolVersion === 5 ? 0x86 : 4);
    const failed = (await logs(d.id)).find((l) => l.eventType === 'AUTH_FAILED');
    expect(failed).toMatchObject({ listener: 'MQTTS_MUTUAL', certificateFingerprint: c.fingerprint });
    expect(failed?.reason).toMatch(/^bad username or password/);
  });

  it('refuses a token device even with a valid certificate bound elsewhere', async () => {
    const certDevice = await newDevice();
    const tokenDevice = await newDevice('TOKEN');
    const c = await newCert();
    await bind(c.id, certDevice.id);
    const o = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: tokenDevice.deviceNumber });
    expect(o.connected).toBe(false);
    if (!o.connected) expect(o.error?.code).toBe(5);
    expect((await logs(tokenDevice.id)).some((l) => l.eventType === 'AUTH_FAILED')).toBe(true);
  });

  it('disconnects a live session at once when its certificate is revoked, and logs the reason', async () => {
    const d = await newDevice();
    const c = await newCert();
    await bind(c.id, d.id);
    const o = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: d.deviceNumber });
    expect(o.connected).toBe(true);
    const kicked = closed(o.client);
    const logged = nextLogRow(app, (r) => r.deviceId === d.id && r.eventType === 'DISCONNECTED');
    await gql('mutation($id:ID!){ revokeCertificate(id:$id, reason:"lost device"){ status } }', { id: c.id });
    await kicked;
    await end(o.client, true);
    expect((await logged).reason).toMatch(/revoked: lost device/);
    const disconnected = (await logs(d.id)).find((l) => l.eventType === 'DISCONNECTED');
    expect(disconnected).toMatchObject({ listener: 'MQTTS_MUTUAL', certificateFingerprint: c.fingerprint });
    // And it cannot come back.
    const again = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: d.deviceNumber });
    expect(again.connected).toBe(false);
    expect((await logs(d.id))[0]).toMatchObject({ eventType: 'AUTH_FAILED', certificateFingerprint: c.fingerprint });
    expect((await logs(d.id))[0]!.reason).toMatch(/revoked/);
  });

  it('disconnects the session of the device a certificate is unbound from, not other devices using it', async () => {
    const d1 = await newDevice();
    const d2 = await newDevice();
    const c = await newCert();
    await bind(c.id, d1.id);
    await bind(c.id, d2.id);
    const o1 = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: d1.deviceNumber });
    const o2 = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: d2.deviceNumber });
    expect([o1.connected, o2.connected]).toEqual([true, true]);
    let d1Closed = false;
    o1.client.once('close', () => (d1Closed = true));
    const kicked = closed(o2.client);
    await gql('mutation($c:ID!,$d:ID!){ unbindCertificate(certificateId:$c,deviceId:$d){ id } }', { c: c.id, d: d2.id });
    await kicked;
    // d1 still works: a full round trip through the broker after d2 was kicked.
    const echoed = new Promise<void>((resolve) => o1.client.once('message', () => resolve()));
    await o1.client.subscribeAsync('/still-here');
    await o1.client.publishAsync('/still-here', 'yes');
    await echoed;
    expect(d1Closed).toBe(false);
    await end(o1.client, true);
    await end(o2.client, true);
  });

  it('refuses an expired certificate (the app clock passed notAfter)', async () => {
    const d = await newDevice();
    const c = await newCert(1);
    await bind(c.id, d.id);
    now = new Date(Date.now() + DAY + 60_000);
    const o = await tryConnect(port, { ca, cert: c.certificatePem, key: c.privateKeyPem, clientId: d.deviceNumber });
    expect(o.connected).toBe(false);
    if (!o.connected) expect(o.error?.code).toBe(5);
    expect((await logs(d.id))[0]?.reason).toMatch(/expired/);
  });

  it('never completes the handshake for a certificate from another CA (same subject, same device)', async () => {
    const d = await newDevice();
    const real = await newCert();
    await bind(real.id, d.id);
    const start = new Date();
    const foreignCa = await createCaCertificate({ algorithm: 'ECDSA', commonName: 'Portico Platform Root CA', notBefore: start, notAfter: new Date(start.getTime() + 30 * DAY) });
    const forged = await issueCertificate({
      ca: { certificate: foreignCa.certificate, key: foreignCa.signingKey },
      algorithm: 'ECDSA',
      commonName: 'mtls',
      notBefore: start,
      notAfter: new Date(start.getTime() + DAY),
      usage: 'client',
    });
    const logged = nextLogRow(app, (r) => r.listener === 'MQTTS_MUTUAL' && r.eventType === 'AUTH_FAILED' && /handshake/i.test(r.reason ?? ''));
    const o = await tryConnect(port, { ca, cert: forged.certificatePem, key: forged.privateKeyPem, clientId: d.deviceNumber });
    expect(o.connected).toBe(false);
    // The failed handshake is logged (without a device: no MQTT CONNECT was ever read)...
    expect(await logged).toMatchObject({ deviceId: null, organizationId: null });
    // ...and nothing reached the device's own connection log.
    expect(await logs(d.id)).toEqual([]);
  });

  it('never completes the handshake without a client certificate', async () => {
    const d = await newDevice();
    const logged = nextLogRow(app, (r) => r.listener === 'MQTTS_MUTUAL' && r.eventType === 'AUTH_FAILED' && /handshake/i.test(r.reason ?? ''));
    const o = await tryConnect(port, { ca, cert: undefined as unknown as string, key: undefined as unknown as string, clientId: d.deviceNumber });
    expect(o.connected).toBe(false);
    await logged;
    expect(await logs(d.id)).toEqual([]);
  });
});

/** The seed's two-way python sample (paho-mqtt 1.6, Debian's python3-paho-mqtt) with a downloaded bundle. */
describe('seed two-way sample with python paho-mqtt 1.6', () => {
  if (!hasPaho) {
    it.skip(PAHO_MISSING, () => undefined);
    return;
  }

  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('connects with root_ca.crt, <name>.crt and <name>.key from bundle.zip and receives its own /hello', async () => {
    const { token } = await signUp(app);
    const q = async (query: string, vars: Record<string, unknown> = {}) => (await app.gql(query, vars, token)).data;
    const d = (await q('mutation{ createDevice(input:{name:"py",authType:CERTIFICATE}){ id deviceNumber username } }')).createDevice;
    const c = (await q('mutation{ createCertificate(name:"default"){ id } }')).createCertificate;
    await q('mutation($c:ID!,$d:ID!){ bindCertificate(certificateId:$c,deviceId:$d){ id } }', { c: c.id, d: d.id });

    const dir = tempDir('portico-bundle-');
    try {
      const res = await fetch(`${app.url}/certificates/${c.id}/bundle.zip`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      fs.writeFileSync(path.join(dir, 'bundle.zip'), Buffer.from(await res.arrayBuffer()));
      await run(PYTHON, ['-m', 'zipfile', '-e', path.join(dir, 'bundle.zip'), dir]);
      expect(fs.readdirSync(dir).sort()).toEqual(['bundle.zip', 'default.crt', 'default.key', 'root_ca.crt']);

      const script = fixture('two_way_auth.py');
      const out = await run(PYTHON, [script, 'localhost', String(MUTUAL_TLS_PORT(app)), d.deviceNumber, d.username, dir, 'default']);
      expect(out).toContain('Connected with result code 0');
      expect(out).toContain(`topic: /hello, payload: b'{"hello": "world"}'`);

      // An unbound certificate is refused with "not authorized" (5).
      await q('mutation($c:ID!,$d:ID!){ unbindCertificate(certificateId:$c,deviceId:$d){ id } }', { c: c.id, d: d.id });
      const refused = await run(PYTHON, [script, '127.0.0.1', String(MUTUAL_TLS_PORT(app)), d.deviceNumber, d.username, dir, 'default'], 2);
      expect(refused).toContain('Connected with result code 5');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
