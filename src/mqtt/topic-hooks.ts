import type { Aedes, AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';

import { type Logger, messageProperties } from '../common/index.js';
import type { DeviceEventService } from '../history/index.js';
import { holdsIncomingPacket } from './aedes-internals.js';
import { isForbiddenPublishTopic, publishWireSize, topicForDevice } from './namespace.js';
import type { MqttObserver } from './observer.js';
import { ReasonCode } from './reason-codes.js';
import type { ClientConnection } from './session.js';
import { SharedDelivery } from './shared-subscriptions.js';

/**
 * The broker hooks that move messages in and out of an owner's namespace: what a device may publish (and the
 * recording of each upstream PUBLISH before it is acknowledged), subscribe to, and receive.
 */
export class TopicHooks {
  private readonly shared = new SharedDelivery();
  /** Scale-out: whether a live copy of a queued message is not to be sent now (see RedisPersistence.holdsBack). */
  holdsBack: ((clientId: string, packet: AedesPublishPacket) => boolean) | null = null;

  constructor(
    private readonly sessionOf: (client: Client | null) => ClientConnection | undefined,
    private readonly deviceEvents: DeviceEventService,
    private readonly log: Logger,
    private readonly observer: Pick<MqttObserver, 'sent'>,
  ) {}

  authorizeSubscribe(client: Client, sub: Subscription, cb: (err: Error | null, sub?: Subscription | null) => void): void {
    const s = this.sessionOf(client);
    // Outside the owner's namespace: `$SYS`, or a session stored for a previous owner.
    if (!s?.prefix || !sub.topic.startsWith(s.prefix)) return cb(null, null);
    cb(null, sub);
  }

  authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void, broker: Aedes): void {
    const s = this.sessionOf(client);
    if (!s?.prefix || !s.device) return cb(new Error('not authorized'));
    const topic = packet.topic;
    if (isForbiddenPublishTopic(topic)) {
      s.setReason(`publish to a forbidden topic: ${topic.slice(0, 100)}`);
      s.disconnect(ReasonCode.TOPIC_NAME_INVALID);
      return cb(new Error('topic not allowed'));
    }
    // A will is published with the will's properties: Will Delay Interval is not a PUBLISH property ([MQTT-3.3.2]).
    const props = packet.properties as (PublishPacket['properties'] & { willDelayInterval?: number }) | undefined;
    if (props?.willDelayInterval !== undefined) delete props.willDelayInterval;
    const prefix = s.prefix;
    const device = s.device;
    const publish = () => {
      packet.topic = prefix + topic;
      cb(null);
    };
    const record = () => {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload ?? '');
      const row = {
        organizationId: device.organizationId,
        deviceId: device.id,
        topic,
        payload,
        qos: packet.qos ?? 0,
        retain: Boolean(packet.retain),
        properties: messageProperties(packet.properties),
      };
      // Acknowledged means stored: aedes sends PUBACK/PUBREC only after this callback, so after the commit.
      let stored: Promise<void> | undefined;
      try {
        stored = this.deviceEvents.record(row);
      } catch (err) {
        return this.notStored(s, packet, err, publish, cb);
      }
      // QoS 0 without backpressure: routed at once (no promise and microtask per message).
      if (!stored) return publish();
      stored.then(publish, (err: unknown) => this.notStored(s, packet, err, publish, cb));
    };
    // A retransmitted QoS 2 message aedes already has is not published again: do not record it twice.
    if (packet.qos === 2 && packet.messageId !== undefined && client) {
      void holdsIncomingPacket(broker, client, packet).then((held) => (held ? publish() : record()));
      return;
    }
    record();
  }

  authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const s = this.sessionOf(client);
    if (!s?.prefix) return null;
    // [MQTT-4.6.0-6] a resumed session gets what was queued for it before what arrives live meanwhile.
    if (this.holdsBack && packet.qos > 0 && !client.clean && this.holdsBack(client.id, packet)) return null;
    // aedes hands each subscriber its own copy of the packet: rewriting it in place is safe (and needed for
    // messages replayed from a stored session, whose returned copy aedes ignores).
    if (s.filters.hasShared && !this.chosenFor(s, packet)) return null;
    const topic = topicForDevice(s.prefix, packet.topic);
    if (topic === null) return null;
    packet.topic = topic;
    // [MQTT-3.1.2-24] never send a client a packet larger than the Maximum Packet Size it asked for: drop it.
    const max = client.maximumPacketSize;
    if (max && publishWireSize(packet) > max) return null;
    this.observer.sent(packet);
    return packet;
  }

  /**
   * [MQTT-4.8.2-3] a message matching a shared subscription goes to one session of the group; a session also
   * subscribed without a group gets it anyway.
   */
  private chosenFor(s: ClientConnection, packet: AedesPublishPacket): boolean {
    const { plain, groups } = s.filters.matching(packet.topic);
    if (plain || !groups.length) return true;
    const messageKey = `${packet.brokerId}:${packet.brokerCounter}`;
    return groups.some((g) => this.shared.claim(g, messageKey, s.clientId ?? ''));
  }

  /**
   * The device event could not be stored. QoS 0 goes on; QoS 1/2 is not acknowledged: the
   * connection ends (MQTT 5: DISCONNECT 0x89 "storage unavailable") and the client sends it again on reconnect.
   */
  private notStored(s: ClientConnection, packet: PublishPacket, err: unknown, publish: () => void, cb: (err?: Error | null) => void): void {
    if ((packet.qos ?? 0) === 0) {
      this.log.warn(`device event of ${s.clientId} not stored (QoS 0, dropped): ${err instanceof Error ? err.message : String(err)}`);
      return publish();
    }
    s.setReason('storage unavailable');
    s.client.disconnect({ reasonCode: ReasonCode.SERVER_BUSY, properties: { reasonString: 'storage unavailable' } }, () => cb(new Error('storage unavailable')));
  }
}
