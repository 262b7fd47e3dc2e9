import { EventEmitter } from 'node:events';
import MQEmitterRedis from 'mqemitter-redis';
import { Aedes, type Client } from 'aedes';
import type { MqttConfig } from '../config/config.js';
import type { RegistryBus } from '../common/events.js';
import type { Clock, Logger } from '../common/runtime.js';
import type { CredentialService } from '../credentials/credential.service.js';
import type { DeviceEntity } from '../devices/device.entity.js';
import type { DeviceService } from '../devices/device.service.js';
import type { AppPubSub } from '../realtime/pubsub.js';
import type { ConnectThrottle } from '../security/connect-throttle.js';
import { ConnectionEventType, MqttListener } from '../broker/connection-log.entity.js';
import type { ConnectionLogService } from '../broker/connection-log.service.js';
import type { DeviceEventService } from '../broker/device-event.service.js';
import { Retention, type RetentionResult } from '../broker/retention.js';
import { beforeEachPacket, checkAedesInternals, redisEmitterState, resumeQueuedMessages } from './aedes-internals.js';
import { RegistryWatch } from './registry-watch.js';
import { type AuthOutcome, connackWithReasonCode, DeviceAuthenticator } from './device-auth.js';
import { Listeners, type MessageServerPorts, type MessageServerTlsDeps } from './listeners.js';
import { namespaceFilters, namespacePrefix } from './namespace.js';
import { type PlatformMessage, publishAsPlatform } from './platform-publish.js';
import { recoverAfterRestart } from './recovery.js';
import { Presence } from './presence.js';
import { ConnackReturnCode, ReasonCode } from './reason-codes.js';
import { describeError, Session, SessionState } from './session.js';
import { advertiseSharedSubscriptions } from './shared-subscriptions.js';
import { TopicHooks } from './topic-hooks.js';
import { type ByteSocket, WireGuard } from './wire-guard.js';

export type { MessageServerPorts, MessageServerTlsDeps } from './listeners.js';

export interface MessageServerDeps {
  config: MqttConfig;
  /** This instance's id: the aedes broker id, and the owner of the device statuses it sets. */
  instanceId: string;
  /** Scale-out: MQTT messages and client-id takeovers cross instances through Redis (mqemitter-redis). */
  redisUrl?: string;
  clock: Clock;
  log: Logger;
  bus: RegistryBus;
  pubSub: AppPubSub;
  credentials: CredentialService;
  devices: DeviceService;
  connectionLog: ConnectionLogService;
  deviceEvents: DeviceEventService;
  /** Throttles authentication attempts (asked before credentials are checked; told each outcome). */
  connectThrottle?: ConnectThrottle;
}

/** Bytes a packet may have beyond the payload limit: fixed header, topic, packet id, MQTT 5 properties. */
const PACKET_OVERHEAD = 8 * 1024;

type AnyPacket = Record<string, any> & { cmd: string };
type AuthError = Error & { returnCode: number };

/**
 * The embedded MQTT message server: aedes (MQTT 3.1, 3.1.1 and 5) behind plain and TLS listeners. It
 * authenticates devices against the registry, keeps each owner's devices in a topic namespace of their own
 * (`<organizationId>/...` inside the broker, invisible to devices), records connection events and upstream messages,
 * keeps device status, and disconnects sessions whose credentials change.
 */
export class MessageServer extends EventEmitter {
  private broker: Aedes | null = null;
  private readonly sessions = new Map<Client, Session>();
  /** Every session by its client, also after it ended: a delayed will is published after the connection is gone. */
  private readonly everSeen = new WeakMap<Client, Session>();
  private readonly sockets = new Set<ByteSocket>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly auth: DeviceAuthenticator;
  private readonly presence: Presence;
  private readonly endpoints: Listeners;
  private readonly topics: TopicHooks;
  private readonly retention: Retention;
  private closing = false;
  private closed = false;
  private tls: MessageServerTlsDeps = {};
  private readonly watch: RegistryWatch;

  constructor(private readonly d: MessageServerDeps) {
    super();
    this.auth = new DeviceAuthenticator(d.credentials, d.config.authCacheTtlMs, d.clock, d.connectThrottle);
    this.presence = new Presence(d.devices, d.pubSub, d.clock, d.log, d.instanceId);
    this.endpoints = new Listeners(d.config, d.log, (d.config.maxPayloadBytes + PACKET_OVERHEAD) * 2);
    this.retention = new Retention(d.config, d.connectionLog, d.deviceEvents, d.log);
    this.retention.on('retention', (r) => this.emit('retention', r));
    const watched = { sessions: () => this.sessions.values(), broker: () => this.broker, certificates: () => this.tls.certificates };
    const helpers = { track: (p: Promise<unknown>) => this.track(p) };
    this.watch = new RegistryWatch({ ...watched, ...helpers }, d.bus, this.auth, d.devices, d.connectionLog, d.deviceEvents, d.log);
    this.topics = new TopicHooks((client) => (client ? this.everSeen.get(client) : undefined), d.deviceEvents, d.log);
  }

  /** For observers (src/fleet): the running aedes broker (null before start) and the device each client authenticated as. */
  readonly observed = { broker: () => this.broker, deviceOf: (client: Client) => this.everSeen.get(client)?.device ?? null };
  get ports(): MessageServerPorts { return this.endpoints.ports; }

  get maxPacketBytes(): number {
    return this.d.config.maxPayloadBytes + PACKET_OVERHEAD;
  }

  /** Number of open client connections (authenticated or not). */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Auth cache statistics (tests, metrics). */
  get authCacheStats(): { hits: number; misses: number } {
    return this.auth.stats;
  }

  /** Publishes into an owner's namespace as the platform (no device, no upstream event); see platform-publish.ts. */
  publishAsPlatform(organizationId: string, message: PlatformMessage): Promise<number> {
    return publishAsPlatform(this.broker, namespacePrefix(organizationId), this.sessions.values(), message);
  }

  /** Starts the broker and its listeners (those configured; TLS ones only with `pki`/`certificates`). */
  async start(tlsDeps: MessageServerTlsDeps = {}): Promise<MessageServerPorts> {
    const cfg = this.d.config;
    this.tls = tlsDeps;
    if (!cfg.enabled) return this.ports;
    await recoverAfterRestart(this.d.devices, this.d.connectionLog, this.d.clock, this.d.instanceId, this.d.log);
    const broker = await Aedes.createBroker({
      id: this.d.instanceId,
      ...(this.d.redisUrl ? { mq: this.sharedEmitter(this.d.redisUrl) } : {}),
      // Client ids are device numbers (≤ 64 characters), also for MQTT 3.1 clients.
      maxClientsIdLength: 128,
      connectTimeout: cfg.connectTimeoutMs,
      // [MQTT-3.2.2-15] advertised in CONNACK and enforced: what is advertised is what is accepted.
      maximumPacketSize: this.maxPacketBytes,
      topicAliasMaximum: cfg.topicAliasMaximum,
      pendingSessionsLimit: cfg.pendingSessionsLimit,
      preConnect: (client, packet, cb) => this.preConnect(client, packet as unknown as AnyPacket, cb),
      authenticate: (client, username, password, cb) => this.authenticate(client, username, password, cb),
      authorizePublish: (client, packet, cb) => this.topics.authorizePublish(client, packet, cb, broker),
      authorizeSubscribe: (client, sub, cb) => this.topics.authorizeSubscribe(client, sub, cb),
      authorizeForward: (client, packet) => this.topics.authorizeForward(client, packet),
    });
    this.broker = broker;
    checkAedesInternals(broker);
    this.hookBroker(broker);
    this.watch.start();
    await this.endpoints.open(tlsDeps, {
      accept: (socket, listener) => this.accept(socket, listener),
      mutualHandshakeFailed: (err, peer) => this.tlsHandshakeFailed(err, peer),
    });
    this.retention.start();
    const on = (name: string, port: number | null) => (port != null ? `${name} ${cfg.host}:${port}` : null);
    this.d.log.info(`MQTT listening: ${[on('mqtt', this.ports.port), on('mqtts', this.ports.tlsPort), on('mqtts-mutual', this.ports.mutualTlsPort)].filter(Boolean).join(', ')}`);
    return this.ports;
  }

  /** Deletes connection-log rows and device events beyond their retention (also every interval); returns how many. */
  runRetention(): Promise<RetentionResult> {
    return this.retention.run();
  }

  /** Stops listening, disconnects every client (logged as "server shutdown") and writes everything buffered. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.watch.stop();
    const listenersClosed = this.endpoints.close();
    for (const s of this.sessions.values()) {
      s.setReason('server shutdown');
      if (s.state === SessionState.ONLINE) s.disconnect(ReasonCode.SERVER_SHUTTING_DOWN);
    }
    if (this.broker) {
      await new Promise<void>((resolve) => this.broker!.close(() => resolve()));
    }
    for (const s of [...this.sessions.values()]) this.sessionEnded(s);
    for (const socket of this.sockets) socket.destroy();
    await listenersClosed;
    await this.settle();
    this.presence.close();
    await this.retention.stop();
    await this.d.connectionLog.close();
    await this.d.deviceEvents.writer.close();
    this.closed = true;
  }

  /** Resolves when pending status updates and clean-ups are done (tests). */
  async settle(): Promise<void> {
    for (;;) {
      const pending = [...this.presence.pending, ...this.background];
      if (!pending.length) return;
      await Promise.all(pending);
    }
  }

  /** Drops cached logins, checks every live session against the registry again, ends those no longer allowed. */
  recheckSessions(): Promise<number> {
    return this.watch.recheckSessions();
  }

  // ---- connections -------------------------------------------------------------------------------

  /** A new client connection on one of the listeners (TCP, TLS, or MQTT over WebSocket). */
  accept(socket: ByteSocket, listener: MqttListener): void {
    if (this.closing || !this.broker) {
      socket.destroy();
      return;
    }
    socket.setNoDelay?.(true);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // The guard passes a CONNECT of limited size, then nothing until the CONNACK is out; larger packets than
    // the broker accepts (its own limit answers 0x95) are cut off at their header.
    const conn = new WireGuard(socket, { connectMaxBytes: this.d.config.connectMaxBytes, maxPacketBytes: this.maxPacketBytes * 2 });
    // The listener must not throw on socket errors before aedes has attached its own handlers.
    conn.on('error', () => undefined);
    const client = this.broker.handle(conn);
    const session = new Session(client, conn, listener);
    this.sessions.set(client, session);
    this.everSeen.set(client, session);
    // Namespacing SUBSCRIBE/UNSUBSCRIBE filters must happen before aedes reads them (aedes has no hook
    // for UNSUBSCRIBE): listen on its packet parser, ahead of aedes itself.
    beforeEachPacket(client, (packet) => this.onPacket(session, packet as AnyPacket));
    conn.once('close', () => {
      if (conn.problem && session.state !== SessionState.ONLINE) {
        this.d.log.warn(`MQTT connection from ${conn.remoteAddress}:${conn.remotePort} closed before authentication: ${conn.problem}`);
      }
      if (session.state !== SessionState.ONLINE) this.sessionEnded(session);
    });
  }

  /** Every packet of an authenticated client, before aedes handles it (the guard holds packets until then). */
  private onPacket(s: Session, packet: AnyPacket): void {
    if (packet.cmd === 'disconnect') s.disconnected = true;
    else if (s.prefix && packet.cmd === 'subscribe') namespaceFilters(s.prefix, packet, (f, group) => s.filters.add(f, group));
    else if (s.prefix && packet.cmd === 'unsubscribe') namespaceFilters(s.prefix, packet, (f, group) => s.filters.remove(f, group));
  }

  /**
   * The Redis-backed emitter shared by every instance. aedes announces each new client on
   * `$SYS/<broker id>/new/clients` and closes its own client with that id when another instance announces it;
   * this listener marks that session as taken over and tells an MQTT 5 client so.
   */
  private sharedEmitter(redisUrl: string): MQEmitterRedis.MQEmitterRedis {
    const mq = MQEmitterRedis({ connectionString: redisUrl });
    // ioredis reconnects by itself; unheard, a Redis outage would be an uncaught 'error' and end the process.
    redisEmitterState(mq).on('error', (err: Error) => this.d.log.warn(`Redis (MQTT messages): ${err.message}`));
    mq.on('$SYS/+/new/clients', (packet, done) => {
      const serverId = packet.topic.split('/')[1];
      const clientId = String(packet.payload);
      if (serverId !== this.d.instanceId) {
        for (const s of this.sessions.values()) {
          if (s.clientId !== clientId || s.state !== SessionState.ONLINE) continue;
          s.takenOver = true;
          s.setReason(`taken over by a new connection on instance ${serverId}`);
          s.disconnect(ReasonCode.SESSION_TAKEN_OVER);
        }
      }
      done();
    });
    return mq;
  }

  private hookBroker(broker: Aedes): void {
    // What the client sent after its CONNECT is read once the CONNACK is out, so aedes handles it in order.
    broker.on('connackSent', (packet, client) => {
      const conn = this.sessions.get(client)?.conn;
      if (!conn || (packet.returnCode !== 0 && packet.reasonCode !== 0)) return;
      if (client.version === 5) conn.limitInflight(client.receiveMaximum);
      conn.release();
    });
    // A DISCONNECT waits for the SUBSCRIBE/UNSUBSCRIBE before it (see WireGuard).
    broker.on('subscribe', (_subs, client) => this.sessions.get(client)?.conn.requestCompleted());
    broker.on('unsubscribe', (_unsubs, client) => this.sessions.get(client)?.conn.requestCompleted());
    broker.on('client', (client) => {
      const s = this.sessions.get(client);
      if (s) this.sessionStarted(s);
    });
    broker.on('clientDisconnect', (client) => {
      const s = this.sessions.get(client);
      if (s) this.sessionEnded(s);
    });
    broker.on('keepaliveTimeout', (client) => this.sessions.get(client)?.setReason('keepalive timeout'));
    broker.on('clientError', (client, err) => {
      const s = this.sessions.get(client);
      if (s && s.state !== SessionState.REFUSED) s.setReason(describeError(err));
    });
    broker.on('connectionError', (client, err) => {
      const s = this.sessions.get(client);
      this.d.log.warn(`MQTT connection from ${s?.conn.remoteAddress ?? '?'}:${s?.conn.remotePort ?? '?'} closed before CONNECT completed: ${describeError(err)}`);
    });
    (broker as EventEmitter).on('error', (err: unknown) => this.d.log.error('MQTT broker error', err));
  }

  private preConnect(client: Client, packet: AnyPacket, cb: (err: Error | null, ok: boolean) => void): void {
    const s = this.sessions.get(client);
    if (!s || this.closing) return cb(new Error('server shutting down'), false);
    s.clientId = typeof packet.clientId === 'string' ? packet.clientId : null;
    s.username = typeof packet.username === 'string' ? packet.username : null;
    s.keepalive = typeof packet.keepalive === 'number' ? packet.keepalive : null;
    s.clean = typeof packet.clean === 'boolean' ? packet.clean : null;
    s.protocolVersion = typeof packet.protocolVersion === 'number' ? packet.protocolVersion : null;
    // aedes 2.0.0-beta.1 always says shared subscriptions are unavailable; Portico has them.
    if (s.protocolVersion === 5) s.conn.rewriteFirstPacket(advertiseSharedSubscriptions);
    cb(null, true);
  }

  private authenticate(client: Client, username: string | undefined, password: Buffer | undefined, cb: (err: AuthError | null, ok: boolean | null) => void): void {
    const s = this.sessions.get(client);
    if (!s) return cb(Object.assign(new Error('not authorized'), { returnCode: ConnackReturnCode.NOT_AUTHORIZED }), null);
    const mutual = s.listener === MqttListener.MQTTS_MUTUAL;
    if (mutual && !this.tls.certificates) return cb(Object.assign(new Error('server unavailable'), { returnCode: ConnackReturnCode.SERVER_UNAVAILABLE }), null);
    const certificate = mutual ? { der: s.peerCertificate(), verifier: this.tls.certificates! } : undefined;
    this.auth.authenticate({ clientId: s.clientId ?? '', username, password, address: s.conn.remoteAddress ?? '', ...(certificate ? { certificate } : {}) }).then(
      (outcome) => {
        if (outcome.ok) {
          this.authenticated(s, outcome.device, outcome.fingerprint);
          if (s.protocolVersion === 5 && s.clean === false && client.sessionExpiryInterval === 0) resumeQueuedMessages(client);
          // The device is ONLINE (in the database) before its CONNACK leaves.
          void this.presence.hold(outcome.device, s).then(() => cb(null, true));
          return;
        }
        this.refused(s, outcome);
        if (outcome.reasonCode !== undefined && s.protocolVersion === 5) s.conn.rewriteFirstPacket(connackWithReasonCode(outcome.reasonCode));
        cb(Object.assign(new Error(outcome.message), { returnCode: outcome.returnCode }), null);
      },
      (err: unknown) => {
        this.d.log.error('MQTT authentication failed with an internal error', err);
        this.refused(s, { ok: false, returnCode: ConnackReturnCode.SERVER_UNAVAILABLE, message: 'server unavailable', device: null, fingerprint: null });
        cb(Object.assign(new Error('server unavailable'), { returnCode: ConnackReturnCode.SERVER_UNAVAILABLE }), null);
      },
    );
  }

  private authenticated(s: Session, device: DeviceEntity, fingerprint: string | null): void {
    s.state = SessionState.AUTHENTICATED;
    s.device = device;
    s.fingerprint = fingerprint;
    s.prefix = namespacePrefix(device.organizationId);
    // [MQTT-3.1.4-2] aedes closes an older session with this client id when this one registers (MQTT 5 clients
    // get 0x8E): the older one is logged as taken over.
    for (const old of this.sessions.values()) {
      if (old === s || old.clientId !== s.clientId || old.state !== SessionState.ONLINE) continue;
      old.takenOver = true;
      old.setReason(`taken over by a new connection${s.conn.remoteAddress ? ` from ${s.conn.remoteAddress}:${s.conn.remotePort}` : ''}`);
    }
  }

  private refused(s: Session, outcome: Extract<AuthOutcome, { ok: false }>): void {
    s.state = SessionState.REFUSED;
    this.d.connectionLog.record({
      eventType: ConnectionEventType.AUTH_FAILED,
      reason: outcome.message,
      organizationId: outcome.device?.organizationId ?? null,
      deviceId: outcome.device?.id ?? null,
      certificateFingerprint: outcome.fingerprint,
      ...s.details(),
    });
  }

  private tlsHandshakeFailed(err: Error & { code?: string }, peer: { address?: string; port?: number }): void {
    this.d.log.debug(`MQTTS (two-way) handshake failed from ${peer.address}: ${err.message}`);
    if (this.closing) return;
    this.d.connectionLog.record({
      eventType: ConnectionEventType.AUTH_FAILED,
      reason: `TLS handshake failed: ${err.code ?? err.message}`,
      remoteAddress: peer.address ?? null,
      remotePort: peer.port ?? null,
      listener: MqttListener.MQTTS_MUTUAL,
    });
  }

  /** The broker registered the client (CONNACK sent). */
  private sessionStarted(s: Session): void {
    if (!s.device || s.state !== SessionState.AUTHENTICATED) return;
    s.state = SessionState.ONLINE;
    this.d.connectionLog.record({ eventType: ConnectionEventType.CONNECTED, organizationId: s.device.organizationId, deviceId: s.device.id, certificateFingerprint: s.fingerprint, ...s.details() });
    this.emit('sessionStarted', s.device.id);
  }

  private sessionEnded(s: Session): void {
    if (!s.live) return;
    const wasOnline = s.state === SessionState.ONLINE;
    s.end();
    this.sessions.delete(s.client);
    if (!s.device) return;
    if (wasOnline) {
      this.d.connectionLog.record({
        eventType: s.takenOver ? ConnectionEventType.TAKEN_OVER : ConnectionEventType.DISCONNECTED,
        reason: s.closeReason ?? (s.disconnected ? 'client disconnect' : 'connection closed by client'),
        organizationId: s.device.organizationId,
        deviceId: s.device.id,
        certificateFingerprint: s.fingerprint,
        ...s.details(),
      });
      this.emit('sessionEnded', s.device.id);
    }
    // Taken over: the newer session holds the device now (on this instance or another).
    this.presence.release(s.device, s, s.takenOver);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.d.log.error('message server background task failed', err));
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
  }
}
