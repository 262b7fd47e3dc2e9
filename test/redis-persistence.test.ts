import assert from 'node:assert';
import crypto from 'node:crypto';

import { Redis } from 'ioredis';

import { RedisPersistence } from '../src/mqtt/shared/redis-persistence';
import { createLogger } from '../src/observability/logger';
import { ClusterRedis } from '../src/realtime/cluster-redis';

/**
 * Portico's shared MQTT persistence (Redis) against the persistence specification of aedes: the abstract test suite
 * that ships with aedes-persistence (the version aedes 2.0.0-beta.1 depends on), each test on a key prefix of its own
 * on the machine's Redis.
 */
const REDIS_URL = 'redis://127.0.0.1:6379';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const abstractPersistence = require('aedes-persistence/abstract.js') as (opts: Record<string, unknown>) => void;

const log = createLogger({ level: 'silent' });
const prefixes: string[] = [];

afterAll(async () => {
  const r = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    for await (const keys of r.scanStream({ match: `${prefix}:*`, count: 500 })) if ((keys as string[]).length) await r.del(...(keys as string[]));
  }
  await r.quit();
});

abstractPersistence({
  test: (name: string, fn: (t: unknown) => Promise<void>) => it(name, () => fn({ assert, diagnostic: () => undefined, plan: () => undefined })),
  testAsync: true,
  persistence: async () => {
    const prefix = `portico-test:persistence:${crypto.randomBytes(6).toString('hex')}`;
    prefixes.push(prefix);
    const cluster = new ClusterRedis(REDIS_URL, prefix, log);
    const persistence = new RedisPersistence(cluster, log);
    const destroy = persistence.destroy.bind(persistence);
    persistence.destroy = async () => {
      await destroy();
      await cluster.close();
    };
    return persistence;
  },
});
