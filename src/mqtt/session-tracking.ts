import type { Aedes, Client } from 'aedes';

import type { ClientConnection } from './session.js';

/**
 * A session's subscriptions as the client sent them (outside its namespace; shared ones as `$share/<group>/<filter>`),
 * with the QoS granted, sorted by filter. Which subscriptions exist comes from the session's filters (kept as the
 * SUBSCRIBE/UNSUBSCRIBE packets are namespaced); the QoS from the broker's SUBACK.
 */
export function subscriptionsOf(s: ClientConnection): Array<{ topicFilter: string; qos: number }> {
  const prefix = s.prefix ?? '';
  const out: Array<{ topicFilter: string; qos: number }> = [];
  for (const { filter, group } of s.filters.entries()) {
    const outside = filter.startsWith(prefix) ? filter.slice(prefix.length) : filter;
    out.push({ topicFilter: group === null ? outside : `$share/${group}/${outside}`, qos: s.grantedQos?.get(filter) ?? 0 });
  }
  return out.sort((a, b) => (a.topicFilter < b.topicFilter ? -1 : a.topicFilter > b.topicFilter ? 1 : 0));
}

/**
 * Keeps each session's live facts that `Device.connection` shows, from aedes' public events: when it was registered
 * (CONNACK sent) and the QoS granted per broker filter ([MQTT-3.9.3-1]: a failure code is not a subscription).
 */
export function trackSessions(broker: Aedes, sessionOf: (client: Client) => ClientConnection | undefined, now: () => Date): void {
  broker.on('client', (client) => {
    const s = sessionOf(client);
    if (s) s.connectedAt = now();
  });
  broker.on('subscribe', (subs, client) => {
    const s = sessionOf(client);
    if (!s) return;
    for (const sub of subs) if (sub.qos <= 2) (s.grantedQos ??= new Map()).set(sub.topic, sub.qos);
  });
}
