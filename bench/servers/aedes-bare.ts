/**
 * Baseline: aedes with no hooks (no authentication, no persistence beyond its in-memory default)
 * on a plain `net` server. Prints one JSON ready line: {"ready":true,"mqtt":<port>}.
 */
import net from 'node:net';

import { Aedes } from 'aedes';

async function main(): Promise<void> {
  const host = process.env.BENCH_HOST || '127.0.0.1';
  const port = Number(process.env.BENCH_PORT || 0);
  // The routing concurrency Portico runs with (PORTICO_MQTT_ROUTING_CONCURRENCY's default), not aedes's default of
  // 100: beyond it aedes routes at most that many messages per event-loop turn, and the baseline would be slower
  // than the same broker configured as Portico configures it. AEDES_BARE_CONCURRENCY overrides it (hand comparisons).
  const broker = await Aedes.createBroker({ concurrency: Number(process.env.AEDES_BARE_CONCURRENCY || 10_000) });
  // No Nagle, like Portico's listeners (and Mosquitto with set_tcp_nodelay).
  const server = net.createServer({ noDelay: true }, (socket) => broker.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  process.stdout.write(JSON.stringify({ ready: true, mqtt: (server.address() as net.AddressInfo).port }) + '\n');
  const stop = () => {
    server.close();
    broker.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
