import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

import mqttPacket from 'mqtt-packet';

import { ConnectionEventType, MqttListener } from '../src/history/connection-log.entity';
import { createCaCertificate, issueCertificate } from '../src/pki/x509';
import { signUp, startTestApp, tempDir, type TestApp } from './support/app';
import { connect, end, endAll, nextLogRow, nextMessage, tryConnect } from './support/mqtt';
import { fixture, hasPaho, PAHO_MISSING, PYTHON, run } from './support/python';

interface Device {
  id: string;
  deviceNumber: string;
  username: string;
  key: string;
}

describe('one-way TLS listener (8883) and the seed samples', () => {
  let app: TestApp;
  let user: { token: string; id: string };

  beforeAll(async () => {
    app = await startTestApp();
    user = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  const newDevice = async (): Promise<Device> => {
    const r = await app.gql('mutation{ createDevice(input:{name:"tls"}){ id deviceNumber username credentials { deviceKey } } }', {}, user.token);
    const d = r.data.createDevice;
    return { id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
  };
  const logs = async (deviceId: string) => (await app.gql('query($d:ID!){ connectionLog(deviceId:$d){ nodes { eventType listener reason } } }', { d: deviceId }, user.token)).data.connectionLog.nodes;

  it('reports its bound ports', () => {
    expect(app.mqtt.port).toBeGreaterThan(0);
    expect(app.mqtt.tlsPort).toBeGreaterThan(0);
    expect(app.mqtt.mutualTlsPort).toBeGreaterThan(0);
    expect(app.mqttEndpoints).toMatchObject({ host: '127.0.0.1', ...app.mqtt, tlsServerName: 'localhost' });
  });

  it.each([4, 5] as const)('authenticates token devices over TLS verified against the platform CA (MQTT protocol %i)', async (protocolVersion) => {
    const d = await newDevice();
    const c = await connect(app, d, { listener: 'MQTTS', protocolVersion });
    const got = nextMessage(c, '/hello');
    await c.subscribeAsync('/hello');
    await c.publishAsync('/hello', JSON.stringify({ hello: 'world' }), { qos: 1 });
    expect(JSON.parse((await got).payload.toString())).toEqual({ hello: 'world' });
    await end(c);
    expect((await logs(d.id)).map((l: { listener: string }) => l.listener)).toEqual(['MQTTS', 'MQTTS']);
    const refused = await tryConnect(app, { ...d, key: 'wrong' }, { listener: 'MQTTS', protocolVersion });
    expect(refused.code).toBe(protocolVersion === 5 ? 0x86 : 4);
  });

  it('is not reachable with a CA other than the platform CA', async () => {
    const d = await newDevice();
    const foreign = await createCaCertificate({ algorithm: 'ECDSA', commonName: 'Someone else', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
    const o = await tryConnect(app, d, { listener: 'MQTTS', ca: foreign.certificatePem });
    expect(o.connected).toBe(false);
    if (!o.connected) expect(o.error?.message).toMatch(/certificate/);
  });

  it('logs failed two-way TLS handshakes as AUTH_FAILED without a device', async () => {
    const d = await newDevice();
    /** Opens a two-way TLS connection the server refuses, sends CONNECT, and resolves with the row it logs. */
    const refusedHandshake = async (extra: tls.ConnectionOptions) => {
      const logged = nextLogRow(app, (r) => r.listener === MqttListener.MQTTS_MUTUAL && r.eventType === ConnectionEventType.AUTH_FAILED);
      const socket = tls.connect({ host: '127.0.0.1', port: app.mqtt.mutualTlsPort!, ca: app.services.pki.caCertificatePem(), servername: 'localhost', ...extra });
      socket.on('error', () => undefined);
      // TLS 1.3: the client finishes first; the server's refusal arrives as an alert and closes the socket.
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: d.deviceNumber, clean: true, keepalive: 0 }));
      try {
        return await logged;
      } finally {
        socket.destroy();
      }
    };

    // No client certificate at all.
    const noCert = await refusedHandshake({});
    expect(noCert).toMatchObject({ deviceId: null, organizationId: null, remoteAddress: '127.0.0.1' });
    expect(noCert.reason).toMatch(/^TLS handshake failed/);

    // A client certificate from another CA: the peer address is still known.
    const start = new Date();
    const foreignCa = await createCaCertificate({ algorithm: 'ECDSA', commonName: 'Other CA', notBefore: start, notAfter: new Date(start.getTime() + 86_400_000) });
    const forged = await issueCertificate({
      ca: { certificate: foreignCa.certificate, key: foreignCa.signingKey },
      algorithm: 'ECDSA',
      commonName: 'forged',
      notBefore: start,
      notAfter: new Date(start.getTime() + 86_400_000),
      usage: 'client',
    });
    const foreign = await refusedHandshake({ cert: forged.certificatePem, key: forged.privateKeyPem });
    expect(foreign).toMatchObject({ deviceId: null, remoteAddress: '127.0.0.1' });
    expect(foreign.remotePort).toBeGreaterThan(0);
  });

  it('refuses to start when an MQTT port is taken', async () => {
    const dataDir = tempDir();
    try {
      await expect(startTestApp({ dataDir, config: { mqtt: { port: app.mqtt.port } as never } })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('python paho-mqtt 1.6 (Debian python3-paho-mqtt)', () => {
    if (!hasPaho) {
      it.skip(PAHO_MISSING, () => undefined);
      return;
    }

    it('runs the Token authentication sample on the plain listener', async () => {
      const d = await newDevice();
      const out = await run(PYTHON, [fixture('token_auth.py'), '127.0.0.1', String(app.mqtt.port), d.deviceNumber, d.username, d.key]);
      expect(out).toContain('Connected with result code 0');
      expect(out).toContain(`topic: some_topic, payload: b'{"temperature": 21.5}'`);
      const refused = await run(PYTHON, [fixture('token_auth.py'), '127.0.0.1', String(app.mqtt.port), d.deviceNumber, d.username, 'wrong-key'], 2);
      expect(refused).toContain('Connected with result code 4');
      const events = await app.gql('query($d:ID!){ deviceEvents(deviceId:$d){ nodes { topic json } } }', { d: d.id }, user.token);
      expect(events.data.deviceEvents.nodes).toEqual([{ topic: 'some_topic', json: { temperature: 21.5 } }]);
    });

    it('runs the One-way authentication sample on the TLS listener with the CA file', async () => {
      const d = await newDevice();
      const dir = tempDir('portico-ca-');
      try {
        const caFile = path.join(dir, 'root_ca.crt');
        fs.writeFileSync(caFile, app.services.pki.caCertificatePem());
        for (const host of ['localhost', '127.0.0.1']) {
          const out = await run(PYTHON, [fixture('one_way_auth.py'), host, String(app.mqtt.tlsPort), d.deviceNumber, d.username, d.key, caFile]);
          expect(out).toContain('Connected with result code 0');
          expect(out).toContain(`topic: /hello, payload: b'{"hello": "world"}'`);
        }
        const blocked = await app.gql('mutation($id:ID!){ updateDevice(id:$id, input:{blocked:true}){ id } }', { id: d.id }, user.token);
        expect(blocked.errors).toBeUndefined();
        const refused = await run(PYTHON, [fixture('one_way_auth.py'), 'localhost', String(app.mqtt.tlsPort), d.deviceNumber, d.username, d.key, caFile], 2);
        expect(refused).toContain('Connected with result code 5');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
