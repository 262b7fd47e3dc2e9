import { createApp } from './app/index.js';
import type { Logger } from './common/index.js';
import { type Config, loadConfig } from './config/index.js';
import { createLogger } from './observability/index.js';

let log: Logger | null = null;

async function main(): Promise<void> {
  const config: Config = loadConfig();
  const root = createLogger({ level: config.logLevel });
  if (config.logLevel !== 'silent') log = root;
  const app = await createApp(config, { log: root });
  // The app's logger: every line carries the instance id.
  log = app.services.log;
  const mqtt = app.mqttEndpoints;
  // One machine-readable line, for scripts and benchmarks that start the server on ephemeral ports.
  process.stdout.write(
    JSON.stringify({ ready: true, http: app.port, mqtt: mqtt?.port ?? null, mqtts: mqtt?.tlsPort ?? null, mqttsMutual: mqtt?.mutualTlsPort ?? null, mqttWss: app.mqtt.wssPort }) + '\n',
  );
  let stopping = false;
  const appLog = log;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    appLog.info(`received ${signal}, shutting down`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // An error from one socket (a peer gone mid-write) is that socket's: log it and keep serving. Anything else
  // thrown where nobody catches may have left state half-changed: log it, try to close, exit 1.
  process.on('uncaughtException', (err) => {
    if (isSocketError(err)) return appLog.warn('socket error outside a handler (ignored)', err);
    appLog.error('uncaught exception: shutting down', err);
    if (stopping) return process.exit(1);
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().finally(() => process.exit(1));
  });
  // A rejected promise nobody awaited ended only its own task: log it, keep serving.
  process.on('unhandledRejection', (reason) => appLog.error('unhandled promise rejection (kept serving)', reason));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const SOCKET_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_SSL_PROTOCOL_ERROR']);
const isSocketError = (err: unknown): boolean => SOCKET_ERROR_CODES.has(String((err as NodeJS.ErrnoException | null)?.code));

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  const message =
    e.code === 'EADDRINUSE'
      ? // Most often a local Mosquitto on 1883: say which port, and how to move ours.
        `Portico cannot start: ${e.address ?? ''}:${e.port ?? '?'} is already in use by another program. ` +
        'Choose other ports with PORT (HTTP) and PORTICO_MQTT_PORT / PORTICO_MQTTS_PORT / PORTICO_MQTTS_MUTUAL_PORT (MQTT), or "off".'
      : 'Portico cannot start';
  // Without a logger (the configuration itself was refused, or logging is off) the reason goes to stderr as text.
  if (log) log.error(message, e.code === 'EADDRINUSE' ? undefined : err);
  // eslint-disable-next-line no-console -- no logger to write to (see above)
  else console.error(e.code === 'EADDRINUSE' ? message : err);
  process.exit(1);
});
