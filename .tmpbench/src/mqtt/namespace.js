"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.isForbiddenPublishTopic = exports.filterInside = exports.namespacePrefix = void 0;
exports.namespaceFilters = namespaceFilters;
exports.topicForDevice = topicForDevice;
exports.publishWireSize = publishWireSize;
const mqtt_packet_1 = __importDefault(require("mqtt-packet"));
const shared_subscriptions_js_1 = require("./shared-subscriptions.js");
/**
 * The owner namespace: inside the broker every topic of an owner's devices starts with `<organizationId>/`; devices
 * never see it. Pure functions, used by the message server's hooks.
 */
const namespacePrefix = (organizationId) => `${organizationId}/`;
exports.namespacePrefix = namespacePrefix;
const OWNER_PREFIX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\//i;
/** A filter moved into the namespace; `$` filters stay as they are (and are refused). */
const filterInside = (prefix, filter) => typeof filter === 'string' && filter !== '' && !filter.startsWith('$') ? prefix + filter : filter;
exports.filterInside = filterInside;
/**
 * Moves a SUBSCRIBE's or UNSUBSCRIBE's filters into the namespace, in place, and tells `each` every filter as the
 * broker will hold it with its share group (`$share/<group>/<filter>` becomes `<prefix><filter>` in group
 * `<group>`: a group never spans owners).
 */
function namespaceFilters(prefix, packet, each = () => undefined) {
    const inside = (filter) => {
        const shared = (0, shared_subscriptions_js_1.parseShared)(filter);
        const moved = (0, exports.filterInside)(prefix, shared ? shared.filter : filter);
        if (typeof moved === 'string' && moved.startsWith(prefix))
            each(moved, shared ? shared.group : null);
        return moved;
    };
    if (packet.cmd === 'subscribe' && Array.isArray(packet.subscriptions)) {
        for (const sub of packet.subscriptions)
            sub.topic = inside(sub.topic);
    }
    else if (packet.cmd === 'unsubscribe' && Array.isArray(packet.unsubscriptions)) {
        packet.unsubscriptions = packet.unsubscriptions.map(inside);
    }
}
/** Topics a device may not publish to: system topics, wildcards, NUL. */
const isForbiddenPublishTopic = (topic) => topic.startsWith('$') || /[+#\u0000]/.test(topic);
exports.isForbiddenPublishTopic = isForbiddenPublishTopic;
/**
 * What a device with namespace `prefix` sees of a broker topic: the topic without the prefix, the topic as is
 * for in-flight messages of a stored session (stored already rewritten), or null when it is not the device's.
 */
function topicForDevice(prefix, topic) {
    if (topic.startsWith(prefix))
        return topic.slice(prefix.length);
    if (topic.startsWith('$') || OWNER_PREFIX.test(topic))
        return null;
    return topic;
}
/** Bytes of a PUBLISH as sent to an MQTT 5 client (Infinity when it cannot be encoded). */
function publishWireSize(p) {
    try {
        const packet = { cmd: 'publish', topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, dup: false, messageId: 1, properties: p.properties };
        return mqtt_packet_1.default.generate(packet, { protocolVersion: 5 }).length;
    }
    catch {
        return Infinity;
    }
}
//# sourceMappingURL=namespace.js.map