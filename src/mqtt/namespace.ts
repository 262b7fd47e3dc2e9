import mqttPacket from 'mqtt-packet';

import { parseShared } from './shared-subscriptions.js';

/**
 * The owner namespace: inside the broker every topic of an owner's devices starts with `<organizationId>/`; devices
 * never see it. Pure functions, used by the message server's hooks.
 */
export const namespacePrefix = (organizationId: string): string => `${organizationId}/`;

const OWNER_PREFIX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\//i;

/** A filter moved into the namespace; `$` filters stay as they are (and are refused). */
export const filterInside = (prefix: string, filter: unknown): unknown => (typeof filter === 'string' && filter !== '' && !filter.startsWith('$') ? prefix + filter : filter);

/**
 * Moves a SUBSCRIBE's or UNSUBSCRIBE's filters into the namespace, in place, and tells `each` every filter as the
 * broker will hold it with its share group (`$share/<group>/<filter>` becomes `<prefix><filter>` in group
 * `<group>`: a group never spans owners).
 */
export function namespaceFilters(
  prefix: string,
  packet: { cmd: string; subscriptions?: unknown; unsubscriptions?: unknown },
  each: (brokerFilter: string, group: string | null) => void = () => undefined,
): void {
  const inside = (filter: unknown): unknown => {
    const shared = parseShared(filter);
    const moved = filterInside(prefix, shared ? shared.filter : filter);
    if (typeof moved === 'string' && moved.startsWith(prefix)) each(moved, shared ? shared.group : null);
    return moved;
  };
  if (packet.cmd === 'subscribe' && Array.isArray(packet.subscriptions)) {
    for (const sub of packet.subscriptions as Array<{ topic: unknown }>) sub.topic = inside(sub.topic);
  } else if (packet.cmd === 'unsubscribe' && Array.isArray(packet.unsubscriptions)) {
    packet.unsubscriptions = (packet.unsubscriptions as unknown[]).map(inside);
  }
}

/** Topics a device may not publish to: system topics, wildcards, NUL. */
// eslint-disable-next-line no-control-regex -- NUL is one of the characters refused
export const isForbiddenPublishTopic = (topic: string): boolean => topic.startsWith('$') || /[+#\u0000]/.test(topic);

/**
 * What a device with namespace `prefix` sees of a broker topic: the topic without the prefix, the topic as is
 * for in-flight messages of a stored session (stored already rewritten), or null when it is not the device's.
 */
export function topicForDevice(prefix: string, topic: string): string | null {
  if (topic.startsWith(prefix)) return topic.slice(prefix.length);
  if (topic.startsWith('$') || OWNER_PREFIX.test(topic)) return null;
  return topic;
}

/** Bytes of a PUBLISH as sent to an MQTT 5 client (Infinity when it cannot be encoded). */
export function publishWireSize(p: { topic: string; payload: Buffer | string; qos: 0 | 1 | 2; retain: boolean; properties?: object }): number {
  try {
    const packet = { cmd: 'publish', topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, dup: false, messageId: 1, properties: p.properties };
    return mqttPacket.generate(packet as mqttPacket.IPublishPacket, { protocolVersion: 5 }).length;
  } catch {
    return Infinity;
  }
}
