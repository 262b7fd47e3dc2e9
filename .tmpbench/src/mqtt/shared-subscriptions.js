"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.SharedDelivery = exports.SessionFilters = void 0;
exports.parseShared = parseShared;
exports.advertiseSharedSubscriptions = advertiseSharedSubscriptions;
const mqtt_packet_1 = __importDefault(require("mqtt-packet"));
const topics_js_1 = require("../common/topics.js");
/** `$share/<group>/<filter>` (MQTT 5.0 §4.8.2); null when `filter` is not a valid shared subscription. */
function parseShared(filter) {
    if (typeof filter !== 'string' || !filter.startsWith('$share/'))
        return null;
    const rest = filter.slice('$share/'.length);
    const slash = rest.indexOf('/');
    // [MQTT-4.8.2-1] [MQTT-4.8.2-2] a non-empty share name without wildcards, then a filter.
    if (slash <= 0 || slash === rest.length - 1)
        return null;
    const group = rest.slice(0, slash);
    if (/[+#]/.test(group))
        return null;
    return { group, filter: rest.slice(slash + 1) };
}
/** The filters one session subscribed to inside the broker, and which of them are shared (by group). */
class SessionFilters {
    constructor() {
        this.plain = new Set();
        this.shared = new Map();
    }
    get hasShared() {
        return this.shared.size > 0;
    }
    add(brokerFilter, group) {
        if (group === null)
            return void this.plain.add(brokerFilter);
        let groups = this.shared.get(brokerFilter);
        if (!groups)
            this.shared.set(brokerFilter, (groups = new Set()));
        groups.add(group);
    }
    remove(brokerFilter, group) {
        if (group === null)
            return void this.plain.delete(brokerFilter);
        const groups = this.shared.get(brokerFilter);
        groups?.delete(group);
        if (groups && !groups.size)
            this.shared.delete(brokerFilter);
    }
    /** Plain subscriptions matching `topic`, and the shared ones as `<group>\u0000<filter>` keys. */
    matching(topic) {
        let plain = false;
        for (const f of this.plain)
            if ((0, topics_js_1.topicMatches)(f, topic))
                plain = true;
        const groups = [];
        for (const [f, gs] of this.shared)
            if ((0, topics_js_1.topicMatches)(f, topic))
                for (const g of gs)
                    groups.push(`${g}\u0000${f}`);
        return { plain, groups };
    }
}
exports.SessionFilters = SessionFilters;
/**
 * Who gets each message of a shared subscription group: the first member the broker offers it to
 * ([MQTT-4.8.2-3]: one session of the group). Decisions are kept for the last `capacity` messages, so a member
 * offered the same message later (a queued copy of an offline session) does not get it a second time.
 */
class SharedDelivery {
    constructor(capacity = 100_000) {
        this.capacity = capacity;
        this.chosen = new Map();
    }
    /** Whether `clientId` is the one member of `groupKey` that gets message `messageKey`. */
    claim(groupKey, messageKey, clientId) {
        const key = `${groupKey}\u0000${messageKey}`;
        const winner = this.chosen.get(key);
        if (winner !== undefined)
            return winner === clientId;
        this.chosen.set(key, clientId);
        if (this.chosen.size > this.capacity)
            this.chosen.delete(this.chosen.keys().next().value);
        return true;
    }
}
exports.SharedDelivery = SharedDelivery;
/** An MQTT 5 CONNACK without "Shared Subscription Available: 0" (absent means available, §3.2.2.3.15). */
function advertiseSharedSubscriptions(connack) {
    let decoded = null;
    const parser = mqtt_packet_1.default.parser({ protocolVersion: 5 });
    parser.on('packet', (p) => (decoded = p));
    parser.parse(connack);
    const packet = decoded;
    if (packet?.cmd !== 'connack' || packet.properties?.sharedSubscriptionAvailable !== false)
        return connack;
    delete packet.properties.sharedSubscriptionAvailable;
    return mqtt_packet_1.default.generate(packet, { protocolVersion: 5 });
}
//# sourceMappingURL=shared-subscriptions.js.map