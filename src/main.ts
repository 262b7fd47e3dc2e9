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
  console.error(err);
  process.exit(1);
});
