"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.publishAsPlatform = publishAsPlatform;
const errors_js_1 = require("../common/errors.js");
const session_js_1 = require("./session.js");
/**
 * Publishes `message` into the namespace `prefix` as the platform: no device sent it, so no upstream event is
 * recorded, and every session of the owner subscribed to the topic gets it (offline persistent sessions get QoS 1/2
 * messages queued by the broker, retained ones are kept). Resolves with the number of sessions on this instance whose
 * subscriptions match (a shared subscription group counts once).
 */
function publishAsPlatform(broker, prefix, sessions, message) {
    if (!broker)
        return Promise.reject(new errors_js_1.AppError('SERVICE_UNAVAILABLE', 'The message server is not running'));
    const topic = prefix + message.topic;
    let matched = 0;
    const groups = new Set();
    for (const s of sessions) {
        if (s.prefix !== prefix || s.state !== session_js_1.SessionState.ONLINE)
            continue;
        const m = s.filters.matching(topic);
        if (m.plain)
            matched += 1;
        for (const g of m.groups)
            groups.add(g);
    }
    const packet = { cmd: 'publish', topic, payload: message.payload, qos: message.qos, retain: message.retain, dup: false, ...(message.properties ? { properties: message.properties } : {}) };
    return new Promise((resolve, reject) => {
        broker.publish(packet, (err) => (err ? reject(err) : resolve(matched + groups.size)));
    });
}
//# sourceMappingURL=platform-publish.js.map