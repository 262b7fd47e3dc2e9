import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import type { Logger } from '../common/index.js';

/** Where the counters live: this process's memory, or Redis shared by every instance. */
export interface CounterStore {
  /** Scale-out: the counters live in Redis (an in-memory limiter stands in while Redis is unreachable). */
  redis?: Redis;
  keyPrefix: string;
  log: Logger;
}

export interface LimitOptions {
  /** Attempts allowed per key within `windowSeconds`. */
  points: number;
  windowSeconds: number;
  /** Once exceeded, the key is refused for this long. */
  blockSeconds: number;
}

/** The result of counting one attempt. */
export interface Take {
  /** This attempt is over the limit. */
  refused: boolean;
  /** How long until the key may try again (refused only). */
  retryAfterMs: number;
  /** This attempt crossed the limit (the block starts now): worth one warning, not one per refusal. */
  crossed: boolean;
}

type LimiterOptions = ConstructorParameters<typeof RateLimiterMemory>[0];

const isRes = (v: unknown): v is RateLimiterRes => v instanceof RateLimiterRes;

/**
 * Counts attempts per key with rate-limiter-flexible (fixed window; once the limit is crossed the key is blocked
 * for `blockSeconds`, and further attempts do not extend the block). A failing store never refuses anyone: in
 * Redis mode an in-memory insurance limiter takes over, and any other error is logged and let through.
 */
export class FailureLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    private readonly name: string,
    private readonly limit: LimitOptions,
    private readonly store: CounterStore,
  ) {
    const opts: LimiterOptions = {
      keyPrefix: `${store.keyPrefix}:${name}`,
      points: limit.points,
      duration: limit.windowSeconds,
      blockDuration: limit.blockSeconds,
    };
    this.limiter = store.redis ? new RateLimiterRedis({ ...opts, storeClient: store.redis, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(opts) }) : new RateLimiterMemory(opts);
  }

  /** Counts one attempt of `key`. */
  async take(key: string): Promise<Take> {
    try {
      await this.limiter.consume(key);
      return { refused: false, retryAfterMs: 0, crossed: false };
    } catch (err) {
      if (!isRes(err)) return this.storeFailed(err, { refused: false, retryAfterMs: 0, crossed: false });
      return { refused: true, retryAfterMs: Math.max(1, err.msBeforeNext), crossed: err.consumedPoints === this.limit.points + 1 };
    }
  }

  /** How long `key` is still refused (0: it may try now); counts nothing. */
  async blockedFor(key: string): Promise<number> {
    try {
      const res = await this.limiter.get(key);
      return res && res.consumedPoints > this.limit.points ? Math.max(1, res.msBeforeNext) : 0;
    } catch (err) {
      return this.storeFailed(err, 0);
    }
  }

  /** Forgets the attempts of `key`. */
  async reset(key: string): Promise<void> {
    try {
      await this.limiter.delete(key);
    } catch (err) {
      this.storeFailed(err, undefined);
    }
  }

  private storeFailed<T>(err: unknown, fallback: T): T {
    this.store.log.warn(`throttle ${this.name}: counter store failed, attempt let through`, err instanceof Error ? err.message : err);
    return fallback;
  }
}
