import crypto from 'node:crypto';

import { Redis } from 'ioredis';

import { type Logger, readOrCreateDataFile, type RegistryBus, type RegistryEventName, type RegistryEvents } from '../common/index.js';

/**
 * This instance's id: configured, or generated once into `<dataDir>/instance-id` and kept across restarts, so a
 * restarted instance can tell which devices it held when it stopped.
 */
export function loadInstanceId(dataDir: string, configured?: string): string {
  return configured ?? readOrCreateDataFile(dataDir, 'instance-id', () => `portico-${crypto.randomBytes(6).toString('hex')}`);
}

const CHANNEL = 'portico:registry';

interface Envelope {
  from: string;
  event: RegistryEventName;
  payload: unknown;
}

/**
 * A publishing and a subscribing client for Redis pub/sub. ioredis reconnects by itself; its errors go to the log
 * (unheard, an outage would crash the process). A short `disconnectTimeout`: see closeRedis.
 */
export function redisPubSubClients(redisUrl: string, log: Logger, purpose: string): { pub: Redis; sub: Redis } {
  const pub = new Redis(redisUrl, { maxRetriesPerRequest: 3, disconnectTimeout: 200 });
  const sub = new Redis(redisUrl, { disconnectTimeout: 200 });
  for (const r of [pub, sub]) r.on('error', (err: Error) => log.warn(`Redis (${purpose}): ${err.message}`));
  return { pub, sub };
}

/**
 * Closes an ioredis client: politely when connected, at once otherwise (a client still retrying would wait forever).
 * Clients are made with a short `disconnectTimeout`: ioredis keeps a timer that long after disconnecting a dead socket.
 */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}

/**
 * Calls `fn` each time a subscribing client is subscribed again after its connection was lost: what was published
 * in between never reached it. ioredis resubscribes by itself on reconnect; `resubscribe` (the same subscription,
 * idempotent) is answered after that, so `fn` runs once the subscription is live again. Returns whether the client is
 * interrupted: from a lost connection until `fn` has run (messages that arrive meanwhile, after ioredis's own
 * resubscription, come after a gap that `fn` has not dealt with yet).
 */
export function whenResubscribed(sub: Redis, resubscribe: () => Promise<unknown>, fn: () => void): () => boolean {
  let lost = false;
  let interrupted = false;
  sub.on('close', () => {
    lost = true;
    interrupted = true;
  });
  sub.on('ready', () => {
    if (!lost) return;
    lost = false;
    // Lost again before the answer: the next 'ready' tries again.
    resubscribe().then(
      () => {
        interrupted = false;
        fn();
      },
      () => undefined,
    );
  });
  return () => interrupted;
}

/**
 * Carries registry events (credentials changed, certificate withdrawn) between instances through Redis, so the
 * message server of every instance kicks the affected sessions and drops its cached credentials. `onReconnect`
 * runs when the link is back after an outage (events published meanwhile are lost: see RegistrySync).
 */
export function bridgeRegistryBus(bus: RegistryBus, redisUrl: string, instanceId: string, log: Logger, onReconnect?: () => void): { ready: Promise<unknown>; close: () => Promise<void> } {
  const { pub, sub } = redisPubSubClients(redisUrl, log, 'registry events');
  if (onReconnect) whenResubscribed(sub, () => sub.subscribe(CHANNEL), onReconnect);
  sub.on('message', (_channel: string, text: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.from === instanceId) return;
    bus.emitLocal(envelope.event, envelope.payload as RegistryEvents[typeof envelope.event][0]);
  });
  bus.forward = (event, payload) => {
    pub.publish(CHANNEL, JSON.stringify({ from: instanceId, event, payload } satisfies Envelope)).catch((err: unknown) => {
      log.error(`could not forward ${event} to the other instances`, err);
    });
  };
  return {
    ready: sub.subscribe(CHANNEL),
    close: async () => {
      bus.forward = undefined;
      await Promise.all([pub, sub].map(closeRedis));
    },
  };
}
