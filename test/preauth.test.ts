import net from 'node:net';

import mqttPacket from 'mqtt-packet';

import type { Logger } from '../src/common/runtime';
import { startTestApp, type TestApp } from './support/app';

/** Before authentication a client gets little: one CONNECT, small and in time (issue #9). */
describe('before authentication', () => {
  let app: TestApp;
  const warnings: string[] = [];
  const log: Logger = { error: () => undefined, warn: (m) => warnings.push(m), info: () => undefined, debug: () => undefined };

  beforeAll(async () => {
    app = await startTestApp({ app: { log }, config: { mqtt: { connectMaxBytes: 1024, connectTimeoutMs: 300 } as never } });
  });
  afterAll(() => app.stop());

  /** Opens a socket, writes `bytes`, resolves with what came back once the server closed it. */
  const exchange = (bytes: Buffer[]): Promise<{ received: Buffer; ms: number }> =>
    new Promise((resolve) => {
      const started = Date.now();
      const chunks: Buffer[] = [];
      const socket = net.connect(app.mqtt.port!, '127.0.0.1', () => bytes.forEach((b) => socket.write(b)));
      socket.on('data', (d) => chunks.push(d));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ received: Buffer.concat(chunks), ms: Date.now() - started }));
    });
  const warned = (re: RegExp) => warnings.some((w) => re.test(w));

  it('closes a connection whose CONNECT is larger than the limit, from its header, logged with the address', async () => {
    const connect = mqttPacket.generate({ cmd: 'connect', protocolVersion: 4, clean: true, keepalive: 0, clientId: 'x'.repeat(2000) } as mqttPacket.Packet);
    // Only the fixed header is sent: the server does not wait for (or buffer) the rest.
    const r = await exchange([connect.subarray(0, 3)]);
    expect(r.received.length).toBe(0);
    expect(warned(/^MQTT connection from 127\.0\.0\.1:\d+ closed before authentication: CONNECT of 20\d\d bytes \(limit 1024\)$/)).toBe(true);
  });

  it('closes a connection whose first packet is not a CONNECT ([MQTT-3.1.0-1])', async () => {
    const r = await exchange([mqttPacket.generate({ cmd: 'pingreq' } as mqttPacket.Packet)]);
    expect(r.received.length).toBe(0);
    expect(warned(/closed before authentication: first packet is not a CONNECT/)).toBe(true);
  });

  it('closes a connection whose CONNECT is not complete in time', async () => {
    const connect = mqttPacket.generate({ cmd: 'connect', protocolVersion: 4, clean: true, keepalive: 0, clientId: 'slow' } as mqttPacket.Packet);
    const r = await exchange([connect.subarray(0, connect.length - 1)]);
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(5000);
    expect(warned(/closed before CONNECT completed: connect did not arrive in time/)).toBe(true);
  });

  it('reads nothing after a refused CONNECT: what follows is never parsed', async () => {
    const connect = mqttPacket.generate({ cmd: 'connect', protocolVersion: 5, clean: true, keepalive: 0, clientId: 'nobody', username: 'u', password: Buffer.from('p') } as mqttPacket.Packet, {
      protocolVersion: 5,
    });
    // A killer packet (an MQTT 5 SUBSCRIBE with no filters) right behind the CONNECT.
    const r = await exchange([Buffer.concat([connect, Buffer.from([0x82, 0x03, 0x00, 0x01, 0x00])])]);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const packets: Array<{ cmd: string; reasonCode?: number }> = [];
    parser.on('packet', (p: { cmd: string; reasonCode?: number }) => packets.push(p));
    parser.parse(r.received);
    expect(packets).toEqual([expect.objectContaining({ cmd: 'connack', reasonCode: 0x86 })]);
  });
});
