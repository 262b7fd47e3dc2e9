import { Redis } from 'ioredis';

import type { Logger } from '../common/index.js';
import { closeRedis, whenResubscribed } from './scale-out.js';

type MessageHandler = (message: Buffer) => void;

/**
 * A Redis client, once ready. ioredis confirms a (P)SUBSCRIBE sent while its ready check is still running and then
 * loses the subscription with that connection: subscribing clients are used only once ready. Errors are logged
 * (ioredis reconnects by itself; unheard, an outage would be an uncaught 'error').
 */
export async function readyRedis(url: string, log: Logger): Promise<Redis> {
  const client = new Redis(url, { disconnectTimeout: 200 });
  client.on('error', (err: Error) => log.warn(`Redis: ${err.message}`));
  await whenReady(client);
  return client;
}

/** Resolves once the client is ready (errors meanwhile are retried by ioredis, not a failure here). */
export function whenReady(client: Redis): Promise<void> {
  return client.status === 'ready' ? Promise.resolve() : new Promise((resolve) => client.once('ready', () => resolve()));
}

/**
 * The Redis connections of the cluster features (shared MQTT state, instance leases, routing to the instance that
 * holds a test client session): one for commands, one for subscriptions. Every key and channel starts with the
 * configured prefix, so several deployments (or tests) can share one Redis.
 */
export class ClusterRedis {
  readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, MessageHandler[]>();
  private readonly resubscribed: Array<() => void> = [];
  private readonly subReady: Promise<unknown>;

  constructor(
    redisUrl: string,
    readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.cmd = new Redis(redisUrl, { maxRetriesPerRequest: 3, disconnectTimeout: 200 });
    this.sub = new Redis(redisUrl, { disconnectTimeout: 200 });
    this.subReady = whenReady(this.sub);
    for (const r of [this.cmd, this.sub]) r.on('error', (err: Error) => this.log.warn(`Redis (cluster state): ${err.message}`));
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      for (const handler of this.handlers.get(channel.toString()) ?? []) {
        try {
          handler(message);
        } catch (err) {
          this.log.error(`cluster message on ${channel.toString()} failed`, err);
        }
      }
    });
    whenResubscribed(
      this.sub,
      () => (this.handlers.size ? this.sub.subscribe(...this.handlers.keys()) : Promise.resolve()),
      () => {
        for (const fn of this.resubscribed) fn();
      },
    );
  }

  /** Resolves once both connections are ready. */
  async ready(): Promise<void> {
    await Promise.all([whenReady(this.cmd), this.subReady]);
  }

  /** `<prefix>:<parts joined by ':'>`. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** Listens to a channel (named with `key()`); resolves once Redis confirmed the subscription. */
  async listen(channel: string, handler: MessageHandler): Promise<void> {
    const list = this.handlers.get(channel);
    if (list) return void list.push(handler);
    this.handlers.set(channel, [handler]);
    await this.subReady;
    await this.sub.subscribe(channel);
  }

  async unlisten(channel: string): Promise<void> {
    if (!this.handlers.delete(channel)) return;
    if (this.sub.status === 'ready') await this.sub.unsubscribe(channel).catch(() => undefined);
  }

  /** Runs `fn` whenever the subscriptions are live again after the link to Redis was lost (messages were missed). */
  onResubscribed(fn: () => void): void {
    this.resubscribed.push(fn);
  }

  publish(channel: string, message: Buffer | string): Promise<number> {
    return this.cmd.publish(channel, message);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.all([this.cmd, this.sub].map(closeRedis));
  }
}
