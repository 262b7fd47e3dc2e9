import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

import { allows, isRole, Permission, type Principal, type RequestAccess, type Scope } from '../access/index.js';
import { AuditAction, type AuditService } from '../audit/index.js';
import type { CertificateService } from '../certificates/index.js';
import {
  AppError,
  badInput,
  type Clock,
  isUuid,
  type Logger,
  type MessageProperties,
  messageProperties,
  notFound,
  packetProperties,
  publishTopicProblem,
  type RegistryBus,
  timerAt,
  topicFilterProblem,
} from '../common/index.js';
import type { TestClientConfig } from '../config/index.js';
import type { CredentialService } from '../credentials/index.js';
import { DeviceAuthType, type DeviceService, DeviceStatus } from '../devices/index.js';
import { ReasonCode } from '../mqtt/index.js';
import type { PkiService } from '../pki/index.js';
import { SubscriberCounter } from '../realtime/index.js';
import { checkQos, checkWill, parseJsonPayload } from './test-client.checks.js';
import { describeConnectError, MessageDirection, type MqttEndpoints, type StartOptions, TestClientSession, TestClientState, TestClientTransport, type TestMessage } from './test-client.session.js';
import { sessionMessages, sessionStates } from './test-client.streams.js';

/**
 * The "Test Center → MQTT Client": per-user server-side mqtt.js clients that connect to our own message server
 * as a chosen device, with that device's real credentials. Sessions live in this process.
 */
export class TestClientService {
  private readonly sessions = new Map<string, TestClientSession>();
  /** Subscriptions watching each session. */
  private readonly watchers = new SubscriberCounter();
  /** Told when a session is kept and forgotten (scale-out: the routes to it from other instances). */
  observer: { added(session: TestClientSession): void; removed(session: TestClientSession): void } | null = null;

  /** Set by useListeners(); no session starts before. */
  private endpoints: MqttEndpoints | null = null;

  constructor(
    private readonly config: TestClientConfig,
    /** The message server's PUBLISH payload limit: a larger payload is refused here rather than cut off there. */
    private readonly maxPayloadBytes: number,
    private readonly devices: DeviceService,
    private readonly credentials: CredentialService,
    private readonly certificates: CertificateService,
    private readonly pki: PkiService,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly bus: RegistryBus,
    private readonly audit: AuditService,
  ) {
    bus.on('membershipChanged', this.onMembershipChanged);
  }

  /** Where the embedded message server listens (null: MQTT off); createApp calls it once the listeners are bound. */
  useListeners(endpoints: MqttEndpoints | null): void {
    this.endpoints = endpoints;
  }

  /** The session and the caller's scope in its organization: NOT_FOUND for non-members, FORBIDDEN below `permission`. */
  async authorize(access: RequestAccess, id: string, permission: Permission): Promise<{ session: TestClientSession; scope: Scope }> {
    const session = isUuid(id) ? this.sessions.get(id) : undefined;
    if (!session) throw notFound('Test client session');
    return { session, scope: await access.within(session.organizationId, permission, 'Test client session') };
  }

  /** A session by id, unchecked (for tests and tools; operations go through authorize). */
  find(id: string): TestClientSession | undefined {
    return this.sessions.get(id);
  }

  /** Sessions connecting or connected, every user's (metrics). */
  get activeSessions(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.active) n += 1;
    return n;
  }

  /** Ends the sessions a user started in an organization once they may no longer drive test clients there. */
  private readonly onMembershipChanged = ({ organizationId, userId, role }: { organizationId: string; userId: string; role: string | null }) => {
    if (role && isRole(role) && allows(role, Permission.TEST_CLIENT)) return;
    for (const session of this.sessions.values()) {
      if (session.organizationId === organizationId && session.startedByUserId === userId && session.active) {
        void this.end(session, TestClientState.DISCONNECTED, "stopped: the user's membership of the organization ended", true);
      }
    }
  };

  private startedBy(userId: string): TestClientSession[] {
    return [...this.sessions.values()].filter((s) => s.startedByUserId === userId).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  list(organizationId: string): TestClientSession[] {
    return [...this.sessions.values()].filter((s) => s.organizationId === organizationId).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  async start(access: RequestAccess, deviceId: string, options: StartOptions = {}): Promise<TestClientSession> {
    const { device, scope } = await this.devices.authorize(access, deviceId, Permission.TEST_CLIENT);
    const { principal } = scope.actor;
    const transport = options.transport ?? (device.authType === DeviceAuthType.CERTIFICATE ? TestClientTransport.MQTTS_MUTUAL : TestClientTransport.MQTT);
    if (device.authType === DeviceAuthType.CERTIFICATE && transport !== TestClientTransport.MQTTS_MUTUAL) {
      throw badInput('a CERTIFICATE device connects over MQTTS_MUTUAL (two-way TLS)', 'transport');
    }
    if (device.authType === DeviceAuthType.TOKEN && transport === TestClientTransport.MQTTS_MUTUAL) {
      throw badInput('a TOKEN device connects over MQTT or MQTTS', 'transport');
    }
    const keepalive = options.keepalive ?? 60;
    if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) throw badInput('keepalive must be 0–65535 seconds', 'keepalive');
    const mqttVersion = options.mqttVersion ?? 4;
    if (mqttVersion !== 4 && mqttVersion !== 5 && mqttVersion !== 3) throw badInput('mqttVersion must be 3 (3.1), 4 (3.1.1) or 5', 'mqttVersion');
    const will = options.will ? checkWill(options.will, this.maxPayloadBytes) : undefined;

    const own = this.startedBy(principal.userId).filter((s) => s.active);
    if (own.length >= this.config.maxSessionsPerUser) {
      throw new AppError('LIMIT_EXCEEDED', `at most ${this.config.maxSessionsPerUser} test client sessions may run at once; stop one first`);
    }
    const busy = own.find((s) => s.device.id === device.id);
    if (busy) throw new AppError('CONFLICT', `test client session ${busy.id} is already connected as this device; stop it first`, { sessionId: busy.id });
    if (device.status === DeviceStatus.ONLINE && !options.force) {
      throw new AppError('CONFLICT', 'the device is online now: a test client with the same client id would disconnect it. Pass force: true to take over its connection.', { reason: 'DEVICE_ONLINE' });
    }

    const endpoints = this.endpoints;
    const port = transport === TestClientTransport.MQTT ? endpoints?.port : transport === TestClientTransport.MQTTS ? endpoints?.tlsPort : endpoints?.mutualTlsPort;
    if (!endpoints || port == null) throw badInput(`the ${transport} listener is not enabled on this server`, 'transport');

    const session = new TestClientSession(device.organizationId, principal.userId, device, transport, options.cleanSession ?? true, keepalive, mqttVersion, this.clock());
    session.tookOverOnlineDevice = device.status === DeviceStatus.ONLINE;
    const connectOptions: IClientOptions = {
      host: endpoints.host,
      port,
      protocol: transport === TestClientTransport.MQTT ? 'mqtt' : 'mqtts',
      clientId: device.deviceNumber,
      username: device.username,
      clean: session.cleanSession,
      keepalive,
      protocolVersion: mqttVersion as 3 | 4 | 5,
      reconnectPeriod: 0,
      connectTimeout: this.config.connectTimeoutMs,
      will,
    };
    if (transport !== TestClientTransport.MQTT) {
      const tls = await this.pki.serverTlsCredentials();
      Object.assign(connectOptions, { ca: tls.caPem, rejectUnauthorized: true, servername: endpoints.tlsServerName });
    }
    if (transport === TestClientTransport.MQTTS_MUTUAL) {
      const certs = (await this.certificates.certificatesFor([device.id])).get(device.id) ?? [];
      const usable = certs.filter((c) => this.certificates.status(c) === 'ACTIVE').sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime())[0];
      const key = usable ? this.certificates.privateKeyPem(usable) : null;
      if (!usable || !key) throw badInput('the device has no active certificate (with its private key) bound to it', 'deviceId');
      Object.assign(connectOptions, { cert: usable.certificatePem, key });
    } else {
      const key = (await this.credentials.keysFor([device.id])).get(device.id);
      if (!key) throw badInput('the device has no device key', 'deviceId');
      connectOptions.password = key;
    }

    // Ended sessions stay listed (with their messages) until stopped; keep only the newest few of them.
    const ended = this.startedBy(principal.userId).filter((s) => !s.active);
    for (const old of ended.slice(0, Math.max(0, ended.length - this.config.maxSessionsPerUser + 1))) {
      this.sessions.delete(old.id);
      this.observer?.removed(old);
    }
    this.sessions.set(session.id, session);
    this.observer?.added(session);
    this.touch(session, principal);
    this.log.info('test client starting', { sessionId: session.id, deviceId: device.id, transport, force: !!options.force });
    await this.audit.record(scope, AuditAction.TEST_CLIENT_STARTED, { type: 'DEVICE', id: device.id, label: device.name }, { sessionId: session.id, transport, force: !!options.force });
    await this.connect(session, connectOptions);
    return session;
  }

  /** Connects and resolves once the outcome is known (connected, refused, failed or timed out). */
  private connect(session: TestClientSession, options: IClientOptions): Promise<void> {
    return new Promise<void>((resolve) => {
      const client = mqtt.connect(options);
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
        this.setState(session, TestClientState.CONNECTED, null);
        settle();
      });
      client.on('error', (err) => {
        this.fail(session, describeConnectError(err as Error & { code?: unknown }));
        settle();
      });
      client.on('disconnect', (packet) => {
        const code = packet.reasonCode ?? ReasonCode.SUCCESS;
        session.error = code === ReasonCode.SESSION_TAKEN_OVER ? 'disconnected by the server: another client connected with the same client id' : `disconnected by the server (reason code ${code})`;
      });
      client.on('message', (topic, payload, packet) => {
        this.record(session, MessageDirection.RECEIVED, topic, payload, packet.qos, packet.retain, messageProperties(packet.properties));
      });
      client.on('close', () => {
        if (session.state === TestClientState.CONNECTED) {
          void this.end(session, TestClientState.DISCONNECTED, session.error ?? 'connection closed by the server (another client may have connected with the same client id)');
        } else if (session.state === TestClientState.CONNECTING) {
          this.fail(session, 'the server closed the connection before accepting it');
        }
        settle();
      });
    });
  }

  private fail(session: TestClientSession, reason: string): void {
    if (!session.active) return;
    void this.end(session, TestClientState.ERROR, reason);
  }

  private setState(session: TestClientSession, state: TestClientState, error: string | null): void {
    session.state = state;
    session.error = error;
    session.events.emit('state', session);
  }

  /**
   * Ends the session (idempotent) and frees its socket and timers. `graceful`: send DISCONNECT first, so the
   * broker drops the will message; otherwise the socket is just closed and the broker publishes the will.
   */
  private async end(session: TestClientSession, state: TestClientState, reason: string | null, graceful = false): Promise<void> {
    if (!session.active) return;
    clearTimeout(session.idleTimer);
    clearTimeout(session.expiryTimer);
    session.endedAt = this.clock();
    const client = session.client;
    this.setState(session, state, reason);
    this.log.info('test client ended', { sessionId: session.id, state, reason });
    if (client) await this.disconnect(client, graceful);
    session.events.emit('end');
  }

  private async disconnect(client: MqttClient, graceful: boolean): Promise<void> {
    client.removeAllListeners('close');
    if (graceful && client.connected) {
      await new Promise<void>((resolve) => {
        // A broker that does not answer must not keep the socket open.
        const timer = setTimeout(() => client.end(true, {}, () => resolve()), 2000);
        client.end(false, {}, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    } else {
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    }
  }

  /** Records use by a principal: resets the idle timer and extends the lifetime to the latest token's expiry. */
  private touch(session: TestClientSession, principal?: Principal): void {
    if (!session.active) return;
    clearTimeout(session.idleTimer);
    session.idleTimer = setTimeout(() => void this.end(session, TestClientState.DISCONNECTED, 'stopped after being idle', true), this.config.idleTimeoutMs);
    session.idleTimer.unref();
    if (!principal) return;
    const expiresAt = principal.tokenExpiresAt ?? null;
    if (session.expiresAt === null) return; // an API key keeps it alive until idle
    if (expiresAt === null) {
      session.expiresAt = null;
      clearTimeout(session.expiryTimer);
      return;
    }
    if (session.expiresAt && session.expiresAt >= expiresAt) return;
    session.expiresAt = expiresAt;
    clearTimeout(session.expiryTimer);
    session.expiryTimer = timerAt(expiresAt, this.clock, () => void this.end(session, TestClientState.DISCONNECTED, "stopped: the user's session token expired", true));
  }

  private requireConnected(session: TestClientSession): MqttClient {
    if (session.state !== TestClientState.CONNECTED || !session.client) {
      throw new AppError('CONFLICT', `the test client is ${session.state.toLowerCase()}, not connected`, { state: session.state });
    }
    return session.client;
  }

  private record(session: TestClientSession, direction: MessageDirection, topic: string, payload: Buffer, qos: number, retain: boolean, properties: MessageProperties | null): TestMessage {
    const text = payload.toString('utf8');
    let json: unknown = null;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      json = null;
    }
    const message: TestMessage = { seq: ++session.seq, direction, topic, payload: text, json, qos, retain, properties, at: this.clock() };
    session.messages.push(message);
    if (session.messages.length > this.config.bufferSize) {
      session.messages.splice(0, session.messages.length - this.config.bufferSize);
      session.droppedCount = session.seq - session.messages.length;
    }
    session.events.emit('message', message);
    return message;
  }

  // The operations below act on a session the caller was authorized for (TestClientRoutes does it, on any instance).

  async publishIn(session: TestClientSession, principal: Principal, topic: string, payload: string, qos = 0, retain = false, properties: MessageProperties | null = null): Promise<TestMessage> {
    const problem = publishTopicProblem(topic);
    if (problem) throw badInput(problem, 'topic');
    parseJsonPayload(payload, 'payload', this.maxPayloadBytes);
    const q = checkQos(qos);
    const props = packetProperties(properties);
    if (props && session.mqttVersion !== 5) throw badInput('properties need an MQTT 5 session (options.mqttVersion: 5)', 'properties');
    if (props?.responseTopic !== undefined && publishTopicProblem(props.responseTopic)) throw badInput('responseTopic must be a topic name without wildcards', 'properties');
    const client = this.requireConnected(session);
    this.touch(session, principal);
    await client.publishAsync(topic, payload, { qos: q, retain, ...(props ? { properties: props } : {}) });
    return this.record(session, MessageDirection.REPORTED, topic, Buffer.from(payload), q, retain, messageProperties(props));
  }

  async subscribeIn(session: TestClientSession, principal: Principal, topicFilter: string, qos = 0): Promise<TestClientSession> {
    const problem = topicFilterProblem(topicFilter);
    if (problem) throw badInput(problem, 'topicFilter');
    const q = checkQos(qos);
    const client = this.requireConnected(session);
    this.touch(session, principal);
    const granted = await client.subscribeAsync(topicFilter, { qos: q });
    const result = granted[0];
    if (!result || result.qos > 2) throw new AppError('FORBIDDEN', `the server refused the subscription to "${topicFilter}"`);
    session.subscriptions.set(topicFilter, result.qos);
    session.events.emit('state', session);
    return session;
  }

  async unsubscribeIn(session: TestClientSession, principal: Principal, topicFilter: string): Promise<TestClientSession> {
    if (!session.subscriptions.has(topicFilter)) throw badInput(`not subscribed to "${topicFilter}"`, 'topicFilter');
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
  async stopSession(session: TestClientSession, abrupt = false): Promise<TestClientSession> {
    await this.end(session, TestClientState.DISCONNECTED, abrupt ? 'dropped by the user without DISCONNECT (will message published)' : 'stopped by the user', !abrupt);
    this.sessions.delete(session.id);
    this.observer?.removed(session);
    return session;
  }

  /**
   * Messages of a session: those still buffered after `afterSeq`, then live ones, with no gap and no duplicate.
   * Ends when the session ends.
   */
  messagesOf(session: TestClientSession, afterSeq = 0): AsyncIterableIterator<TestMessage> {
    return sessionMessages(session, this.watchers, this.config.bufferSize, afterSeq);
  }

  /** The session now, then at each change (connect, disconnect, subscriptions); ends after the session ends. */
  statesOf(session: TestClientSession): AsyncIterableIterator<TestClientSession> {
    return sessionStates(session, this.watchers);
  }

  /** Resolves once a subscription watches the session, at once if one already does (for tests and tools). */
  whenWatched(sessionId: string): Promise<void> {
    return this.watchers.whenAny(sessionId);
  }

  /** Stops every session and frees every socket. */
  async close(): Promise<void> {
    this.bus.off('membershipChanged', this.onMembershipChanged);
    await Promise.all([...this.sessions.values()].map((session) => this.end(session, TestClientState.DISCONNECTED, 'server shutting down', true)));
    for (const session of this.sessions.values()) this.observer?.removed(session);
    this.sessions.clear();
  }
}
