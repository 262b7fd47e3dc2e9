"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Session = exports.SessionState = void 0;
exports.describeError = describeError;
const shared_subscriptions_js_1 = require("./shared-subscriptions.js");
/** Where one client connection is, from accept to close. */
var SessionState;
(function (SessionState) {
    /** Accepted; CONNECT not yet authenticated. */
    SessionState["CONNECTING"] = "CONNECTING";
    /** Its CONNECT was refused (the connection log has why). */
    SessionState["REFUSED"] = "REFUSED";
    /** Credentials accepted: the device counts as ONLINE; the CONNACK is on its way. */
    SessionState["AUTHENTICATED"] = "AUTHENTICATED";
    /** Registered by the broker (CONNACK sent); logged as CONNECTED. */
    SessionState["ONLINE"] = "ONLINE";
    SessionState["ENDED"] = "ENDED";
})(SessionState || (exports.SessionState = SessionState = {}));
/** One client connection of the message server. */
class Session {
    constructor(client, conn, listener) {
        this.client = client;
        this.conn = conn;
        this.listener = listener;
        this.state = SessionState.CONNECTING;
        this.clientId = null;
        this.username = null;
        this.protocolVersion = null;
        this.keepalive = null;
        this.clean = null;
        this.device = null;
        this.fingerprint = null;
        /** `<organizationId>/`: every topic of the device lives under it inside the broker. */
        this.prefix = null;
        /** How it ended, when it did: a newer connection with the same client id took over. */
        this.takenOver = false;
        /** How it ended, when it did: the client sent DISCONNECT (a graceful end: no will). */
        this.disconnected = false;
        this.closeReason = null;
        /** Its subscriptions as the broker holds them, with their share groups. */
        this.filters = new shared_subscriptions_js_1.SessionFilters();
        this.endedPromise = new Promise((resolve) => (this.resolveEnded = resolve));
    }
    get live() {
        return this.state !== SessionState.ENDED;
    }
    setReason(reason) {
        this.closeReason ??= reason;
    }
    /** Ends the connection; an MQTT 5 client is told why first (DISCONNECT with a reason code). */
    disconnect(reasonCode, reasonString) {
        this.client.disconnect({ reasonCode, ...(reasonString ? { properties: { reasonString } } : {}) });
    }
    /** Two-way TLS: the client certificate (DER). */
    peerCertificate() {
        const peer = this.conn.socket.getPeerCertificate?.(false);
        return peer && peer.raw ? peer.raw : undefined;
    }
    end() {
        this.state = SessionState.ENDED;
        this.resolveEnded();
    }
    /** The connection-log fields describing this connection. */
    details() {
        return {
            clientId: this.clientId,
            username: this.username,
            remoteAddress: this.conn.remoteAddress ?? null,
            remotePort: this.conn.remotePort ?? null,
            listener: this.listener,
            protocolVersion: this.protocolVersion,
            keepalive: this.keepalive,
            cleanSession: this.clean,
        };
    }
}
exports.Session = Session;
/** A connection error as the connection log states it. */
function describeError(err) {
    if (err.message === 'keep alive timeout')
        return 'keepalive timeout';
    if (err.message === 'packet too large' && err.size)
        return `packet too large: ${err.size} bytes (limit ${err.maximumPacketSize})`;
    if (err.code && /^E[A-Z]+$/.test(err.code))
        return `socket error: ${err.code}`;
    return err.message || String(err);
}
//# sourceMappingURL=session.js.map