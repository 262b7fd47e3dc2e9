import { performance } from 'node:perf_hooks';

import { processCpuMicros, processRssBytes, sleep } from './procs.js';

/** Milliseconds on a monotonic clock shared by every measurement of this process. */
export const now = (): number => performance.now();

/** CPU of the server child and of the bench process itself over one measured interval. */
export class CpuMeter {
  private readonly serverStart: number;
  private readonly benchStart: NodeJS.CpuUsage;
  private readonly wallStart = now();

  constructor(private readonly pid: number) {
    this.serverStart = processCpuMicros(pid);
    this.benchStart = process.cpuUsage();
  }

  /** µs of server CPU, and the load generator's share of one core (1 = saturated), since construction. */
  read(): { serverCpuMicros: number; benchCoreShare: number; wallMs: number } {
    const wallMs = now() - this.wallStart;
    const bench = process.cpuUsage(this.benchStart);
    return {
      serverCpuMicros: processCpuMicros(this.pid) - this.serverStart,
      benchCoreShare: wallMs > 0 ? (bench.user + bench.system) / 1000 / wallMs : 0,
      wallMs,
    };
  }
}

/**
 * Waits until the server uses < `threshold` of a core over two consecutive `sampleMs` windows (its
 * background work after a measurement is done), at most `maxMs`. Returns how long it waited.
 */
export async function waitIdle(pid: number, maxMs = 30_000, threshold = 0.05, sampleMs = 250): Promise<number> {
  const start = now();
  let calm = 0;
  let last = processCpuMicros(pid);
  while (now() - start < maxMs) {
    await sleep(sampleMs);
    const cpu = processCpuMicros(pid);
    const share = (cpu - last) / 1000 / sampleMs;
    last = cpu;
    calm = share < threshold ? calm + 1 : 0;
    if (calm >= 2) break;
  }
  return now() - start;
}

/** Polls `done()` every `intervalMs` until it is true or `timeoutMs` passes; returns whether it became true. */
export async function waitFor(done: () => boolean, timeoutMs: number, intervalMs = 5): Promise<boolean> {
  const deadline = now() + timeoutMs;
  while (!done()) {
    if (now() > deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

export const rssOf = (pid: number): number => processRssBytes(pid);

/** Log line to stderr with a timestamp (stdout stays free for the final table). */
export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
