"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.DeviceAuthenticator = exports.THROTTLED = void 0;
exports.connackWithReasonCode = connackWithReasonCode;
const mqtt_packet_1 = __importDefault(require("mqtt-packet"));
const auth_cache_js_1 = require("./auth-cache.js");
const reason_codes_js_1 = require("./reason-codes.js");
/** The message of a throttled refusal (connection log). */
exports.THROTTLED = 'connection rate exceeded: too many failed attempts';
/** Rewrites an MQTT 5 CONNACK to carry `reasonCode` (aedes maps an authentication error to 0x80–0x88 only). */
function connackWithReasonCode(reasonCode) {
    return (connack) => {
        let packet = null;
        const parser = mqtt_packet_1.default.parser({ protocolVersion: 5 });
        parser.on('packet', (p) => (packet = p));
        parser.parse(connack);
        const decoded = packet;
        if (decoded?.cmd !== 'connack' || !decoded.reasonCode)
            return connack;
        return mqtt_packet_1.default.generate({ ...decoded, reasonCode }, { protocolVersion: 5 });
    };
}
const refused = (returnCode, message, device = null, fingerprint = null) => ({
    ok: false,
    returnCode,
    message,
    device,
    fingerprint,
});
/**
 * A throttled CONNECT is refused at once, without looking at its credentials: MQTT 5 with 0x9F Connection rate
 * exceeded, MQTT 3.1/3.1.1 with 3 Server unavailable (a transient refusal: "try later", where 4 or 5 would tell
 * the client its credentials are wrong, which was not checked).
 */
const throttled = () => ({ ...refused(reason_codes_js_1.ConnackReturnCode.SERVER_UNAVAILABLE, exports.THROTTLED), reasonCode: reason_codes_js_1.ReasonCode.CONNECTION_RATE_EXCEEDED });
/**
 * Device authentication: Token devices by client id, username and key (cached, one registry lookup shared by
 * concurrent connects), Certificate devices by their client certificate; throttled per client id and address.
 */
class DeviceAuthenticator {
    constructor(credentials, cacheTtlMs, clock, throttle) {
        this.credentials = credentials;
        this.throttle = throttle;
        this.inflight = new Map();
        this.cache = new auth_cache_js_1.AuthCache(cacheTtlMs, clock);
    }
    get stats() {
        return { hits: this.cache.hits, misses: this.cache.misses };
    }
    /** Forgets cached logins of a client id (its credentials changed). */
    invalidate(clientId) {
        this.cache.invalidate(clientId);
    }
    /** Forgets every cached login (registry events may have been missed). */
    clear() {
        this.cache.clear();
    }
    async authenticate(r) {
        if (this.throttle) {
            const admission = await this.throttle.admit(r.clientId, r.address);
            if (!admission.allowed)
                return throttled();
        }
        const outcome = r.certificate ? await this.byCertificate(r, r.certificate) : await this.byToken(r);
        if (this.throttle)
            await (outcome.ok ? this.throttle.succeeded(r.clientId, r.address) : this.throttle.failed(r.clientId, r.address));
        return outcome;
    }
    async byCertificate(r, c) {
        const v = await c.verifier.verifyDeviceCertificate(r.clientId, c.der);
        if (v.ok) {
            // A username, when given, must be the device's.
            if (r.username !== undefined && r.username !== v.device.username) {
                return refused(reason_codes_js_1.ConnackReturnCode.BAD_USERNAME_OR_PASSWORD, "bad username or password: not the device's username", v.device, v.fingerprint);
            }
            return { ok: true, device: v.device, fingerprint: v.fingerprint };
        }
        if (v.reason === 'BAD_CREDENTIALS')
            return refused(reason_codes_js_1.ConnackReturnCode.BAD_USERNAME_OR_PASSWORD, `bad certificate: ${v.detail}`, v.device, v.fingerprint);
        return refused(reason_codes_js_1.ConnackReturnCode.NOT_AUTHORIZED, `not authorized: ${v.detail}`, v.device, v.fingerprint);
    }
    async byToken({ clientId, username, password }) {
        for (let attempt = 0;; attempt++) {
            const generation = this.cache.generation(clientId);
            const cached = this.cache.get(clientId, username, password);
            if (cached)
                return { ok: true, device: cached, fingerprint: null };
            const r = await this.lookup(clientId, username, password, generation);
            // The credentials changed while we looked them up: look again, the answer may be stale.
            if (this.cache.generation(clientId) !== generation && attempt < 3)
                continue;
            if (r.ok) {
                this.cache.put(clientId, username, password, r.device, generation);
                return { ok: true, device: r.device, fingerprint: null };
            }
            if (r.reason === 'BAD_CREDENTIALS')
                return refused(reason_codes_js_1.ConnackReturnCode.BAD_USERNAME_OR_PASSWORD, 'bad username or password', r.device ?? null);
            const message = r.detail === 'BLOCKED' ? 'not authorized: device blocked' : 'not authorized: certificate devices connect with two-way TLS';
            return refused(reason_codes_js_1.ConnackReturnCode.NOT_AUTHORIZED, message, r.device);
        }
    }
    /** One registry lookup for concurrent connects with the same credentials (a reconnect storm). */
    lookup(clientId, username, password, generation) {
        // Only lookups started after the same credential change are shared.
        const key = `${generation}\u0000${this.cache.lookupKey(clientId, username, password)}`;
        let pending = this.inflight.get(key);
        if (!pending) {
            pending = this.credentials.verifyDeviceCredentials(clientId, username, password).finally(() => this.inflight.delete(key));
            this.inflight.set(key, pending);
        }
        return pending;
    }
}
exports.DeviceAuthenticator = DeviceAuthenticator;
//# sourceMappingURL=device-auth.js.map