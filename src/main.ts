import { createApp } from './app.js';
import { loadConfig } from './config/config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const mqtt = app.services.mqttEndpoints.current;
  // One machine-readable line, for scripts and benchmarks that start the server on ephemeral ports.
  process.stdout.write(
    JSON.stringify({ ready: true, http: app.port, mqtt: mqtt?.port ?? null, mqtts: mqtt?.tlsPort ?? null, mqttsMutual: mqtt?.mutualTlsPort ?? null, mqttWss: app.mqtt.wssPort }) + '\n',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}, shutting down\n`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // An error from one socket (a peer gone mid-write) is that socket's: log it and keep serving. Anything else
  // thrown where nobody catches may have left state half-changed: log it, try to close, exit 1.
  const log = app.services.log;
  process.on('uncaughtException', (err) => {
    if (isSocketError(err)) return log.warn('socket error outside a handler (ignored)', err);
    log.error('uncaught exception: shutting down', err);
    if (stopping) return process.exit(1);
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().finally(() => process.exit(1));
  });
  // A rejected promise nobody awaited ended only its own task: log it, keep serving.
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection (kept serving)', reason));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const SOCKET_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_SSL_PROTOCOL_ERROR']);
const isSocketError = (err: unknown): boolean => SOCKET_ERROR_CODES.has(String((err as NodeJS.ErrnoException | null)?.code));

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e.code === 'EADDRINUSE') {
    // Most often a local Mosquitto on 1883: say which port, and how to move ours.
    console.error(
      `Portico cannot start: ${e.address ?? ''}:${e.port ?? '?'} is already in use by another program. ` +
        'Choose other ports with PORT (HTTP) and PORTICO_MQTT_PORT / PORTICO_MQTTS_PORT / PORTICO_MQTTS_MUTUAL_PORT (MQTT), or "off".',
    );
  } else {
    console.error(err);
  }
  process.exit(1);
});
