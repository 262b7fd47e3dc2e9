import mqttPacket from 'mqtt-packet';

import { topicMatches } from '../common/index.js';

/** `$share/<group>/<filter>` (MQTT 5.0 §4.8.2); null when `filter` is not a valid shared subscription. */
export function parseShared(filter: unknown): { group: string; filter: string } | null {
  if (typeof filter !== 'string' || !filter.startsWith('$share/')) return null;
  const rest = filter.slice('$share/'.length);
  const slash = rest.indexOf('/');
  // [MQTT-4.8.2-1] [MQTT-4.8.2-2] a non-empty share name without wildcards, then a filter.
  if (slash <= 0 || slash === rest.length - 1) return null;
  const group = rest.slice(0, slash);
  if (/[+#]/.test(group)) return null;
  return { group, filter: rest.slice(slash + 1) };
}

/** The filters one session subscribed to inside the broker, and which of them are shared (by group). */
export class SessionFilters {
  // Made on the first SUBSCRIBE: most device sessions never subscribe (~300 B per connection spared).
  private plain: Set<string> | null = null;
  private shared: Map<string, Set<string>> | null = null;

  get hasShared(): boolean {
    return this.shared !== null && this.shared.size > 0;
  }

  add(brokerFilter: string, group: string | null): void {
    if (group === null) return void (this.plain ??= new Set()).add(brokerFilter);
    const shared = (this.shared ??= new Map());
    let groups = shared.get(brokerFilter);
    if (!groups) shared.set(brokerFilter, (groups = new Set()));
    groups.add(group);
  }

  remove(brokerFilter: string, group: string | null): void {
    if (group === null) return void this.plain?.delete(brokerFilter);
    const groups = this.shared?.get(brokerFilter);
    groups?.delete(group);
    if (groups && !groups.size) this.shared!.delete(brokerFilter);
  }

  /** Every subscription: its broker filter and, for a shared one, its group. */
  *entries(): Iterable<{ filter: string; group: string | null }> {
    for (const filter of this.plain ?? []) yield { filter, group: null };
    for (const [filter, groups] of this.shared ?? []) for (const group of groups) yield { filter, group };
  }

  /** Plain subscriptions matching `topic`, and the shared ones as `<group>\u0000<filter>` keys. */
  matching(topic: string): { plain: boolean; groups: string[] } {
    let plain = false;
    for (const f of this.plain ?? []) if (topicMatches(f, topic)) plain = true;
    const groups: string[] = [];
    for (const [f, gs] of this.shared ?? []) if (topicMatches(f, topic)) for (const g of gs) groups.push(`${g}\u0000${f}`);
    return { plain, groups };
  }
}

/**
 * Who gets each message of a shared subscription group: the first member the broker offers it to
 * ([MQTT-4.8.2-3]: one session of the group). Decisions are kept for the last `capacity` messages, so a member
 * offered the same message later (a queued copy of an offline session) does not get it a second time.
 */
export class SharedDelivery {
  private readonly chosen = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {}

  /** Whether `clientId` is the one member of `groupKey` that gets message `messageKey`. */
  claim(groupKey: string, messageKey: string, clientId: string): boolean {
    const key = `${groupKey}\u0000${messageKey}`;
    const winner = this.chosen.get(key);
    if (winner !== undefined) return winner === clientId;
    this.chosen.set(key, clientId);
    if (this.chosen.size > this.capacity) this.chosen.delete(this.chosen.keys().next().value!);
    return true;
  }
}

/** An MQTT 5 CONNACK without "Shared Subscription Available: 0" (absent means available, §3.2.2.3.15). */
export function advertiseSharedSubscriptions(connack: Buffer): Buffer {
  let decoded: (mqttPacket.IConnackPacket & { properties?: Record<string, unknown> }) | null = null;
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  parser.on('packet', (p) => (decoded = p as typeof decoded));
  parser.parse(connack);
  const packet = decoded as (mqttPacket.IConnackPacket & { properties?: Record<string, unknown> }) | null;
  if (packet?.cmd !== 'connack' || packet.properties?.sharedSubscriptionAvailable !== false) return connack;
  delete packet.properties.sharedSubscriptionAvailable;
  return mqttPacket.generate(packet, { protocolVersion: 5 });
}
