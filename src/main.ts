import { createApp } from './app.js';
import { loadConfig } from './config/config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const mqtt = app.services.mqttEndpoints.current;
  // One machine-readable line, for scripts and benchmarks that start the server on ephemeral ports.
  process.stdout.write(
    JSON.stringify({ ready: true, http: app.port, mqtt: mqtt?.port ?? null, mqtts: mqtt?.tlsPort ?? null, mqttsMutual: mqtt?.mutualTlsPort ?? null }) + '\n',
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
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

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
