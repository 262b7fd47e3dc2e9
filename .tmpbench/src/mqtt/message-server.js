"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessageServer = void 0;
const node_events_1 = require("node:events");
const mqemitter_redis_1 = __importDefault(require("mqemitter-redis"));
const aedes_1 = require("aedes");
const connection_log_entity_js_1 = require("../broker/connection-log.entity.js");
const retention_js_1 = require("../broker/retention.js");
const aedes_internals_js_1 = require("./aedes-internals.js");
const registry_watch_js_1 = require("./registry-watch.js");
const device_auth_js_1 = require("./device-auth.js");
const listeners_js_1 = require("./listeners.js");
const namespace_js_1 = require("./namespace.js");
const platform_publish_js_1 = require("./platform-publish.js");
const recovery_js_1 = require("./recovery.js");
const observer_js_1 = require("./observer.js");
const presence_js_1 = require("./presence.js");
const reason_codes_js_1 = require("./reason-codes.js");
const session_js_1 = require("./session.js");
const shared_subscriptions_js_1 = require("./shared-subscriptions.js");
const topic_hooks_js_1 = require("./topic-hooks.js");
const wire_guard_js_1 = require("./wire-guard.js");
/** Bytes a packet may have beyond the payload limit: fixed header, topic, packet id, MQTT 5 properties. */
const PACKET_OVERHEAD = 8 * 1024;
/**
 * The embedded MQTT message server: aedes (MQTT 3.1, 3.1.1 and 5) behind plain and TLS listeners. It
 * authenticates devices against the registry, keeps each owner's devices in a topic namespace of their own
 * (`<organizationId>/...` inside the broker, invisible to devices), records connection events and upstream messages,
 * keeps device status, and disconnects sessions whose credentials change.
 */
class MessageServer extends node_events_1.EventEmitter {
    constructor(d) {
        super();
        this.d = d;
        this.broker = null;
        this.sessions = new Map();
        /** Every session by its client, also after it ended: a delayed will is published after the connection is gone. */
        this.everSeen = new WeakMap();
        this.sockets = new Set();
        this.background = new Set();
        this.closing = false;
        this.closed = false;
        this.tls = {};
        this.auth = new device_auth_js_1.DeviceAuthenticator(d.credentials, d.config.authCacheTtlMs, d.clock, d.connectThrottle);
        this.presence = new presence_js_1.Presence(d.devices, d.pubSub, d.clock, d.log, d.instanceId);
        this.endpoints = new listeners_js_1.Listeners(d.config, d.log, (d.config.maxPayloadBytes + PACKET_OVERHEAD) * 2);
        this.observer = new observer_js_1.MqttObserver(d.connectionLog, d.log);
        this.retention = new retention_js_1.Retention(d.config, d.connectionLog, d.deviceEvents, d.log);
        this.retention.on('retention', (r) => this.emit('retention', r));
        const watched = { sessions: () => this.sessions.values(), broker: () => this.broker, certificates: () => this.tls.certificates };
        const helpers = { track: (p) => this.track(p) };
        this.watch = new registry_watch_js_1.RegistryWatch({ ...watched, ...helpers }, d.bus, this.auth, d.devices, d.connectionLog, d.deviceEvents, d.log);
        this.topics = new topic_hooks_js_1.TopicHooks((client) => (client ? this.everSeen.get(client) : undefined), d.deviceEvents, d.log, this.observer);
    }
    get ports() {
        return this.endpoints.ports;
    }
    get maxPacketBytes() {
        return this.d.config.maxPayloadBytes + PACKET_OVERHEAD;
    }
    /** Number of open client connections (authenticated or not). */
    get connectionCount() {
        return this.sessions.size;
    }
    /** Open client connections by listener (metrics). */
    connectionsByListener() {
        return this.observer.countByListener(this.sessions.values());
    }
    /** Auth cache statistics (tests, metrics). */
    get authCacheStats() {
        return this.auth.stats;
    }
    /** Publishes into an owner's namespace as the platform (no device, no upstream event); see platform-publish.ts. */
    publishAsPlatform(organizationId, message) {
        return (0, platform_publish_js_1.publishAsPlatform)(this.broker, (0, namespace_js_1.namespacePrefix)(organizationId), this.sessions.values(), message);
    }
    /** Starts the broker and its listeners (those configured; TLS ones only with `pki`/`certificates`). */
    async start(tlsDeps = {}) {
        const cfg = this.d.config;
        this.tls = tlsDeps;
        if (!cfg.enabled)
            return this.ports;
        await (0, recovery_js_1.recoverAfterRestart)(this.d.devices, this.d.connectionLog, this.d.clock, this.d.instanceId, this.d.log);
        const broker = await aedes_1.Aedes.createBroker({
            id: this.d.instanceId,
            ...(this.d.redisUrl ? { mq: this.sharedEmitter(this.d.redisUrl) } : {}),
            // Client ids are device numbers (≤ 64 characters), also for MQTT 3.1 clients.
            maxClientsIdLength: 128,
            connectTimeout: cfg.connectTimeoutMs,
            // [MQTT-3.2.2-15] advertised in CONNACK and enforced: what is advertised is what is accepted.
            maximumPacketSize: this.maxPacketBytes,
            topicAliasMaximum: cfg.topicAliasMaximum,
            pendingSessionsLimit: cfg.pendingSessionsLimit,
            preConnect: (client, packet, cb) => this.preConnect(client, packet, cb),
            authenticate: (client, username, password, cb) => this.authenticate(client, username, password, cb),
            authorizePublish: (client, packet, cb) => this.topics.authorizePublish(client, packet, cb, broker),
            authorizeSubscribe: (client, sub, cb) => this.topics.authorizeSubscribe(client, sub, cb),
            authorizeForward: (client, packet) => this.topics.authorizeForward(client, packet),
        });
        this.broker = broker;
        (0, aedes_internals_js_1.checkAedesInternals)(broker);
        this.observer.attach(broker);
        this.hookBroker(broker);
        this.watch.start();
        await this.endpoints.open(tlsDeps, {
            accept: (socket, listener) => this.accept(socket, listener),
            mutualHandshakeFailed: (err, peer) => this.tlsHandshakeFailed(err, peer),
        });
        this.retention.start();
        const on = (name, port) => (port != null ? `${name} ${cfg.host}:${port}` : null);
        this.d.log.info(`MQTT listening: ${[on('mqtt', this.ports.port), on('mqtts', this.ports.tlsPort), on('mqtts-mutual', this.ports.mutualTlsPort)].filter(Boolean).join(', ')}`);
        return this.ports;
    }
    /** Deletes connection-log rows and device events beyond their retention (also every interval); returns how many. */
    runRetention() {
        return this.retention.run();
    }
    /** Stops listening, disconnects every client (logged as "server shutdown") and writes everything buffered. */
    async close() {
        if (this.closed)
            return;
        this.closing = true;
        this.watch.stop();
        const listenersClosed = this.endpoints.close();
        for (const s of this.sessions.values()) {
            s.setReason('server shutdown');
            if (s.state === session_js_1.SessionState.ONLINE)
                s.disconnect(reason_codes_js_1.ReasonCode.SERVER_SHUTTING_DOWN);
        }
        if (this.broker) {
            await new Promise((resolve) => this.broker.close(() => resolve()));
        }
        for (const s of [...this.sessions.values()])
            this.sessionEnded(s);
        for (const socket of this.sockets)
            socket.destroy();
        await listenersClosed;
        await this.settle();
        this.presence.close();
        await this.retention.stop();
        await this.d.connectionLog.close();
        await this.d.deviceEvents.writer.close();
        this.closed = true;
    }
    /** Resolves when pending status updates and clean-ups are done (tests). */
    async settle() {
        for (;;) {
            const pending = [...this.presence.pending, ...this.background];
            if (!pending.length)
                return;
            await Promise.all(pending);
        }
    }
    /** Drops cached logins, checks every live session against the registry again, ends those no longer allowed. */
    recheckSessions() {
        return this.watch.recheckSessions();
    }
    // ---- connections -------------------------------------------------------------------------------
    /** A new client connection on one of the listeners (TCP, TLS, or MQTT over WebSocket). */
    accept(socket, listener) {
        if (this.closing || !this.broker) {
            socket.destroy();
            return;
        }
        socket.setNoDelay?.(true);
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        // The guard passes a CONNECT of limited size, then nothing until the CONNACK is out; larger packets than
        // the broker accepts (its own limit answers 0x95) are cut off at their header.
        const conn = new wire_guard_js_1.WireGuard(socket, { connectMaxBytes: this.d.config.connectMaxBytes, maxPacketBytes: this.maxPacketBytes * 2 });
        // The listener must not throw on socket errors before aedes has attached its own handlers.
        conn.on('error', () => undefined);
        const client = this.broker.handle(conn);
        const session = new session_js_1.Session(client, conn, listener);
        this.sessions.set(client, session);
        this.everSeen.set(client, session);
        // Namespacing SUBSCRIBE/UNSUBSCRIBE filters must happen before aedes reads them (aedes has no hook
        // for UNSUBSCRIBE): listen on its packet parser, ahead of aedes itself.
        (0, aedes_internals_js_1.beforeEachPacket)(client, (packet) => this.onPacket(session, packet));
        conn.once('close', () => {
            if (conn.problem && session.state !== session_js_1.SessionState.ONLINE) {
                this.d.log.warn(`MQTT connection from ${conn.remoteAddress}:${conn.remotePort} closed before authentication: ${conn.problem}`);
            }
            if (session.state !== session_js_1.SessionState.ONLINE)
                this.sessionEnded(session);
        });
    }
    /** Every packet of an authenticated client, before aedes handles it (the guard holds packets until then). */
    onPacket(s, packet) {
        if (packet.cmd === 'disconnect')
            s.disconnected = true;
        else if (s.prefix && packet.cmd === 'subscribe')
            (0, namespace_js_1.namespaceFilters)(s.prefix, packet, (f, group) => s.filters.add(f, group));
        else if (s.prefix && packet.cmd === 'unsubscribe')
            (0, namespace_js_1.namespaceFilters)(s.prefix, packet, (f, group) => s.filters.remove(f, group));
    }
    /**
     * The Redis-backed emitter shared by every instance. aedes announces each new client on
     * `$SYS/<broker id>/new/clients` and closes its own client with that id when another instance announces it;
     * this listener marks that session as taken over and tells an MQTT 5 client so.
     */
    sharedEmitter(redisUrl) {
        const mq = (0, mqemitter_redis_1.default)({ connectionString: redisUrl });
        // ioredis reconnects by itself; unheard, a Redis outage would be an uncaught 'error' and end the process.
        (0, aedes_internals_js_1.redisEmitterState)(mq).on('error', (err) => this.d.log.warn(`Redis (MQTT messages): ${err.message}`));
        mq.on('$SYS/+/new/clients', (packet, done) => {
            const serverId = packet.topic.split('/')[1];
            const clientId = String(packet.payload);
            if (serverId !== this.d.instanceId) {
                for (const s of this.sessions.values()) {
                    if (s.clientId !== clientId || s.state !== session_js_1.SessionState.ONLINE)
                        continue;
                    s.takenOver = true;
                    s.setReason(`taken over by a new connection on instance ${serverId}`);
                    s.disconnect(reason_codes_js_1.ReasonCode.SESSION_TAKEN_OVER);
                }
            }
            done();
        });
        return mq;
    }
    hookBroker(broker) {
        // What the client sent after its CONNECT is read once the CONNACK is out, so aedes handles it in order.
        broker.on('connackSent', (packet, client) => {
            const conn = this.sessions.get(client)?.conn;
            if (!conn || (packet.returnCode !== 0 && packet.reasonCode !== 0))
                return;
            if (client.version === 5)
                conn.limitInflight(client.receiveMaximum);
            conn.release();
        });
        // A DISCONNECT waits for the SUBSCRIBE/UNSUBSCRIBE before it (see WireGuard).
        broker.on('subscribe', (_subs, client) => this.sessions.get(client)?.conn.requestCompleted());
        broker.on('unsubscribe', (_unsubs, client) => this.sessions.get(client)?.conn.requestCompleted());
        broker.on('client', (client) => {
            const s = this.sessions.get(client);
            if (s)
                this.sessionStarted(s);
        });
        broker.on('clientDisconnect', (client) => {
            const s = this.sessions.get(client);
            if (s)
                this.sessionEnded(s);
        });
        broker.on('keepaliveTimeout', (client) => this.sessions.get(client)?.setReason('keepalive timeout'));
        broker.on('clientError', (client, err) => {
            const s = this.sessions.get(client);
            if (s && s.state !== session_js_1.SessionState.REFUSED)
                s.setReason((0, session_js_1.describeError)(err));
        });
        broker.on('connectionError', (client, err) => {
            const s = this.sessions.get(client);
            this.d.log.warn(`MQTT connection from ${s?.conn.remoteAddress ?? '?'}:${s?.conn.remotePort ?? '?'} closed before CONNECT completed: ${(0, session_js_1.describeError)(err)}`);
        });
        broker.on('error', (err) => this.d.log.error('MQTT broker error', err));
    }
    preConnect(client, packet, cb) {
        const s = this.sessions.get(client);
        if (!s || this.closing)
            return cb(new Error('server shutting down'), false);
        s.clientId = typeof packet.clientId === 'string' ? packet.clientId : null;
        s.username = typeof packet.username === 'string' ? packet.username : null;
        s.keepalive = typeof packet.keepalive === 'number' ? packet.keepalive : null;
        s.clean = typeof packet.clean === 'boolean' ? packet.clean : null;
        s.protocolVersion = typeof packet.protocolVersion === 'number' ? packet.protocolVersion : null;
        // aedes 2.0.0-beta.1 always says shared subscriptions are unavailable; Portico has them.
        if (s.protocolVersion === 5)
            s.conn.rewriteFirstPacket(shared_subscriptions_js_1.advertiseSharedSubscriptions);
        cb(null, true);
    }
    authenticate(client, username, password, cb) {
        const s = this.sessions.get(client);
        if (!s)
            return cb(Object.assign(new Error('not authorized'), { returnCode: reason_codes_js_1.ConnackReturnCode.NOT_AUTHORIZED }), null);
        const mutual = s.listener === connection_log_entity_js_1.MqttListener.MQTTS_MUTUAL;
        if (mutual && !this.tls.certificates)
            return cb(Object.assign(new Error('server unavailable'), { returnCode: reason_codes_js_1.ConnackReturnCode.SERVER_UNAVAILABLE }), null);
        const certificate = mutual ? { der: s.peerCertificate(), verifier: this.tls.certificates } : undefined;
        this.auth.authenticate({ clientId: s.clientId ?? '', username, password, address: s.conn.remoteAddress ?? '', ...(certificate ? { certificate } : {}) }).then((outcome) => {
            if (outcome.ok) {
                this.authenticated(s, outcome.device, outcome.fingerprint);
                if (s.protocolVersion === 5 && s.clean === false && client.sessionExpiryInterval === 0)
                    (0, aedes_internals_js_1.resumeQueuedMessages)(client);
                // The device is ONLINE (in the database) before its CONNACK leaves.
                void this.presence.hold(outcome.device, s).then(() => cb(null, true));
                return;
            }
            this.refused(s, outcome);
            if (outcome.reasonCode !== undefined && s.protocolVersion === 5)
                s.conn.rewriteFirstPacket((0, device_auth_js_1.connackWithReasonCode)(outcome.reasonCode));
            cb(Object.assign(new Error(outcome.message), { returnCode: outcome.returnCode }), null);
        }, (err) => {
            this.d.log.error('MQTT authentication failed with an internal error', err);
            this.refused(s, { ok: false, returnCode: reason_codes_js_1.ConnackReturnCode.SERVER_UNAVAILABLE, message: 'server unavailable', device: null, fingerprint: null });
            cb(Object.assign(new Error('server unavailable'), { returnCode: reason_codes_js_1.ConnackReturnCode.SERVER_UNAVAILABLE }), null);
        });
    }
    authenticated(s, device, fingerprint) {
        s.state = session_js_1.SessionState.AUTHENTICATED;
        s.device = device;
        s.fingerprint = fingerprint;
        s.prefix = (0, namespace_js_1.namespacePrefix)(device.organizationId);
        // [MQTT-3.1.4-2] aedes closes an older session with this client id when this one registers (MQTT 5 clients
        // get 0x8E): the older one is logged as taken over.
        for (const old of this.sessions.values()) {
            if (old === s || old.clientId !== s.clientId || old.state !== session_js_1.SessionState.ONLINE)
                continue;
            old.takenOver = true;
            old.setReason(`taken over by a new connection${s.conn.remoteAddress ? ` from ${s.conn.remoteAddress}:${s.conn.remotePort}` : ''}`);
        }
    }
    refused(s, outcome) {
        s.state = session_js_1.SessionState.REFUSED;
        this.observer.refused(s, outcome);
    }
    tlsHandshakeFailed(err, peer) {
        if (!this.closing)
            this.observer.handshakeFailed(err, peer);
    }
    /** The broker registered the client (CONNACK sent). */
    sessionStarted(s) {
        if (!s.device || s.state !== session_js_1.SessionState.AUTHENTICATED)
            return;
        s.state = session_js_1.SessionState.ONLINE;
        this.observer.connected(s, s.device);
        this.emit('sessionStarted', s.device.id);
    }
    sessionEnded(s) {
        if (!s.live)
            return;
        const wasOnline = s.state === session_js_1.SessionState.ONLINE;
        s.end();
        this.sessions.delete(s.client);
        if (!s.device)
            return;
        if (wasOnline) {
            this.observer.ended(s, s.device);
            this.emit('sessionEnded', s.device.id);
        }
        // Taken over: the newer session holds the device now (on this instance or another).
        this.presence.release(s.device, s, s.takenOver);
    }
    track(p) {
        const tracked = p.catch((err) => this.d.log.error('message server background task failed', err));
        this.background.add(tracked);
        void tracked.then(() => this.background.delete(tracked));
    }
}
exports.MessageServer = MessageServer;
//# sourceMappingURL=message-server.js.map