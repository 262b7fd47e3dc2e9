import { setMaxListeners } from 'node:events';

import type { Redis } from 'ioredis';

import { AppError, EventQueue, eventsMissed, type Logger } from '../common/index.js';
import { closeRedis, redisPubSubClients, whenResubscribed } from './scale-out.js';
import { SubscriberCounter } from './subscribers.js';

/**
 * Live events for GraphQL subscriptions. Topics are namespaced by owner (e.g. `deviceStatus:<organizationId>`),
 * so a subscriber can only ever listen to its own user's events.
 */
type TopicListener = (event: CustomEvent) => void;

/** The part of an EventTarget the pub/sub uses: Node's own in process, the Redis-backed one below in scale-out. */
interface TopicTarget {
  addEventListener(type: string, listener: TopicListener): void;
  removeEventListener(type: string, listener: TopicListener): void;
  dispatchEvent(event: CustomEvent): boolean;
}

/**
 * Topic → payload of the app's pub/sub. Each feature declares its topics next to their topic function, by declaration
 * merging (`declare module '../realtime/pubsub.js' { interface PubSubTopics { [topic: \`deviceStatus:${string}\`]:
 * DeviceEntity } }`), so publishers and subscribers agree on the payload without casts. Other topics carry `unknown`.
 */
export interface PubSubTopics {
  [topic: string]: unknown;
}

/** A topic of the map, and what it carries. */
export type PubSubTopic = keyof PubSubTopics & string;

export interface AppPubSub {
  publish<T extends PubSubTopic>(topic: T, payload: PubSubTopics[T]): void;
  /**
   * Listens from the first next() (or `open()`); `endLive()` ends it with EVENTS_MISSED once what it received is
   * read. A reader more than 1,024 events behind is ended with SUBSCRIBER_TOO_SLOW (the reader may set its own limit).
   */
  subscribe<T extends PubSubTopic>(topic: T): EventQueue<PubSubTopics[T]>;
  /** Resolves once someone subscribes to `topic` (or at once if someone already does); for tests and tools. */
  whenSubscribed(topic: string): Promise<void>;
  /** How many subscribers `topic` has now. */
  subscriberCount(topic: string): number;
  /**
   * Ends every live subscription with EVENTS_MISSED (what they were sent may have been lost); done by itself when
   * the Redis subscription is back after an outage. Returns how many were ended.
   */
  endLive(): number;
  /** Resolves once the pub/sub can deliver (Redis subscription confirmed, when used). */
  ready(): Promise<void>;
  /** Disconnects from Redis, when used. */
  close(): Promise<void>;
}

/** JSON that keeps Dates as Dates across Redis. */
export const dateSafeJson = {
  stringify(message: unknown): string {
    return JSON.stringify(message, function (this: Record<string, unknown>, key: string, value: unknown) {
      const raw = this[key];
      return raw instanceof Date ? { $date: raw.getTime() } : value;
    });
  },
  parse(text: string): unknown {
    return JSON.parse(text, (_key, value: unknown) => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === '$date') return new Date((value as { $date: number }).$date);
      }
      return value;
    });
  },
};

/**
 * An event target over Redis pub/sub. It listens to every Portico topic with one PSUBSCRIBE made at start, so a
 * new GraphQL subscription is live the moment it is registered (no per-topic SUBSCRIBE round trip that an event
 * could slip past); events are decoded only for topics that have local listeners. `resubscribed` runs when the
 * subscription is back after a lost connection.
 */
function redisEventTarget(publishClient: Redis, subscribeClient: Redis, prefix: string, resubscribed: () => void): { target: TopicTarget; ready: Promise<unknown> } {
  const resubscribe = () => subscribeClient.psubscribe(`${prefix}*`);
  const interrupted = whenResubscribed(subscribeClient, resubscribe, resubscribed);
  const listeners = new Map<string, Set<TopicListener>>();
  subscribeClient.on('pmessage', (_pattern: string, channel: string, text: string) => {
    // After an outage, until `resubscribed` has ended every subscription live during it: ioredis subscribes again by
    // itself before that, and an event handed over then would put the resume cursor after what the outage lost.
    if (interrupted()) return;
    const set = listeners.get(channel.slice(prefix.length));
    if (!set?.size) return;
    const detail = dateSafeJson.parse(text);
    for (const listener of [...set]) {
      listener(new CustomEvent(channel.slice(prefix.length), { detail }));
    }
  });
  const target = {
    addEventListener(type: string, listener: TopicListener) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      set.add(listener);
    },
    removeEventListener(type: string, listener: TopicListener) {
      const set = listeners.get(type);
      if (!set) return;
      set.delete(listener);
      if (!set.size) listeners.delete(type);
    },
    dispatchEvent(event: CustomEvent) {
      void publishClient.publish(prefix + event.type, dateSafeJson.stringify(event.detail)).catch(() => undefined);
      return true;
    },
  };
  return { target, ready: resubscribe() };
}

/** Events a subscriber may leave unread before its subscription ends (it stopped reading; the server goes on). */
const MAX_UNREAD = 1024;
const tooSlow = (): AppError => new AppError('LIMIT_EXCEEDED', `More than ${MAX_UNREAD} events waited for this subscription; subscribe again`, { reason: 'SUBSCRIBER_TOO_SLOW' });

/**
 * In-process pub/sub by default. With a Redis URL (scale-out), events go through Redis pub/sub, so a
 * subscriber on any instance sees what any instance published. Await `ready()` before serving. Redis pub/sub
 * delivers at most once: when the subscription is back after an outage, every subscription that was live during it
 * ends with EVENTS_MISSED instead of silently skipping what was published meanwhile.
 */
export function createAppPubSub(scaleOut?: { redisUrl: string; log: Logger }): AppPubSub {
  let redis: Redis[] = [];
  let eventTarget: TopicTarget | undefined;
  let ready: Promise<unknown> = Promise.resolve();
  /** Ends one live subscription with an error. */
  const live = new Set<(err: Error) => unknown>();
  const endLive = (): number => {
    const ended = [...live];
    live.clear();
    for (const fail of ended) fail(eventsMissed(null));
    return ended.length;
  };
  if (scaleOut) {
    const { pub: publishClient, sub: subscribeClient } = redisPubSubClients(scaleOut.redisUrl, scaleOut.log, 'subscription events');
    redis = [publishClient, subscribeClient];
    ({ target: eventTarget, ready } = redisEventTarget(publishClient, subscribeClient, 'portico:pubsub:', () => {
      const n = endLive();
      if (n) scaleOut.log.warn(`Redis (subscription events) reconnected: ${n} live subscription(s) ended with EVENTS_MISSED`);
    }));
  }
  if (!eventTarget) {
    // One listener per GraphQL subscription: many per topic is normal, not a leak (Node warns past 10).
    const local = new EventTarget();
    setMaxListeners(0, local);
    eventTarget = local as unknown as TopicTarget;
  }
  const target = eventTarget;
  const subscribers = new SubscriberCounter();
  // In process, a topic nobody subscribes to costs nothing (an event per stored message was ~0.24 CPU-µs); through
  // Redis every event goes out: subscribers may be on other instances.
  const local = !scaleOut;
  return {
    publish: (topic: string, payload: unknown) => (local && subscribers.count(topic) === 0) || target.dispatchEvent(new CustomEvent(topic, { detail: payload })),
    // One queue per subscription, listening on the event target itself.
    subscribe: (topic: string) =>
      new EventQueue<unknown>(
        (queue) => {
          const listener = (event: CustomEvent) => queue.push(event.detail);
          const fail = (err: Error) => queue.end(err);
          const uncount = subscribers.add(topic);
          target.addEventListener(topic, listener);
          live.add(fail);
          return () => {
            live.delete(fail);
            uncount();
            target.removeEventListener(topic, listener);
          };
        },
        { maxQueue: MAX_UNREAD, overflow: tooSlow },
      ),
    whenSubscribed: (topic: string) => subscribers.whenAny(topic),
    subscriberCount: (topic: string) => subscribers.count(topic),
    endLive,
    async ready() {
      await ready;
    },
    async close() {
      await Promise.all(redis.splice(0).map(closeRedis));
    },
  } as AppPubSub;
}
