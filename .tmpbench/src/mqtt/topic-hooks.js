"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TopicHooks = void 0;
const aedes_internals_js_1 = require("./aedes-internals.js");
const message_properties_js_1 = require("../common/message-properties.js");
const namespace_js_1 = require("./namespace.js");
const reason_codes_js_1 = require("./reason-codes.js");
const shared_subscriptions_js_1 = require("./shared-subscriptions.js");
/**
 * The broker hooks that move messages in and out of an owner's namespace: what a device may publish (and the
 * recording of each upstream PUBLISH before it is acknowledged), subscribe to, and receive.
 */
class TopicHooks {
    constructor(sessionOf, deviceEvents, log, observer) {
        this.sessionOf = sessionOf;
        this.deviceEvents = deviceEvents;
        this.log = log;
        this.observer = observer;
        this.shared = new shared_subscriptions_js_1.SharedDelivery();
    }
    authorizeSubscribe(client, sub, cb) {
        const s = this.sessionOf(client);
        // Outside the owner's namespace: `$SYS`, or a session stored for a previous owner.
        if (!s?.prefix || !sub.topic.startsWith(s.prefix))
            return cb(null, null);
        cb(null, sub);
    }
    authorizePublish(client, packet, cb, broker) {
        const s = this.sessionOf(client);
        if (!s?.prefix || !s.device)
            return cb(new Error('not authorized'));
        const topic = packet.topic;
        if ((0, namespace_js_1.isForbiddenPublishTopic)(topic)) {
            s.setReason(`publish to a forbidden topic: ${topic.slice(0, 100)}`);
            s.disconnect(reason_codes_js_1.ReasonCode.TOPIC_NAME_INVALID);
            return cb(new Error('topic not allowed'));
        }
        // A will is published with the will's properties: Will Delay Interval is not a PUBLISH property ([MQTT-3.3.2]).
        const props = packet.properties;
        if (props?.willDelayInterval !== undefined)
            delete props.willDelayInterval;
        const prefix = s.prefix;
        const device = s.device;
        const publish = () => {
            packet.topic = prefix + topic;
            cb(null);
        };
        const record = () => {
            const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload ?? '');
            const row = { organizationId: device.organizationId, deviceId: device.id, topic, payload, qos: packet.qos ?? 0, retain: Boolean(packet.retain), properties: (0, message_properties_js_1.messageProperties)(packet.properties) };
            // Acknowledged means stored: aedes sends PUBACK/PUBREC only after this callback, so after the commit.
            new Promise((resolve) => resolve(this.deviceEvents.record(row))).then(publish, (err) => this.notStored(s, packet, err, publish, cb));
        };
        // A retransmitted QoS 2 message aedes already has is not published again: do not record it twice.
        if (packet.qos === 2 && packet.messageId !== undefined && client) {
            void (0, aedes_internals_js_1.holdsIncomingPacket)(broker, client, packet).then((held) => (held ? publish() : record()));
            return;
        }
        record();
    }
    authorizeForward(client, packet) {
        const s = this.sessionOf(client);
        if (!s?.prefix)
            return null;
        // aedes hands each subscriber its own copy of the packet: rewriting it in place is safe (and needed for
        // messages replayed from a stored session, whose returned copy aedes ignores).
        if (s.filters.hasShared && !this.chosenFor(s, packet))
            return null;
        const topic = (0, namespace_js_1.topicForDevice)(s.prefix, packet.topic);
        if (topic === null)
            return null;
        packet.topic = topic;
        // [MQTT-3.1.2-24] never send a client a packet larger than the Maximum Packet Size it asked for: drop it.
        const max = client.maximumPacketSize;
        if (max && (0, namespace_js_1.publishWireSize)(packet) > max)
            return null;
        this.observer.sent(packet);
        return packet;
    }
    /**
     * [MQTT-4.8.2-3] a message matching a shared subscription goes to one session of the group; a session also
     * subscribed without a group gets it anyway.
     */
    chosenFor(s, packet) {
        const { plain, groups } = s.filters.matching(packet.topic);
        if (plain || !groups.length)
            return true;
        const messageKey = `${packet.brokerId}:${packet.brokerCounter}`;
        return groups.some((g) => this.shared.claim(g, messageKey, s.clientId ?? ''));
    }
    /**
     * The device event could not be stored. QoS 0 goes on; QoS 1/2 is not acknowledged: the
     * connection ends (MQTT 5: DISCONNECT 0x89 "storage unavailable") and the client sends it again on reconnect.
     */
    notStored(s, packet, err, publish, cb) {
        if ((packet.qos ?? 0) === 0) {
            this.log.warn(`device event of ${s.clientId} not stored (QoS 0, dropped): ${err instanceof Error ? err.message : String(err)}`);
            return publish();
        }
        s.setReason('storage unavailable');
        s.client.disconnect({ reasonCode: reason_codes_js_1.ReasonCode.SERVER_BUSY, properties: { reasonString: 'storage unavailable' } }, () => cb(new Error('storage unavailable')));
    }
}
exports.TopicHooks = TopicHooks;
//# sourceMappingURL=topic-hooks.js.map