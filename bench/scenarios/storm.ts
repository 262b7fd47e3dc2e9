import { CpuMeter, log, now, rssOf, waitIdle } from '../lib/measure.js';
import { pool, type RawMqttClient } from '../lib/mqtt-raw.js';
import type { BenchOptions } from '../lib/options.js';
import type { Target } from '../servers/target.js';
import { connectDevice } from './throughput.js';

export interface StormResult {
  server: string;
  tls: boolean;
  authenticated: boolean;
  devices: number;
  connected: number;
  failed: number;
  firstError?: string;
  /** CONNACKs per second, first connect → last CONNACK. */
  connectsPerSec: number;
  /** Server RSS growth per open connection (after the storm settled), bytes. */
  rssBytesPerConnection: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** Server CPU per connection, including work done after CONNACK until it was idle again, µs. */
  serverCpuMicrosPerConnect: number;
  /** Time the server stayed busy after the last CONNACK (Portico: status updates, connection log), ms. */
  settleMs: number;
  benchCoreShare: number;
}

/** Connect storm: `devices` devices connect (at most `concurrency` connecting at once) and stay connected. */
export async function runStorm(target: Target, o: BenchOptions['storm'], tlsOn: boolean, devices: Awaited<ReturnType<Target['devices']>>): Promise<StormResult> {
  await waitIdle(target.server.pid, 60_000);
  const rssBefore = rssOf(target.server.pid);
  const meter = new CpuMeter(target.server.pid);
  const start = now();
  let failed = 0;
  let firstError: string | undefined;
  let last = start;
  const clients = await pool(devices.length, o.concurrency, async (i): Promise<RawMqttClient | null> => {
    try {
      const c = await connectDevice(target, devices[i], tlsOn);
      last = now();
      return c;
    } catch (err) {
      failed++;
      firstError ??= String((err as Error).message ?? err);
      return null;
    }
  });
  const ok = clients.filter((c): c is RawMqttClient => c !== null);
  const elapsed = last - start;
  const benchShare = meter.read().benchCoreShare;
  const settleMs = await waitIdle(target.server.pid, 60_000);
  const cpu = meter.read();
  const rssAfter = rssOf(target.server.pid);
  const result: StormResult = {
    server: target.name,
    tls: tlsOn,
    authenticated: target.authenticates,
    devices: devices.length,
    connected: ok.length,
    failed,
    firstError,
    connectsPerSec: ok.length ? (ok.length / elapsed) * 1000 : 0,
    rssBytesPerConnection: ok.length ? (rssAfter - rssBefore) / ok.length : NaN,
    rssBeforeMiB: rssBefore / 2 ** 20,
    rssAfterMiB: rssAfter / 2 ** 20,
    serverCpuMicrosPerConnect: ok.length ? cpu.serverCpuMicros / ok.length : NaN,
    settleMs: Math.max(0, settleMs - 500),
    benchCoreShare: benchShare,
  };
  log(
    `  ${target.name} storm${tlsOn ? ' TLS' : ''}: ${ok.length}/${devices.length} connected, ${Math.round(result.connectsPerSec)} connects/s, ` +
      `${(result.rssBytesPerConnection / 1024).toFixed(1)} KiB/connection, ${Math.round(result.serverCpuMicrosPerConnect)} CPU-µs/connect` +
      (failed ? `, ${failed} failed (${firstError})` : ''),
  );
  await pool(ok.length, 500, (i) => ok[i].end());
  await waitIdle(target.server.pid, 60_000);
  return result;
}
