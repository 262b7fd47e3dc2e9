import type { Aedes, PublishPacket } from 'aedes';

import { AppError, type OutgoingProperties } from '../common/index.js';
import { storedSubscribers } from './aedes-internals.js';
import { type ClientConnection, ClientConnectionState } from './session.js';

/** A message the platform itself publishes to an owner's devices (commands, "group control"). */
export interface PlatformMessage {
  /** Topic inside the owner's namespace, as devices see it. */
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: OutgoingProperties;
}

/**
 * Publishes `message` into the namespace `prefix` as the platform: no device sent it, so no upstream event is
 * recorded, and every session of the owner subscribed to the topic gets it (offline persistent sessions get QoS 1/2
 * messages queued by the broker, retained ones are kept).
 */
export interface PlatformPublishResult {
  /** Sessions on this instance whose subscriptions matched (a shared subscription group counts once). */
  matched: number;
  /** QoS 1/2: client ids of the stored sessions subscribed to the topic (the broker queues it for those offline). */
  storedSubscribers: string[];
}

export async function publishAsPlatform(broker: Aedes | null, prefix: string, sessions: Iterable<ClientConnection>, message: PlatformMessage): Promise<PlatformPublishResult> {
  if (!broker) return Promise.reject(new AppError('SERVICE_UNAVAILABLE', 'The message server is not running'));
  const topic = prefix + message.topic;
  let matched = 0;
  const groups = new Set<string>();
  for (const s of sessions) {
    if (s.prefix !== prefix || s.state !== ClientConnectionState.ONLINE) continue;
    const m = s.filters.matching(topic);
    if (m.plain) matched += 1;
    for (const g of m.groups) groups.add(g);
  }
  const packet = {
    cmd: 'publish',
    topic,
    payload: message.payload,
    qos: message.qos,
    retain: message.retain,
    dup: false,
    ...(message.properties ? { properties: message.properties } : {}),
  } as PublishPacket;
  await new Promise<void>((resolve, reject) => broker.publish(packet, (err?: Error) => (err ? reject(err) : resolve())));
  return { matched: matched + groups.size, storedSubscribers: message.qos > 0 ? await storedSubscribers(broker, topic) : [] };
}
