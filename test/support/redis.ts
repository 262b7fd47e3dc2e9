import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

import { Redis } from 'ioredis';

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * A redis-server of this test's own, on an ephemeral port, without persistence: it can be killed and started again
 * on the same port (never the machine's Redis on 6379).
 */
export class ThrowawayRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts it (again) on its port; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`redis-server exited (${code}): ${output}`));
      child.once('exit', onExit);
      child.stdout!.on('data', (chunk: Buffer) => {
        if (output.length < 10_000) output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          child.off('exit', onExit);
          resolve();
        }
      });
      child.stderr!.resume();
    });
    this.child = child;
  }

  /** Kills it at once (SIGKILL: no goodbye to its clients); resolves once it has exited. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

/** Deletes every key under `<prefix>:` (what a test's cluster left in a shared Redis). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    for await (const keys of r.scanStream({ match: `${prefix}:*`, count: 500 })) if ((keys as string[]).length) await r.del(...(keys as string[]));
  } finally {
    r.disconnect();
  }
}
