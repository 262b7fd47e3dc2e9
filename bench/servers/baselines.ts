import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { packageVersion } from '../lib/env.js';
import { freePort, makeTempDir, removeTempDir, type Server, startChild, waitForPort } from '../lib/procs.js';
import { anonymousDevices, type Target } from './target.js';

export const MOSQUITTO_BIN = process.env.BENCH_MOSQUITTO || '/usr/sbin/mosquitto';

/** "mosquitto version 2.0.11" → "2.0.11"; null when the binary is missing. */
export function mosquittoVersion(): string | null {
  if (!fs.existsSync(MOSQUITTO_BIN)) return null;
  try {
    execFileSync(MOSQUITTO_BIN, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // `mosquitto -h` exits with status 3 after printing its usage.
    const out = String((err as { stdout?: string }).stdout ?? '');
    const m = /mosquitto version (\S+)/.exec(out);
    if (m) return m[1];
  }
  return 'unknown';
}

/** Starts a private Mosquitto (own config: anonymous listeners, plain and TLS, on free 127.0.0.1 ports; no persistence). */
export async function startMosquitto(): Promise<Target> {
  const version = mosquittoVersion();
  if (!version) throw new Error(`${MOSQUITTO_BIN} not found`);
  const dir = makeTempDir('portico-bench-mosquitto-');
  const port = await freePort();
  const tlsPort = await freePort();
  // A TLS listener with a P-256 certificate, like Portico's (its platform CA issues P-256 server certificates).
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    [
      `listener ${tlsPort} 127.0.0.1`,
      `certfile ${cert}`,
      `keyfile ${key}`,
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // The bench bounds what is in flight itself; never drop queued QoS 1 messages for the subscriber.
      'max_queued_messages 0',
      // Like Portico's listeners (socket.setNoDelay): no Nagle delay on small packets.
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  fs.chmodSync(dir, 0o755);
  for (const f of [conf, cert, key]) fs.chmodSync(f, 0o644);
  let server: Server;
  try {
    ({ server } = await startChild('mosquitto', MOSQUITTO_BIN, ['-c', conf], {}));
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
  try {
    await waitForPort(port);
    await waitForPort(tlsPort);
  } catch (err) {
    await server.stop(1000);
    removeTempDir(dir);
    throw new Error(`${String(err)}\n${server.outputTail()}`);
  }
  return {
    name: 'mosquitto',
    label: `Mosquitto ${version}`,
    server,
    host: '127.0.0.1',
    mqttPort: port,
    mqttsPort: tlsPort,
    caPem: fs.readFileSync(cert, 'utf8'),
    authenticates: false,
    devices: async (count, tag) => anonymousDevices(count, tag),
    async stop() {
      await server.stop();
      removeTempDir(dir);
    },
  };
}

/** Starts bench/servers/aedes-bare.js (aedes without hooks) as a child process. */
export async function startBareAedes(distBench: string): Promise<Target> {
  const version = packageVersion('aedes');
  const { server, ready } = await startChild('aedes', process.execPath, [path.join(distBench, 'servers', 'aedes-bare.js')], {
    env: { ...process.env, BENCH_HOST: '127.0.0.1', BENCH_PORT: '0' },
    ready: (line) => {
      const msg = JSON.parse(line) as { ready?: boolean; mqtt?: number };
      return msg.ready ? msg : undefined;
    },
  });
  return {
    name: 'aedes',
    label: `bare aedes ${version}`,
    server,
    host: '127.0.0.1',
    mqttPort: ready.mqtt!,
    authenticates: false,
    devices: async (count, tag) => anonymousDevices(count, tag),
    stop: () => server.stop(),
  };
}
