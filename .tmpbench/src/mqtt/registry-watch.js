"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RegistryWatch = void 0;
const connection_log_entity_js_1 = require("../broker/connection-log.entity.js");
const aedes_internals_js_1 = require("./aedes-internals.js");
const reason_codes_js_1 = require("./reason-codes.js");
const normalizeFingerprint = (fp) => fp.replace(/[^0-9a-f]/gi, '').toLowerCase();
/**
 * Ends the sessions a registry change invalidates, at once: credentials changed (key, username, auth type,
 * blocked, deleted), certificate revoked or unbound; and, after registry events may have been missed (the
 * scale-out link was down: `registryResync`), checks every live session against the database again.
 */
class RegistryWatch {
    constructor(server, bus, auth, devices, connectionLog, deviceEvents, log) {
        this.server = server;
        this.bus = bus;
        this.auth = auth;
        this.devices = devices;
        this.connectionLog = connectionLog;
        this.deviceEvents = deviceEvents;
        this.log = log;
        this.onCredentialsChanged = (e) => this.credentialsChanged(e);
        this.onCertificateWithdrawn = (e) => this.certificateWithdrawn(e);
        this.onDisconnectRequested = (e) => void this.kick((s) => s.device?.id === e.deviceId || s.clientId === e.deviceNumber, e.reason);
        this.onResync = () => void this.recheckSessions().catch((err) => this.log.error('re-checking MQTT sessions failed', err));
    }
    start() {
        this.bus.on('deviceCredentialsChanged', this.onCredentialsChanged);
        this.bus.on('certificateWithdrawn', this.onCertificateWithdrawn);
        this.bus.on('registryResync', this.onResync);
        this.bus.on('deviceDisconnectRequested', this.onDisconnectRequested);
    }
    stop() {
        this.bus.off('deviceCredentialsChanged', this.onCredentialsChanged);
        this.bus.off('certificateWithdrawn', this.onCertificateWithdrawn);
        this.bus.off('registryResync', this.onResync);
        this.bus.off('deviceDisconnectRequested', this.onDisconnectRequested);
    }
    /**
     * Ends every live session no longer allowed: device gone, blocked, changed since the session authenticated, or
     * its certificate no longer valid. Returns how many.
     */
    async recheckSessions() {
        this.auth.clear();
        const live = [...this.server.sessions()].filter((s) => s.device && s.live);
        const found = await this.devices.byIds([...new Set(live.map((s) => s.device.id))]);
        const devices = new Map(found.filter((d) => d != null).map((d) => [d.id, d]));
        let ended = 0;
        for (const s of live) {
            const was = s.device;
            const now = devices.get(was.id);
            let stale = !now || now.blocked || now.authType !== was.authType || now.username !== was.username || now.updatedAt.getTime() > was.updatedAt.getTime();
            const verifier = this.server.certificates();
            if (!stale && s.listener === connection_log_entity_js_1.MqttListener.MQTTS_MUTUAL && verifier) {
                stale = !(await verifier.verifyDeviceCertificate(s.clientId ?? '', s.peerCertificate())).ok;
            }
            if (stale && s.live) {
                s.setReason('kicked: credentials changed while registry events were missed');
                this.log.info('MQTT session kicked', { deviceId: was.id, clientId: s.clientId, listener: s.listener, reason: 'credentials changed while registry events were missed' });
                s.disconnect(reason_codes_js_1.ReasonCode.ADMINISTRATIVE_ACTION, 'credentials changed');
                ended += 1;
            }
        }
        return ended;
    }
    kick(match, reason) {
        const kicked = [];
        for (const s of this.server.sessions()) {
            if (!s.device || !s.live || !match(s))
                continue;
            s.setReason(`kicked: ${reason}`);
            this.log.info('MQTT session kicked', { deviceId: s.device.id, clientId: s.clientId, listener: s.listener, reason });
            s.disconnect(reason_codes_js_1.ReasonCode.ADMINISTRATIVE_ACTION, reason);
            kicked.push(s);
        }
        return kicked;
    }
    credentialsChanged(e) {
        this.auth.invalidate(e.deviceNumber);
        const kicked = this.kick((s) => s.device?.id === e.deviceId || s.clientId === e.deviceNumber, e.reason);
        this.server.track((async () => {
            await Promise.all(kicked.map((s) => s.endedPromise));
            const [device] = await this.devices.byIds([e.deviceId]);
            if (device)
                return;
            // Deleted: its log and events go too, and so does any session state kept under its client id.
            await this.connectionLog.deleteForDevice(e.deviceId);
            await this.deviceEvents.deleteForDevice(e.deviceId);
            const broker = this.server.broker();
            if (broker)
                await (0, aedes_internals_js_1.dropStoredSession)(broker, e.deviceNumber);
        })());
    }
    certificateWithdrawn(e) {
        const fp = normalizeFingerprint(e.fingerprint);
        // Only the listed devices' sessions: unbinding from one device leaves others using the certificate.
        const devices = new Set(e.deviceIds);
        this.kick((s) => s.fingerprint != null && normalizeFingerprint(s.fingerprint) === fp && (devices.size === 0 || devices.has(s.device.id)), e.reason);
    }
}
exports.RegistryWatch = RegistryWatch;
//# sourceMappingURL=registry-watch.js.map