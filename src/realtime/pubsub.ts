import { EventEmitter, once } from 'node:events';
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';

/**
 * Live events for GraphQL subscriptions. Topics are namespaced by owner (e.g. `deviceStatus:<ownerId>`),
 * so a subscriber can only ever listen to its own user's events.
 */
export type PubSubTopics = Record<string, [unknown]>;

export interface AppPubSub extends PubSub<PubSubTopics> {
  /** Resolves once someone subscribes to `topic` (or at once if someone already does); for tests and tools. */
  whenSubscribed(topic: string): Promise<void>;
  /** How many subscribers `topic` has now. */
  subscriberCount(topic: string): number;
}

/** In-process pub/sub; scale-out replaces the event target with Redis. */
export function createAppPubSub(): AppPubSub {
  const inner = createPubSub<PubSubTopics>();
  const counts = new Map<string, number>();
  const notices = new EventEmitter();
  notices.setMaxListeners(0);
  const change = (topic: string, delta: number) => {
    const n = (counts.get(topic) ?? 0) + delta;
    if (n > 0) counts.set(topic, n);
    else counts.delete(topic);
    if (delta > 0) notices.emit(topic);
  };
  return {
    publish: inner.publish,
    subscribe(topic: string) {
      const key = topic;
      const source = inner.subscribe(topic) as AsyncIterable<unknown>;
      const iterator = source[Symbol.asyncIterator]();
      change(key, 1);
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          change(key, -1);
        }
      };
      const wrapped = {
        next: async () => {
          const r = await iterator.next();
          if (r.done) finish();
          return r;
        },
        return: async (value?: unknown) => {
          finish();
          return iterator.return ? iterator.return(value) : { done: true as const, value: undefined };
        },
        throw: async (err?: unknown) => {
          finish();
          if (iterator.throw) return iterator.throw(err);
          throw err;
        },
        [Symbol.asyncIterator]() {
          return wrapped;
        },
      };
      return wrapped as never;
    },
    async whenSubscribed(topic: string) {
      if ((counts.get(topic) ?? 0) > 0) return;
      await once(notices, topic);
    },
    subscriberCount: (topic: string) => counts.get(topic) ?? 0,
  } as AppPubSub;
}
