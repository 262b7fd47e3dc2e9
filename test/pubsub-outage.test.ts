import { Redis } from 'ioredis';

import { createAppPubSub, dateSafeJson } from '../src/realtime/pubsub';
import { ThrowawayRedis } from './support/redis';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/**
 * The pub/sub across a Redis outage, on a Redis of this test's own: a subscription live during the outage missed
 * what was published meanwhile, so it must not be handed anything published later either (its resume cursor would
 * then lie after the gap): it ends with EVENTS_MISSED, and what came after the loss is read back from storage.
 */
describe('pub/sub through Redis: outage', () => {
  let redis: ThrowawayRedis;
  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
  });
  afterAll(async () => {
    await redis?.kill();
  });

  it('hands a subscription live across an outage nothing published after the connection was lost, then ends it with EVENTS_MISSED', async () => {
    const pubSub = createAppPubSub({ redisUrl: redis.url, log: quiet });
    await pubSub.ready();
    const live = pubSub.subscribe('t')[Symbol.asyncIterator]();
    const first = live.next();
    pubSub.publish('t', 0);
    expect((await first).value).toBe(0);

    await redis.kill();
    await redis.start();
    // Another instance publishes without pause from the moment Redis is back, while this one reconnects and
    // subscribes again.
    const other = new Redis(redis.url);
    let n = 0;
    let pumping = true;
    const pump = (async () => {
      while (pumping) await other.publish('portico:pubsub:t', dateSafeJson.stringify(++n));
    })();
    const received: unknown[] = [];
    let ended: unknown;
    try {
      for (;;) received.push((await live.next()).value);
    } catch (err) {
      ended = err;
    } finally {
      pumping = false;
      await pump;
      other.disconnect();
      await pubSub.close();
    }
    expect(received).toEqual([]);
    expect(ended).toMatchObject({ code: 'EVENTS_MISSED' });
    expect(n).toBeGreaterThan(0);
  });
});
