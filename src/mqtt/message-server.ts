import { EventEmitter } from 'node:events';

import { Aedes, type Client } from 'aedes';

import type { Clock, Logger, RegistryBus } from '../common/index.js';
import type { MqttConfig } from '../config/index.js';
import type { CredentialService } from '../credentials/index.js';
import type { DeviceEntity, DeviceService } from '../devices/index.js';
import { type ConnectionLogService, type DeviceEventService, MqttListener, type RetainedMessages, Retention, type RetentionResult } from '../history/index.js';
import type { AppPubSub } from '../realtime/index.js';
import type { ConnectThrottle } from '../security/index.js';
import { beforeEachPacket, checkAedesInternals, resumeQueuedMessages } from './aedes-internals.js';
import { type AuthOutcome, connackWithReasonCode, DeviceAuthenticator } from './device-auth.js';
import { Listeners, type MessageServerPorts, type MessageServerTlsDeps } from './listeners.js';
import { namespaceFilters, namespacePrefix } from './namespace.js';
import { MqttObserver } from './observer.js';
import { type PlatformMessage, type PlatformPublishResult, publishAsPlatform } from './platform-publish.js';
import { Presence } from './presence.js';
import { ConnackReturnCode, ReasonCode } from './reason-codes.js';
import { recoverAfterRestart } from './recovery.js';
import { RegistryWatch } from './registry-watch.js';
import { ClientConnection, ClientConnectionState, ClientIdIndex, describeError, markTakenOver } from './session.js';
import { lostWillPublisher } from './shared/lost-instance.js';
import { SharedState, type SharedStateDeps } from './shared/shared-state.js';
import { advertiseSharedSubscriptions } from './shared-subscriptions.js';
import { TopicHooks } from './topic-hooks.js';
import { type ByteSocket, WireGuard } from './wire-guard.js';

export type { MessageServerPorts, MessageServerTlsDeps } from './listeners.js';

export interface MessageServerDeps {
  config: MqttConfig;
  /** This instance's id: the aedes broker id, and the owner of the device statuses it sets. */
  instanceId: string;
  /** Scale-out: MQTT messages cross instances through Redis, and every piece of MQTT state is kept there. */
  redisUrl?: string;
  cluster?: Pick<SharedStateDeps, 'redis' | 'membership'>;
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
  /** Records retained messages (listing; brought back into the in-memory store after a restart). */
  retained?: RetainedMessages;
}

/** Bytes a packet may have beyond the payload limit: fixed header, topic, packet id, MQTT 5 properties. */
const PACKET_OVERHEAD = 8 * 1024;
/** The error listener a connection has before aedes attaches its own (one function for every connection). */
const ignoreError = (): void => undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- packets of every kind; each handler reads the fields of its own
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
  private readonly sessions = new Map<Client, ClientConnection>();
  private readonly byClientId = new ClientIdIndex();
  /** Every session by its client, also after it ended: a delayed will is published after the connection is gone. */
  private readonly everSeen = new WeakMap<Client, ClientConnection>();
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
  /** Connection log rows, log lines and counts of connects, refusals, disconnects and messages. */
  readonly observer: MqttObserver;
  private readonly shared: SharedState | null = null;

  constructor(private readonly deps: MessageServerDeps) {
    super();
    this.auth = new DeviceAuthenticator(deps.credentials, deps.config.authCacheTtlMs, deps.clock, deps.connectThrottle);
    this.presence = new Presence(deps.devices, deps.pubSub, deps.clock, deps.log, deps.instanceId, (device) => this.observed.activated.forEach((f) => f(device)));
    this.endpoints = new Listeners(deps.config, deps.log, (deps.config.maxPayloadBytes + PACKET_OVERHEAD) * 2);
    this.observer = new MqttObserver(deps.connectionLog, deps.log);
    this.retention = new Retention(deps.config, deps.connectionLog, deps.deviceEvents, deps.log);
    this.retention.on('retention', (r) => this.emit('retention', r));
    const watched = { sessions: () => this.sessions.values(), broker: () => this.broker, certificates: () => this.tls.certificates };
    const helpers = { track: (p: Promise<unknown>) => this.track(p) };
    this.watch = new RegistryWatch({ ...watched, ...helpers }, deps.bus, this.auth, deps.devices, deps.connectionLog, deps.deviceEvents, deps.log);
    this.topics = new TopicHooks((client) => (client ? this.everSeen.get(client) : undefined), deps.deviceEvents, deps.log, this.observer);
    if (deps.redisUrl && deps.cluster) {
      const shared = { ...deps.cluster, redisUrl: deps.redisUrl, clock: deps.clock, log: deps.log, publishWill: lostWillPublisher(() => this.broker, deps.devices, deps.deviceEvents) };
      this.shared = new SharedState({ ...shared, onTakenOver: (id, by) => this.takenOverRemotely(id, by) });
      this.topics.holdsBack = (id, packet) => this.shared!.persistence.holdsBack(id, packet);
      // This run may have been taken for lost meanwhile: its devices are ONLINE again.
      deps.cluster.membership.onLeaseLost(() => [...this.sessions.values()].forEach((s) => s.device && s.state === ClientConnectionState.ONLINE && void this.presence.hold(s.device, s)));
    }
  }

  /** For observers (src/fleet): the broker (null before start), each client's device, who hears of devices flagged active by a connect. */
  readonly observed = { broker: () => this.broker, deviceOf: (client: Client) => this.everSeen.get(client)?.device ?? null, activated: new Set<(device: DeviceEntity) => void>() };
  get ports(): MessageServerPorts {
    return this.endpoints.ports;
  }

  get maxPacketBytes(): number {
    return this.deps.config.maxPayloadBytes + PACKET_OVERHEAD;
  }

  /** The live sessions (ONLINE) of a device on this instance. */
  liveSessions(deviceId: string): ClientConnection[] {
    return [...this.sessions.values()].filter((s) => s.state === ClientConnectionState.ONLINE && s.device?.id === deviceId);
  }

  /** Number of open client connections (authenticated or not). */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Open client connections by listener (metrics). */
  connectionsByListener(): Map<MqttListener, number> {
    return this.observer.countByListener(this.sessions.values());
  }

  /** Auth cache statistics (tests, metrics). */
  get authCacheStats(): { hits: number; misses: number } {
    return this.auth.stats;
  }

  /** Publishes into an owner's namespace as the platform (no device, no upstream event); see platform-publish.ts. */
  publishAsPlatform(organizationId: string, message: PlatformMessage): Promise<PlatformPublishResult> {
    return publishAsPlatform(this.broker, namespacePrefix(organizationId), this.sessions.values(), message);
  }

  /** Starts the broker and its listeners (those configured; TLS ones only with `pki`/`certificates`). */
  async start(tlsDeps: MessageServerTlsDeps = {}): Promise<MessageServerPorts> {
    const cfg = this.deps.config;
    this.tls = tlsDeps;
    if (!cfg.enabled) return this.ports;
    await recoverAfterRestart(this.deps.devices, this.deps.connectionLog, this.deps.clock, this.deps.instanceId, this.deps.log);
    const broker = await Aedes.createBroker({
      ...(this.shared ? await this.shared.brokerOptions() : { id: this.deps.instanceId }),
      maxClientsIdLength: 128, // client ids are device numbers (≤ 64 characters), also for MQTT 3.1 clients
      connectTimeout: cfg.connectTimeoutMs,
      // [MQTT-3.2.2-15] advertised in CONNACK and enforced: what is advertised is what is accepted.
      maximumPacketSize: this.maxPacketBytes,
      topicAliasMaximum: cfg.topicAliasMaximum,
      pendingSessionsLimit: cfg.pendingSessionsLimit,
      concurrency: cfg.routingConcurrency,
      preConnect: (client, packet, cb) => this.preConnect(client, packet as unknown as AnyPacket, cb),
      authenticate: (client, username, password, cb) => this.authenticate(client, username, password, cb),
      authorizePublish: (client, packet, cb) => this.topics.authorizePublish(client, packet, cb, broker),
      authorizeSubscribe: (client, sub, cb) => this.topics.authorizeSubscribe(client, sub, cb),
      authorizeForward: (client, packet) => this.topics.authorizeForward(client, packet),
    });
    this.broker = broker;
    checkAedesInternals(broker);
    this.observer.attach(broker, (client) => this.sessions.get(client), this.deps.clock);
    this.hookBroker(broker);
    // One instance's in-memory store starts empty: retained messages are put back (scale-out shares them instead).
    await this.deps.retained?.attach(broker, (client) => this.everSeen.get(client)?.device?.id ?? null, !this.deps.redisUrl);
    this.shared?.attach(broker);
    await this.deps.cluster?.membership.start(); // before devices connect: no survivor takes this run's devices for a dead run's
    this.watch.start();
    await this.endpoints.open(tlsDeps, {
      accept: (socket, listener) => this.accept(socket, listener),
      mutualHandshakeFailed: (err, peer) => this.tlsHandshakeFailed(err, peer),
    });
    this.retention.start();
    const on = (name: string, port: number | null) => (port != null ? `${name} ${cfg.host}:${port}` : null);
    this.deps.log.info(`MQTT listening: ${[on('mqtt', this.ports.port), on('mqtts', this.ports.tlsPort), on('mqtts-mutual', this.ports.mutualTlsPort)].filter(Boolean).join(', ')}`);
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
    const told = [...this.sessions.values()].filter((s) => s.state === ClientConnectionState.ONLINE);
    for (const s of this.sessions.values()) s.setReason('server shutdown');
    // MQTT 5 clients may be told another server to use (Server Reference, MQTT 5.0 §3.14.2.2.5).
    for (const s of told) s.disconnect(ReasonCode.SERVER_SHUTTING_DOWN, undefined, this.deps.config.serverReference);
    // Those connections end first (at most a second): the broker's own close would send each a second DISCONNECT.
    await Promise.race([Promise.all(told.map((s) => s.endedPromise)), new Promise((r) => setTimeout(r, 1000).unref())]);
    if (this.broker) {
      await new Promise<void>((resolve) => this.broker!.close(() => resolve()));
    }
    for (const s of [...this.sessions.values()]) this.sessionEnded(s);
    for (const socket of this.sockets) socket.destroy();
    await listenersClosed;
    await this.settle();
    await this.shared?.close();
    this.presence.close();
    await this.retention.stop();
    await this.deps.connectionLog.close();
    await this.deps.deviceEvents.close();
    await this.deps.retained?.close();
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
    const conn = new WireGuard(socket, { connectMaxBytes: this.deps.config.connectMaxBytes, maxPacketBytes: this.maxPacketBytes * 2, maxOutgoingBytes: this.deps.config.maxOutgoingBufferBytes });
    // The listener must not throw on socket errors before aedes has attached its own handlers.
    conn.on('error', ignoreError);
    const client = this.broker.handle(conn);
    const session = new ClientConnection(client, conn, listener);
    this.sessions.set(client, session);
    this.everSeen.set(client, session);
    // Namespacing SUBSCRIBE/UNSUBSCRIBE filters must happen before aedes reads them (aedes has no hook
    // for UNSUBSCRIBE): listen on its packet parser, ahead of aedes itself.
    beforeEachPacket(client, (packet) => this.onPacket(session, packet as AnyPacket));
    // 'close' comes once: `on` spares the wrapper `once` makes per connection.
    conn.on('close', () => {
      if (conn.problem && session.state !== ClientConnectionState.ONLINE) {
        this.deps.log.warn(`MQTT connection from ${conn.remoteAddress}:${conn.remotePort} closed before authentication: ${conn.problem}`);
      }
      if (session.state !== ClientConnectionState.ONLINE) this.sessionEnded(session);
    });
  }

  /** Every packet of an authenticated client, before aedes handles it (the guard holds packets until then). */
  private onPacket(s: ClientConnection, packet: AnyPacket): void {
    if (packet.cmd === 'disconnect') s.disconnected = true;
    else if (s.prefix && packet.cmd === 'subscribe') namespaceFilters(s.prefix, packet, (f, group) => s.filters.add(f, group));
    else if (s.prefix && packet.cmd === 'unsubscribe') namespaceFilters(s.prefix, packet, (f, group) => s.filters.remove(f, group));
  }

  /** Another instance (run `serverId`) registered `clientId`: aedes closes this instance's connection with it. */
  private takenOverRemotely(clientId: string, serverId: string): void {
    for (const s of this.byClientId.of(clientId)) {
      if (s.state !== ClientConnectionState.ONLINE) continue;
      s.takenOver = true;
      s.setReason(`taken over by a new connection on instance ${serverId.slice(0, serverId.lastIndexOf('~'))}`);
      s.disconnect(ReasonCode.SESSION_TAKEN_OVER);
    }
  }

  private hookBroker(broker: Aedes): void {
    // What the client sent after its CONNECT is read once the CONNACK is out, so aedes handles it in order.
    broker.on('connackSent', (packet, client) => {
      const conn = this.sessions.get(client)?.conn;
      if (!conn || (packet.returnCode !== ConnackReturnCode.ACCEPTED && packet.reasonCode !== ReasonCode.SUCCESS)) return;
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
      if (s && s.state !== ClientConnectionState.REFUSED) s.setReason(describeError(err));
    });
    broker.on('connectionError', (client, err) => {
      const s = this.sessions.get(client);
      this.deps.log.warn(`MQTT connection from ${s?.conn.remoteAddress ?? '?'}:${s?.conn.remotePort ?? '?'} closed before CONNECT completed: ${describeError(err)}`);
    });
    (broker as EventEmitter).on('error', (err: unknown) => this.deps.log.error('MQTT broker error', err));
  }

  private preConnect(client: Client, packet: AnyPacket, cb: (err: Error | null, ok: boolean) => void): void {
    const s = this.sessions.get(client);
    if (!s || this.closing) return cb(new Error('server shutting down'), false);
    s.clientId = typeof packet.clientId === 'string' ? packet.clientId : null;
    s.username = typeof packet.username === 'string' ? packet.username : null;
    s.keepalive = typeof packet.keepalive === 'number' ? packet.keepalive : null;
    s.clean = typeof packet.clean === 'boolean' ? packet.clean : null;
    s.hasWill = !!packet.will;
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
          void this.presence.hold(outcome.device, s).then(() => {
            markTakenOver(this.byClientId.of(s.clientId), s); // aedes now registers s, closing an older session of its client id
            if (s.live) this.byClientId.add(s);
            cb(null, true);
          });
          return;
        }
        this.refused(s, outcome);
        if (outcome.reasonCode !== undefined && s.protocolVersion === 5) s.conn.rewriteFirstPacket(connackWithReasonCode(outcome.reasonCode));
        cb(Object.assign(new Error(outcome.message), { returnCode: outcome.returnCode }), null);
      },
      (err: unknown) => {
        this.deps.log.error('MQTT authentication failed with an internal error', err);
        this.refused(s, { ok: false, returnCode: ConnackReturnCode.SERVER_UNAVAILABLE, message: 'server unavailable', device: null, fingerprint: null });
        cb(Object.assign(new Error('server unavailable'), { returnCode: ConnackReturnCode.SERVER_UNAVAILABLE }), null);
      },
    );
  }

  private authenticated(s: ClientConnection, device: DeviceEntity, fingerprint: string | null): void {
    s.state = ClientConnectionState.AUTHENTICATED;
    s.device = device;
    s.fingerprint = fingerprint;
    s.prefix = namespacePrefix(device.organizationId);
  }

  private refused(s: ClientConnection, outcome: Extract<AuthOutcome, { ok: false }>): void {
    s.state = ClientConnectionState.REFUSED;
    this.observer.refused(s, outcome);
  }

  private tlsHandshakeFailed(err: Error & { code?: string }, peer: { address?: string; port?: number }): void {
    if (!this.closing) this.observer.handshakeFailed(err, peer);
  }

  /** The broker registered the client (CONNACK sent). */
  private sessionStarted(s: ClientConnection): void {
    if (!s.device || s.state !== ClientConnectionState.AUTHENTICATED) return;
    s.state = ClientConnectionState.ONLINE;
    this.observer.connected(s, s.device);
    this.emit('sessionStarted', s.device.id);
  }

  private sessionEnded(s: ClientConnection): void {
    if (!s.live) return;
    const wasOnline = s.state === ClientConnectionState.ONLINE;
    s.end();
    this.sessions.delete(s.client);
    this.byClientId.remove(s);
    if (!s.device) return;
    if (wasOnline) {
      this.observer.ended(s, s.device);
      this.emit('sessionEnded', s.device.id);
    }
    // Taken over: the newer session holds the device now (on this instance or another).
    this.presence.release(s.device, s, s.takenOver);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.deps.log.error('message server background task failed', err));
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
  }
}
