import { CpuMeter, log, now, waitFor, waitIdle } from '../lib/measure.js';
import { pool, PublishTemplate, RawMqttClient } from '../lib/mqtt-raw.js';
import type { BenchOptions } from '../lib/options.js';
import type { PorticoTarget } from '../servers/portico.js';
import type { DeviceCredentials, Target } from '../servers/target.js';

export interface ThroughputResult {
  server: string;
  qos: 0 | 1;
  publishers: number;
  payloadBytes: number;
  sent: number;
  received: number;
  /** Messages received by the subscriber per second (first publish → last delivery). */
  msgsPerSec: number;
  /** Server CPU (user + system) per message, µs. */
  serverCpuMicrosPerMsg: number;
  /** The bench process's share of one core during the cell (near 1: the load generator limited the result). */
  benchCoreShare: number;
  /** Portico: device events found in the database for this cell. */
  stored?: number;
}

export const connectDevice = (target: Target, d: DeviceCredentials, tlsOn = false): Promise<RawMqttClient> =>
  RawMqttClient.connect({
    host: target.host,
    port: tlsOn ? target.mqttsPort! : target.mqttPort,
    tls: tlsOn ? { ca: target.caPem! } : undefined,
    clientId: d.clientId,
    username: d.username,
    password: d.password,
  });

/**
 * QoS 0/1 throughput: `publishers` devices publish as fast as the window allows to one subscriber
 * (at most `window` messages published and not yet delivered), for `seconds` or `maxMessages`.
 */
export async function runThroughput(target: Target, o: BenchOptions['throughput']): Promise<ThroughputResult[]> {
  const maxPublishers = Math.max(...o.publishers);
  const devices = await target.devices(maxPublishers + 1, 'tp');
  const results: ThroughputResult[] = [];
  let cell = 0;
  for (const qos of o.qos) {
    for (const publishers of o.publishers) {
      for (const payloadBytes of o.payloadBytes) {
        cell++;
        const r = await runCell(target, devices, o, { qos, publishers, payloadBytes, cell });
        log(
          `  ${target.name} QoS ${qos} ${publishers}→1 ${payloadBytes} B: ${Math.round(r.msgsPerSec)} msg/s, ${r.serverCpuMicrosPerMsg.toFixed(1)} CPU-µs/msg` +
            `${r.stored !== undefined ? `, stored ${r.stored}/${r.sent}` : ''}${r.received < r.sent ? `, LOST ${r.sent - r.received}` : ''}`,
        );
        results.push(r);
      }
    }
  }
  return results;
}

/** One throughput cell on `target` (devices[0] subscribes, the next `publishers` publish). */
export async function runCell(
  target: Target,
  devices: DeviceCredentials[],
  o: BenchOptions['throughput'],
  c: { qos: 0 | 1; publishers: number; payloadBytes: number; cell: number },
): Promise<ThroughputResult> {
  const topicBase = `bench/tp/${c.cell}-${Date.now().toString(36)}`;
  const sub = await connectDevice(target, devices[0]);
  const pubs = await pool(c.publishers, 20, (i) => connectDevice(target, devices[i + 1]));
  try {
    await sub.subscribe(`${topicBase}/#`, c.qos);
    const payload = Buffer.alloc(c.payloadBytes, 'x');
    const templates = pubs.map((_, i) => new PublishTemplate(`${topicBase}/${i}`, payload, c.qos));
    const nextId = new Uint16Array(pubs.length);
    let sent = 0;
    let received = 0;
    let acked = 0;
    let lastReceipt = 0;
    let sending = true;
    let scheduled = false;
    for (const p of pubs) p.onPuback = () => acked++;
    await waitIdle(target.server.pid, 10_000);
    const meter = new CpuMeter(target.server.pid);
    const start = now();
    const deadline = start + o.seconds * 1000;
    const pump = () => {
      scheduled = false;
      if (!sending) return;
      for (const p of pubs) p.socket.cork();
      while (sent - received < o.window && sent < o.maxMessages) {
        const i = sent % pubs.length;
        let id = 0;
        if (c.qos) {
          id = (nextId[i] % 65535) + 1;
          nextId[i] = id;
        }
        pubs[i].write(templates[i].packet(id));
        sent++;
        if ((sent & 63) === 0 && now() > deadline) {
          sending = false;
          break;
        }
      }
      if (sent >= o.maxMessages) sending = false;
      for (const p of pubs) p.socket.uncork();
    };
    sub.onMessage = () => {
      received++;
      lastReceipt = now();
      if (!scheduled && sending) {
        scheduled = true;
        setImmediate(pump);
      }
    };
    pump();
    // Bounded: the pump stops itself at the deadline; deliveries get 10 s more.
    await waitFor(() => !sending || now() > deadline + 1000, o.seconds * 1000 + 2000, 20);
    sending = false;
    await waitFor(() => received >= sent && (c.qos === 0 || acked >= sent), 10_000, 5);
    const elapsed = (lastReceipt || now()) - start;
    let stored: number | undefined;
    if (target.name === 'portico') {
      const portico = target as PorticoTarget;
      await waitFor(() => portico.countEvents(`${topicBase}/`) >= sent, 15_000, 100);
      stored = portico.countEvents(`${topicBase}/`);
    }
    const cpu = meter.read();
    return {
      server: target.name,
      qos: c.qos,
      publishers: c.publishers,
      payloadBytes: c.payloadBytes,
      sent,
      received,
      msgsPerSec: (received / elapsed) * 1000,
      serverCpuMicrosPerMsg: received ? cpu.serverCpuMicros / received : NaN,
      benchCoreShare: cpu.benchCoreShare,
      stored,
    };
  } finally {
    await Promise.all([sub, ...pubs].map((cl) => cl.end()));
  }
}
