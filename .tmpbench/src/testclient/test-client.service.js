"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.TestClientService = void 0;
const message_properties_js_1 = require("../common/message-properties.js");
const mqtt_1 = __importDefault(require("mqtt"));
const errors_js_1 = require("../common/errors.js");
const ids_js_1 = require("../common/ids.js");
const runtime_js_1 = require("../common/runtime.js");
const topics_js_1 = require("../common/topics.js");
const device_entity_js_1 = require("../devices/device.entity.js");
const subscribers_js_1 = require("../realtime/subscribers.js");
const index_js_1 = require("../access/index.js");
const index_js_2 = require("../audit/index.js");
const test_client_streams_js_1 = require("./test-client.streams.js");
const test_client_session_js_1 = require("./test-client.session.js");
/**
 * The "Test Center → MQTT Client": per-user server-side mqtt.js clients that connect to our own message server
 * as a chosen device, with that device's real credentials. Sessions live in this process.
 */
class TestClientService {
    constructor(config, 
    /** The message server's PUBLISH payload limit: a larger payload is refused here rather than cut off there. */
    maxPayloadBytes, devices, credentials, certificates, pki, endpoints, clock, log, bus, audit) {
        this.config = config;
        this.maxPayloadBytes = maxPayloadBytes;
        this.devices = devices;
        this.credentials = credentials;
        this.certificates = certificates;
        this.pki = pki;
        this.endpoints = endpoints;
        this.clock = clock;
        this.log = log;
        this.bus = bus;
        this.audit = audit;
        this.sessions = new Map();
        /** Subscriptions watching each session. */
        this.watchers = new subscribers_js_1.SubscriberCounter();
        /** Ends the sessions a user started in an organization once they may no longer drive test clients there. */
        this.onMembershipChanged = ({ organizationId, userId, role }) => {
            if (role && (0, index_js_1.isRole)(role) && (0, index_js_1.allows)(role, index_js_1.Permission.TEST_CLIENT))
                return;
            for (const session of this.sessions.values()) {
                if (session.organizationId === organizationId && session.startedByUserId === userId && session.active) {
                    void this.end(session, test_client_session_js_1.TestClientState.DISCONNECTED, "stopped: the user's membership of the organization ended", true);
                }
            }
        };
        bus.on('membershipChanged', this.onMembershipChanged);
    }
    /** The session and the caller's scope in its organization: NOT_FOUND for non-members, FORBIDDEN below `permission`. */
    async authorize(access, id, permission) {
        const session = (0, ids_js_1.isUuid)(id) ? this.sessions.get(id) : undefined;
        if (!session)
            throw (0, errors_js_1.notFound)('Test client session');
        return { session, scope: await access.within(session.organizationId, permission, 'Test client session') };
    }
    /** A session by id, unchecked (for tests and tools; operations go through authorize). */
    find(id) {
        return this.sessions.get(id);
    }
    /** Sessions connecting or connected, every user's (metrics). */
    get activeSessions() {
        let n = 0;
        for (const s of this.sessions.values())
            if (s.active)
                n += 1;
        return n;
    }
    startedBy(userId) {
        return [...this.sessions.values()].filter((s) => s.startedByUserId === userId).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    }
    list(organizationId) {
        return [...this.sessions.values()].filter((s) => s.organizationId === organizationId).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    }
    async start(access, deviceId, options = {}) {
        const { device, scope } = await this.devices.authorize(access, deviceId, index_js_1.Permission.TEST_CLIENT);
        const { principal } = scope.actor;
        const transport = options.transport ?? (device.authType === device_entity_js_1.DeviceAuthType.CERTIFICATE ? test_client_session_js_1.TestClientTransport.MQTTS_MUTUAL : test_client_session_js_1.TestClientTransport.MQTT);
        if (device.authType === device_entity_js_1.DeviceAuthType.CERTIFICATE && transport !== test_client_session_js_1.TestClientTransport.MQTTS_MUTUAL) {
            throw (0, errors_js_1.badInput)('a CERTIFICATE device connects over MQTTS_MUTUAL (two-way TLS)', 'transport');
        }
        if (device.authType === device_entity_js_1.DeviceAuthType.TOKEN && transport === test_client_session_js_1.TestClientTransport.MQTTS_MUTUAL) {
            throw (0, errors_js_1.badInput)('a TOKEN device connects over MQTT or MQTTS', 'transport');
        }
        const keepalive = options.keepalive ?? 60;
        if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535)
            throw (0, errors_js_1.badInput)('keepalive must be 0–65535 seconds', 'keepalive');
        const mqttVersion = options.mqttVersion ?? 4;
        if (mqttVersion !== 4 && mqttVersion !== 5 && mqttVersion !== 3)
            throw (0, errors_js_1.badInput)('mqttVersion must be 3 (3.1), 4 (3.1.1) or 5', 'mqttVersion');
        const will = options.will ? this.checkWill(options.will) : undefined;
        const own = this.startedBy(principal.userId).filter((s) => s.active);
        if (own.length >= this.config.maxSessionsPerUser) {
            throw new errors_js_1.AppError('LIMIT_EXCEEDED', `at most ${this.config.maxSessionsPerUser} test client sessions may run at once; stop one first`);
        }
        const busy = own.find((s) => s.device.id === device.id);
        if (busy)
            throw new errors_js_1.AppError('CONFLICT', `test client session ${busy.id} is already connected as this device; stop it first`, { sessionId: busy.id });
        if (device.status === device_entity_js_1.DeviceStatus.ONLINE && !options.force) {
            throw new errors_js_1.AppError('CONFLICT', 'the device is online now: a test client with the same client id would disconnect it. Pass force: true to take over its connection.', { reason: 'DEVICE_ONLINE' });
        }
        const endpoints = this.endpoints();
        const port = transport === test_client_session_js_1.TestClientTransport.MQTT ? endpoints?.port : transport === test_client_session_js_1.TestClientTransport.MQTTS ? endpoints?.tlsPort : endpoints?.mutualTlsPort;
        if (!endpoints || port == null)
            throw (0, errors_js_1.badInput)(`the ${transport} listener is not enabled on this server`, 'transport');
        const session = new test_client_session_js_1.TestClientSession(device.organizationId, principal.userId, device, transport, options.cleanSession ?? true, keepalive, mqttVersion, this.clock());
        session.tookOverOnlineDevice = device.status === device_entity_js_1.DeviceStatus.ONLINE;
        const connectOptions = {
            host: endpoints.host,
            port,
            protocol: transport === test_client_session_js_1.TestClientTransport.MQTT ? 'mqtt' : 'mqtts',
            clientId: device.deviceNumber,
            username: device.username,
            clean: session.cleanSession,
            keepalive,
            protocolVersion: mqttVersion,
            reconnectPeriod: 0,
            connectTimeout: this.config.connectTimeoutMs,
            will,
        };
        if (transport !== test_client_session_js_1.TestClientTransport.MQTT) {
            const tls = await this.pki.serverTlsCredentials();
            Object.assign(connectOptions, { ca: tls.caPem, rejectUnauthorized: true, servername: endpoints.tlsServerName });
        }
        if (transport === test_client_session_js_1.TestClientTransport.MQTTS_MUTUAL) {
            const certs = (await this.certificates.certificatesFor([device.id])).get(device.id) ?? [];
            const usable = certs.filter((c) => this.certificates.status(c) === 'ACTIVE').sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime())[0];
            const key = usable ? this.certificates.privateKeyPem(usable) : null;
            if (!usable || !key)
                throw (0, errors_js_1.badInput)('the device has no active certificate (with its private key) bound to it', 'deviceId');
            Object.assign(connectOptions, { cert: usable.certificatePem, key });
        }
        else {
            const key = (await this.credentials.keysFor([device.id])).get(device.id);
            if (!key)
                throw (0, errors_js_1.badInput)('the device has no device key', 'deviceId');
            connectOptions.password = key;
        }
        // Ended sessions stay listed (with their messages) until stopped; keep only the newest few of them.
        const ended = this.startedBy(principal.userId).filter((s) => !s.active);
        for (const old of ended.slice(0, Math.max(0, ended.length - this.config.maxSessionsPerUser + 1)))
            this.sessions.delete(old.id);
        this.sessions.set(session.id, session);
        this.touch(session, principal);
        this.log.info('test client starting', { sessionId: session.id, deviceId: device.id, transport, force: !!options.force });
        await this.audit.record(scope, index_js_2.AuditAction.TEST_CLIENT_STARTED, { type: 'DEVICE', id: device.id, label: device.name }, { sessionId: session.id, transport, force: !!options.force });
        await this.connect(session, connectOptions);
        return session;
    }
    checkWill(will) {
        const problem = (0, topics_js_1.publishTopicProblem)(will.topic);
        if (problem)
            throw (0, errors_js_1.badInput)(`will: ${problem}`, 'will.topic');
        this.parseJson(will.payload, 'will.payload');
        const qos = this.checkQos(will.qos ?? 0, 'will.qos');
        return { topic: will.topic, payload: Buffer.from(will.payload), qos, retain: will.retain ?? false };
    }
    checkQos(qos, field = 'qos') {
        if (qos !== 0 && qos !== 1 && qos !== 2)
            throw (0, errors_js_1.badInput)('qos must be 0, 1 or 2', field);
        return qos;
    }
    parseJson(payload, field) {
        if (Buffer.byteLength(payload) > this.maxPayloadBytes)
            throw (0, errors_js_1.badInput)(`payload must be at most ${this.maxPayloadBytes} bytes`, field);
        try {
            return JSON.parse(payload);
        }
        catch {
            throw (0, errors_js_1.badInput)('payload must be valid JSON', field);
        }
    }
    /** Connects and resolves once the outcome is known (connected, refused, failed or timed out). */
    connect(session, options) {
        return new Promise((resolve) => {
            const client = mqtt_1.default.connect(options);
            session.client = client;
            // mqtt.js can hang without an error when the server rejects a client certificate under TLS 1.3.
            const timer = setTimeout(() => {
                this.fail(session, `timed out after ${this.config.connectTimeoutMs} ms waiting for the server`);
                resolve();
            }, this.config.connectTimeoutMs + 500);
            const settle = () => {
                clearTimeout(timer);
                resolve();
            };
            client.on('connect', () => {
                session.connectedAt = this.clock();
                this.setState(session, test_client_session_js_1.TestClientState.CONNECTED, null);
                settle();
            });
            client.on('error', (err) => {
                this.fail(session, (0, test_client_session_js_1.describeConnectError)(err));
                settle();
            });
            client.on('disconnect', (packet) => {
                const code = packet.reasonCode ?? 0;
                session.error = code === 0x8e ? 'disconnected by the server: another client connected with the same client id' : `disconnected by the server (reason code ${code})`;
            });
            client.on('message', (topic, payload, packet) => {
                this.record(session, test_client_session_js_1.MessageDirection.RECEIVED, topic, payload, packet.qos, packet.retain, (0, message_properties_js_1.messageProperties)(packet.properties));
            });
            client.on('close', () => {
                if (session.state === test_client_session_js_1.TestClientState.CONNECTED) {
                    void this.end(session, test_client_session_js_1.TestClientState.DISCONNECTED, session.error ?? 'connection closed by the server (another client may have connected with the same client id)');
                }
                else if (session.state === test_client_session_js_1.TestClientState.CONNECTING) {
                    this.fail(session, 'the server closed the connection before accepting it');
                }
                settle();
            });
        });
    }
    fail(session, reason) {
        if (!session.active)
            return;
        void this.end(session, test_client_session_js_1.TestClientState.ERROR, reason);
    }
    setState(session, state, error) {
        session.state = state;
        session.error = error;
        session.events.emit('state', session);
    }
    /**
     * Ends the session (idempotent) and frees its socket and timers. `graceful`: send DISCONNECT first, so the
     * broker drops the will message; otherwise the socket is just closed and the broker publishes the will.
     */
    async end(session, state, reason, graceful = false) {
        if (!session.active)
            return;
        clearTimeout(session.idleTimer);
        clearTimeout(session.expiryTimer);
        session.endedAt = this.clock();
        const client = session.client;
        this.setState(session, state, reason);
        this.log.info('test client ended', { sessionId: session.id, state, reason });
        if (client)
            await this.disconnect(client, graceful);
        session.events.emit('end');
    }
    async disconnect(client, graceful) {
        client.removeAllListeners('close');
        if (graceful && client.connected) {
            await new Promise((resolve) => {
                // A broker that does not answer must not keep the socket open.
                const timer = setTimeout(() => client.end(true, {}, () => resolve()), 2000);
                client.end(false, {}, () => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
        else {
            await new Promise((resolve) => client.end(true, {}, () => resolve()));
        }
    }
    /** Records use by a principal: resets the idle timer and extends the lifetime to the latest token's expiry. */
    touch(session, principal) {
        if (!session.active)
            return;
        clearTimeout(session.idleTimer);
        session.idleTimer = setTimeout(() => void this.end(session, test_client_session_js_1.TestClientState.DISCONNECTED, 'stopped after being idle', true), this.config.idleTimeoutMs);
        session.idleTimer.unref();
        if (!principal)
            return;
        const expiresAt = principal.tokenExpiresAt ?? null;
        if (session.expiresAt === null)
            return; // an API key keeps it alive until idle
        if (expiresAt === null) {
            session.expiresAt = null;
            clearTimeout(session.expiryTimer);
            return;
        }
        if (session.expiresAt && session.expiresAt >= expiresAt)
            return;
        session.expiresAt = expiresAt;
        clearTimeout(session.expiryTimer);
        session.expiryTimer = (0, runtime_js_1.timerAt)(expiresAt, this.clock, () => void this.end(session, test_client_session_js_1.TestClientState.DISCONNECTED, "stopped: the user's session token expired", true));
    }
    requireConnected(session) {
        if (session.state !== test_client_session_js_1.TestClientState.CONNECTED || !session.client) {
            throw new errors_js_1.AppError('CONFLICT', `the test client is ${session.state.toLowerCase()}, not connected`, { state: session.state });
        }
        return session.client;
    }
    record(session, direction, topic, payload, qos, retain, properties) {
        const text = payload.toString('utf8');
        let json = null;
        try {
            json = JSON.parse(text);
        }
        catch {
            json = null;
        }
        const message = { seq: ++session.seq, direction, topic, payload: text, json, qos, retain, properties, at: this.clock() };
        session.messages.push(message);
        if (session.messages.length > this.config.bufferSize) {
            session.messages.splice(0, session.messages.length - this.config.bufferSize);
            session.droppedCount = session.seq - session.messages.length;
        }
        session.events.emit('message', message);
        return message;
    }
    async publish(access, sessionId, topic, payload, qos = 0, retain = false, properties = null) {
        const { session, scope } = await this.authorize(access, sessionId, index_js_1.Permission.TEST_CLIENT);
        const { principal } = scope.actor;
        const problem = (0, topics_js_1.publishTopicProblem)(topic);
        if (problem)
            throw (0, errors_js_1.badInput)(problem, 'topic');
        this.parseJson(payload, 'payload');
        const q = this.checkQos(qos);
        const props = (0, message_properties_js_1.packetProperties)(properties);
        if (props && session.mqttVersion !== 5)
            throw (0, errors_js_1.badInput)('properties need an MQTT 5 session (options.mqttVersion: 5)', 'properties');
        if (props?.responseTopic !== undefined && (0, topics_js_1.publishTopicProblem)(props.responseTopic))
            throw (0, errors_js_1.badInput)('responseTopic must be a topic name without wildcards', 'properties');
        const client = this.requireConnected(session);
        this.touch(session, principal);
        await client.publishAsync(topic, payload, { qos: q, retain, ...(props ? { properties: props } : {}) });
        return this.record(session, test_client_session_js_1.MessageDirection.REPORTED, topic, Buffer.from(payload), q, retain, (0, message_properties_js_1.messageProperties)(props));
    }
    async subscribe(access, sessionId, topicFilter, qos = 0) {
        const { session, scope } = await this.authorize(access, sessionId, index_js_1.Permission.TEST_CLIENT);
        const { principal } = scope.actor;
        const problem = (0, topics_js_1.topicFilterProblem)(topicFilter);
        if (problem)
            throw (0, errors_js_1.badInput)(problem, 'topicFilter');
        const q = this.checkQos(qos);
        const client = this.requireConnected(session);
        this.touch(session, principal);
        const granted = await client.subscribeAsync(topicFilter, { qos: q });
        const result = granted[0];
        if (!result || result.qos > 2)
            throw new errors_js_1.AppError('FORBIDDEN', `the server refused the subscription to "${topicFilter}"`);
        session.subscriptions.set(topicFilter, result.qos);
        session.events.emit('state', session);
        return session;
    }
    async unsubscribe(access, sessionId, topicFilter) {
        const { session, scope } = await this.authorize(access, sessionId, index_js_1.Permission.TEST_CLIENT);
        const { principal } = scope.actor;
        if (!session.subscriptions.has(topicFilter))
            throw (0, errors_js_1.badInput)(`not subscribed to "${topicFilter}"`, 'topicFilter');
        const client = this.requireConnected(session);
        this.touch(session, principal);
        await client.unsubscribeAsync(topicFilter);
        session.subscriptions.delete(topicFilter);
        session.events.emit('state', session);
        return session;
    }
    /**
     * Disconnects and forgets the session; returns its final state. `abrupt`: close the socket without DISCONNECT,
     * as a device that loses power would, so the broker publishes the session's will message.
     */
    async stop(access, sessionId, abrupt = false) {
        const { session } = await this.authorize(access, sessionId, index_js_1.Permission.TEST_CLIENT);
        await this.end(session, test_client_session_js_1.TestClientState.DISCONNECTED, abrupt ? 'dropped by the user without DISCONNECT (will message published)' : 'stopped by the user', !abrupt);
        this.sessions.delete(session.id);
        return session;
    }
    /**
     * Messages of a session: those still buffered after `afterSeq`, then live ones, with no gap and no duplicate.
     * Ends when the session ends.
     */
    async messages(access, sessionId, afterSeq = 0) {
        const { session, scope } = await this.authorize(access, sessionId, index_js_1.Permission.READ);
        return access.service.guard(scope, index_js_1.Permission.READ, (0, test_client_streams_js_1.sessionMessages)(session, this.watchers, this.config.bufferSize, afterSeq));
    }
    /** The session now, then at each change (connect, disconnect, subscriptions); ends after the session ends. */
    async stateChanges(access, sessionId) {
        const { session, scope } = await this.authorize(access, sessionId, index_js_1.Permission.READ);
        return access.service.guard(scope, index_js_1.Permission.READ, (0, test_client_streams_js_1.sessionStates)(session, this.watchers));
    }
    /** Resolves once a subscription watches the session, at once if one already does (for tests and tools). */
    whenWatched(sessionId) {
        return this.watchers.whenAny(sessionId);
    }
    /** Stops every session and frees every socket. */
    async close() {
        this.bus.off('membershipChanged', this.onMembershipChanged);
        await Promise.all([...this.sessions.values()].map((session) => this.end(session, test_client_session_js_1.TestClientState.DISCONNECTED, 'server shutting down', true)));
        this.sessions.clear();
    }
}
exports.TestClientService = TestClientService;
//# sourceMappingURL=test-client.service.js.map