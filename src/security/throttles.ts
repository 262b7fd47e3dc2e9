import { Redis } from 'ioredis';

import type { Logger } from '../common/index.js';
import type { ThrottleConfig } from '../config/index.js';
import { type AttemptThrottle, FailureThrottle } from './attempt-throttle.js';
import { noConnectThrottle } from './connect-throttle.js';
import type { CounterStore } from './failure-limiter.js';

export interface Throttles {
  /** GraphQL logIn, per account (e-mail) and remote address. */
  login: AttemptThrottle;
  /** MQTT authentication, per client id and remote address. */
  mqttAuth: AttemptThrottle;
  /** Closes the Redis client of the counters (if any). */
  close(): Promise<void>;
}

/**
 * The authentication throttles of one app instance. With Redis (scale-out) the counters are shared by every
 * instance through a Redis client of their own; otherwise they live in this process.
 */
export function createThrottles(config: ThrottleConfig, redisUrl: string | undefined, log: Logger): Throttles {
  let redis: Redis | undefined;
  if (redisUrl && (config.login.maxFailures > 0 || config.mqttAuth.maxFailures > 0)) {
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, disconnectTimeout: 200 });
    redis.on('error', (err: Error) => log.warn(`Redis (throttle counters): ${err.message}`));
  }
  const store: CounterStore = { ...(redis ? { redis } : {}), keyPrefix: config.redisKeyPrefix, log };
  const make = (name: string, kind: string, limit: ThrottleConfig['login']) => (limit.maxFailures > 0 ? new FailureThrottle(name, kind, limit, store, log) : noConnectThrottle);
  return {
    login: make('login', 'account', config.login),
    mqttAuth: make('mqtt-auth', 'client id', config.mqttAuth),
    close: async () => {
      if (!redis) return;
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
