import v8 from 'node:v8';

import type { IndexedSubscription } from './filter-index.js';

/**
 * How shared MQTT state is stored in Redis: V8's structured serialization, which keeps Buffers (payloads,
 * correlation data) as Buffers and nested MQTT 5 properties as they are, without a schema of its own.
 */
export const encode = (value: unknown): Buffer => v8.serialize(value);
export const decode = <T = Record<string, unknown>>(blob: Buffer): T => v8.deserialize(blob) as T;

export type StoredPacket = Record<string, unknown> & { cmd?: string; topic?: string; messageId?: number; brokerId?: string; brokerCounter?: number; qos?: number };

/**
 * A stored copy of a packet, with the fields the persistence interface keeps (the same as the in-memory
 * persistence's copies: no `length`, no write callbacks, and a QoS > 0 PUBLISH waits for its message id).
 */
export function copyPacket(original: StoredPacket): StoredPacket {
  const copy: StoredPacket = {};
  for (const field of ['clientId', 'nl', 'properties', 'messageExpiry'] as const) {
    if (Object.prototype.hasOwnProperty.call(original, field)) copy[field] = original[field];
  }
  copy.cmd = original.cmd || 'publish';
  copy.brokerId = original.brokerId;
  copy.brokerCounter = original.brokerCounter || 0;
  copy.topic = original.topic;
  copy.payload = original.payload || Buffer.alloc(0);
  copy.qos = original.qos || 0;
  copy.retain = original.retain || false;
  copy.dup = original.dup || false;
  if (copy.qos > 0 || copy.cmd !== 'publish') copy.messageId = undefined;
  return copy;
}

/** The first topic level: retained messages are kept in one hash per first level (in Portico: per owner). */
export const firstLevel = (topic: string): string => {
  const slash = topic.indexOf('/');
  return slash < 0 ? topic : topic.slice(0, slash);
};

/** What the persistence reads of a client (an aedes Client, or `{ id }`). */
export interface ClientRef {
  id: string;
  brokerId?: string;
  version?: number;
  sessionExpiryInterval?: number;
}
export interface Subscription {
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}
export type SubscriptionRecord = Omit<Subscription, 'topic'>;
export interface StoredWill {
  p: StoredPacket;
  /** Seconds after the connection is lost before the will is published (MQTT 5 will delay, capped by the session expiry). */
  d: number;
}
export interface SubsChange {
  from: string;
  op: 'add' | 'rm';
  clientId: string;
  subs: IndexedSubscription[] | string[];
}
