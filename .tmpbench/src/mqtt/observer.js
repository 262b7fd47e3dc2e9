"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MqttObserver = void 0;
exports.refusalReason = refusalReason;
const connection_log_entity_js_1 = require("../broker/connection-log.entity.js");
const device_auth_js_1 = require("./device-auth.js");
const reason_codes_js_1 = require("./reason-codes.js");
function refusalReason(outcome) {
    if (outcome.message === device_auth_js_1.THROTTLED)
        return 'rate_limited';
    if (outcome.returnCode === reason_codes_js_1.ConnackReturnCode.BAD_USERNAME_OR_PASSWORD)
        return 'bad_credentials';
    if (outcome.returnCode === reason_codes_js_1.ConnackReturnCode.NOT_AUTHORIZED)
        return /blocked/.test(outcome.message) ? 'blocked' : 'not_authorized';
    return 'server_unavailable';
}
const payloadBytes = (packet) => {
    const p = packet.payload;
    return Buffer.isBuffer(p) ? p.length : typeof p === 'string' ? Buffer.byteLength(p) : 0;
};
/**
 * What happens to the message server's connections, in one place: each connect, refusal, disconnect and takeover
 * is written to the connection log, logged (info, with device id, client id, listener and reason; never a
 * password) and counted; so are messages and payload bytes in and out.
 */
class MqttObserver {
    constructor(connectionLog, log) {
        this.connectionLog = connectionLog;
        this.log = log;
        this.counts = { connects: new Map(), authFailures: new Map(), messagesReceived: 0, messagesSent: 0, payloadBytesReceived: 0, payloadBytesSent: 0 };
    }
    /** Counts every PUBLISH a client got accepted (aedes emits `publish` once it is stored and forwarded). */
    attach(broker) {
        broker.on('publish', (packet, client) => {
            if (!client)
                return;
            this.counts.messagesReceived += 1;
            this.counts.payloadBytesReceived += payloadBytes(packet);
        });
    }
    /** A PUBLISH goes out to a client. */
    sent(packet) {
        this.counts.messagesSent += 1;
        this.counts.payloadBytesSent += payloadBytes(packet);
    }
    /** The broker registered an authenticated client (CONNACK sent). */
    connected(s, device) {
        this.connectionLog.record({ eventType: connection_log_entity_js_1.ConnectionEventType.CONNECTED, organizationId: device.organizationId, deviceId: device.id, certificateFingerprint: s.fingerprint, ...s.details() });
        this.connect(s.listener, 'accepted');
        this.log.info('MQTT client connected', { ...this.fields(s), protocolVersion: s.protocolVersion, keepalive: s.keepalive, cleanSession: s.clean });
    }
    refused(s, outcome) {
        this.connectionLog.record({
            eventType: connection_log_entity_js_1.ConnectionEventType.AUTH_FAILED,
            reason: outcome.message,
            organizationId: outcome.device?.organizationId ?? null,
            deviceId: outcome.device?.id ?? null,
            certificateFingerprint: outcome.fingerprint,
            ...s.details(),
        });
        const reason = refusalReason(outcome);
        this.connect(s.listener, reason);
        this.log.info('MQTT connection refused', { ...this.fields(s), deviceId: outcome.device?.id ?? null, username: s.username, result: reason, reason: outcome.message });
    }
    /** Two-way TLS: the handshake failed (no certificate, or one the platform CA did not issue). */
    handshakeFailed(err, peer) {
        this.connectionLog.record({
            eventType: connection_log_entity_js_1.ConnectionEventType.AUTH_FAILED,
            reason: `TLS handshake failed: ${err.code ?? err.message}`,
            remoteAddress: peer.address ?? null,
            remotePort: peer.port ?? null,
            listener: connection_log_entity_js_1.MqttListener.MQTTS_MUTUAL,
        });
        this.connect(connection_log_entity_js_1.MqttListener.MQTTS_MUTUAL, 'tls_handshake_failed');
        this.log.debug('MQTTS (two-way) handshake failed', { listener: connection_log_entity_js_1.MqttListener.MQTTS_MUTUAL, remoteAddress: peer.address, remotePort: peer.port, reason: err.code ?? err.message });
    }
    /** A session that was online ended: disconnected, kicked, or taken over by a newer connection. */
    ended(s, device) {
        const reason = s.closeReason ?? (s.disconnected ? 'client disconnect' : 'connection closed by client');
        this.connectionLog.record({
            eventType: s.takenOver ? connection_log_entity_js_1.ConnectionEventType.TAKEN_OVER : connection_log_entity_js_1.ConnectionEventType.DISCONNECTED,
            reason,
            organizationId: device.organizationId,
            deviceId: device.id,
            certificateFingerprint: s.fingerprint,
            ...s.details(),
        });
        this.log.info(s.takenOver ? 'MQTT session taken over' : 'MQTT client disconnected', { ...this.fields(s), reason });
    }
    /** Open connections by listener (every listener present, 0 where none). */
    countByListener(sessions) {
        const counts = new Map(Object.values(connection_log_entity_js_1.MqttListener).map((l) => [l, 0]));
        for (const s of sessions)
            counts.set(s.listener, (counts.get(s.listener) ?? 0) + 1);
        return counts;
    }
    connect(listener, result) {
        const key = `${listener}\u0000${result}`;
        const entry = this.counts.connects.get(key);
        if (entry)
            entry.count += 1;
        else
            this.counts.connects.set(key, { listener, result, count: 1 });
        if (result !== 'accepted')
            this.counts.authFailures.set(result, (this.counts.authFailures.get(result) ?? 0) + 1);
    }
    fields(s) {
        return { deviceId: s.device?.id ?? null, clientId: s.clientId, listener: s.listener, remoteAddress: s.conn.remoteAddress ?? null, remotePort: s.conn.remotePort ?? null };
    }
}
exports.MqttObserver = MqttObserver;
//# sourceMappingURL=observer.js.map