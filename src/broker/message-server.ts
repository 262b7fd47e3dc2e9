import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import MQEmitterRedis from 'mqemitter-redis';
import mqttPacket from 'mqtt-packet';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { MqttConfig } from '../config/config.js';
import type { RegistryBus, RegistryEvents } from '../common/events.js';
import type { Clock, Logger } from '../common/runtime.js';
import type { CredentialCheck, CredentialService } from '../credentials/credential.service.js';
import { type DeviceEntity, DeviceStatus } from '../devices/device.entity.js';
import type { DeviceService } from '../devices/device.service.js';
import type { AppPubSub } from '../realtime/pubsub.js';
import type { ConnectThrottle } from '../security/connect-throttle.js';
import { AuthCache } from './auth-cache.js';
import { ConnectionEventType, MqttListener } from './connection-log.entity.js';
import type { ConnectionLogService } from './connection-log.service.js';
import type { DeviceEventService } from './device-event.service.js';
import { messageProperties } from '../mqtt/message-properties.js';
import { beforeEachPacket, checkAedesInternals, dropStoredSession, holdsIncomingPacket, redisEmitterState } from '../mqtt/aedes-internals.js';
import { ConnackReturnCode, ReasonCode } from '../mqtt/reason-codes.js';
import { WireGuard } from '../mqtt/wire-guard.js';

/** What the message server needs from the PKI (platform CA and the server certificate). */
export interface TlsCredentialsProvider {
  serverTlsCredentials(): Promise<{ keyPem: string; certPem: string; caPem: string }>;
  caCertificatePem(): string;
}

export type DeviceCertificateCheck =
  | { ok: true; device: DeviceEntity; fingerprint: string }
  | { ok: false; reason: 'BAD_CREDENTIALS' | 'NOT_AUTHORIZED'; detail: string; device?: DeviceEntity; fingerprint?: string };

/** What the message server needs from the certificate registry (two-way TLS). */
export interface DeviceCertificateVerifier {
  verifyDeviceCertificate(clientId: string, certDer: Buffer | undefined): Promise<DeviceCertificateCheck>;
}

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

/** Optional collaborators, looked up when the server starts (they may be wired after this service). */
export interface MessageServerTlsDeps {
  pki?: TlsCredentialsProvider;
  certificates?: DeviceCertificateVerifier;
}

export interface MessageServerPorts {
  /** Plain MQTT (Token auth); null when off. */
  port: number | null;
  /** One-way TLS (Token auth); null when off or no PKI. */
  tlsPort: number | null;
  /** Two-way TLS (certificate auth); null when off or no certificate registry. */
  mutualTlsPort: number | null;
}

/** The device status topic of an owner: payload is the updated Device. */
export const deviceStatusTopic = (ownerId: string): string => `deviceStatus:${ownerId}`;

/** Bytes a packet may have beyond the payload limit: fixed header, topic, packet id, MQTT 5 properties. */
const PACKET_OVERHEAD = 8 * 1024;

type AnyPacket = Record<string, any> & { cmd: string };
type AuthError = Error & { returnCode: number };

/** One client connection, from accept to close. */
class Session {
  clientId: string | null = null;
  username: string | null = null;
  protocolVersion: number | null = null;
  keepalive: number | null = null;
  clean: boolean | null = null;
  device: DeviceEntity | null = null;
  fingerprint: string | null = null;
  /** `<ownerId>/`: every topic of the device lives under it inside the broker. */
  prefix: string | null = null;
  authFailed = false;
  /** Authenticated: counts towards the device being ONLINE. */
  claimed = false;
  registered = false;
  ended = false;
  takenOver = false;
  closeReason: string | null = null;
  /** The client sent DISCONNECT (a graceful end: no will). */
  disconnected = false;
  readonly endedPromise: Promise<void>;
  resolveEnded!: () => void;

  constructor(
    readonly client: Client,
    readonly conn: WireGuard,
    readonly listener: MqttListener,
  ) {
    this.endedPromise = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  setReason(reason: string): void {
    this.closeReason ??= reason;
  }

  /** Ends the connection; an MQTT 5 client is told why first (DISCONNECT with a reason code). */
  disconnect(reasonCode: ReasonCode, reasonString?: string): void {
    this.client.disconnect({ reasonCode, ...(reasonString ? { properties: { reasonString } } : {}) });
  }
}

function describeError(err: Error & { code?: string }): string {
  if (err.message === 'keep alive timeout') return 'keepalive timeout';
  const tooLarge = err as Error & { size?: number; maximumPacketSize?: number };
  if (err.message === 'packet too large' && tooLarge.size) return `packet too large: ${tooLarge.size} bytes (limit ${tooLarge.maximumPacketSize})`;
  if (err.code && /^E[A-Z]+$/.test(err.code)) return `socket error: ${err.code}`;
  return err.message || String(err);
}

/** Bytes of a PUBLISH as sent to an MQTT 5 client (Infinity when it cannot be encoded). */
function wireSize(packet: AedesPublishPacket): number {
  const { topic, payload, qos, retain, properties } = packet;
  try {
    return mqttPacket.generate({ cmd: 'publish', topic, payload, qos, retain, dup: false, messageId: 1, properties }, { protocolVersion: 5 }).length;
  } catch {
    return Infinity;
  }
}

const normalizeFingerprint = (fp: string): string => fp.replace(/[^0-9a-f]/gi, '').toLowerCase();

/**
 * The embedded MQTT message server: aedes behind plain and TLS listeners. It authenticates devices
 * against the registry, keeps each owner's devices in a topic namespace of their own (`<ownerId>/...`
 * inside the broker, invisible to devices), records connection events and upstream messages, keeps
 * device status, and disconnects sessions whose credentials change.
 */
export class MessageServer extends EventEmitter {
  private broker: Aedes | null = null;
  private readonly servers: net.Server[] = [];
  private readonly sessions = new Map<Client, Session>();
  /** Every session by its client, also after it ended: a delayed will is published after the connection is gone. */
  private readonly everSeen = new WeakMap<Client, Session>();
  private readonly sockets = new Set<net.Socket>();
  /** Peer address of raw sockets on the two-way TLS listener, for logging failed handshakes. */
  private readonly peers = new WeakMap<net.Socket, { address?: string; port?: number }>();
  private readonly statusChains = new Map<string, Promise<void>>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly authCache: AuthCache;
  private readonly inflightLookups = new Map<string, Promise<CredentialCheck>>();
  /** Registered (CONNACKed) sessions by device id. */
  private readonly online = new Map<string, Set<Session>>();
  private retentionTimer: NodeJS.Timeout | null = null;
  private retentionRunning: Promise<unknown> | null = null;
  private closing = false;
  /** QoS 0 messages whose device event could not be stored. */
  droppedQos0 = 0;
  private closed = false;
  private tls: MessageServerTlsDeps = {};
  ports: MessageServerPorts = { port: null, tlsPort: null, mutualTlsPort: null };

  private readonly onCredentialsChanged = (e: RegistryEvents['deviceCredentialsChanged'][0]) => this.credentialsChanged(e);
  private readonly onCertificateWithdrawn = (e: RegistryEvents['certificateWithdrawn'][0]) => this.certificateWithdrawn(e);

  constructor(private readonly d: MessageServerDeps) {
    super();
    this.authCache = new AuthCache(d.config.authCacheTtlMs, d.clock);
  }

  get maxPacketBytes(): number {
    return this.d.config.maxPayloadBytes + PACKET_OVERHEAD;
  }

  /** Number of open client connections (authenticated or not). */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Auth cache statistics (tests, metrics). */
  get authCacheStats(): { hits: number; misses: number } {
    return { hits: this.authCache.hits, misses: this.authCache.misses };
  }

  /** Starts the broker and its listeners (those configured; TLS ones only with `pki`/`certificates`). */
  async start(tlsDeps: MessageServerTlsDeps = {}): Promise<MessageServerPorts> {
    const cfg = this.d.config;
    this.tls = tlsDeps;
    if (!cfg.enabled) return this.ports;
    await this.d.devices.resetConnectionStatus(this.d.clock(), this.d.instanceId);
    this.broker = await Aedes.createBroker({
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
      authorizePublish: (client, packet, cb) => this.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => this.authorizeSubscribe(client, sub, cb),
      authorizeForward: (client, packet) => this.authorizeForward(client, packet),
    });
    checkAedesInternals(this.broker);
    this.hookBroker(this.broker);
    this.d.bus.on('deviceCredentialsChanged', this.onCredentialsChanged);
    this.d.bus.on('certificateWithdrawn', this.onCertificateWithdrawn);

    if (cfg.port != null) {
      const server = net.createServer((socket) => this.accept(socket, MqttListener.MQTT));
      this.ports.port = await this.listen(server, cfg.port);
    }
    if ((cfg.tlsPort != null || cfg.mutualTlsPort != null) && !tlsDeps.pki) {
      this.d.log.warn('MQTT over TLS is off: no PKI service to issue the server certificate');
    }
    if (tlsDeps.pki && (cfg.tlsPort != null || cfg.mutualTlsPort != null)) {
      const creds = await tlsDeps.pki.serverTlsCredentials();
      if (cfg.tlsPort != null) {
        const server = tls.createServer({ key: creds.keyPem, cert: creds.certPem, minVersion: 'TLSv1.2' }, (socket) => this.accept(socket, MqttListener.MQTTS));
        server.on('tlsClientError', (err, socket) => this.d.log.debug(`MQTTS handshake failed from ${socket.remoteAddress}: ${err.message}`));
        this.ports.tlsPort = await this.listen(server, cfg.tlsPort);
      }
      if (cfg.mutualTlsPort != null) {
        if (!tlsDeps.certificates) {
          this.d.log.warn('MQTT two-way TLS is off: no certificate registry');
        } else {
          const server = tls.createServer(
            {
              key: creds.keyPem,
              cert: creds.certPem,
              ca: tlsDeps.pki.caCertificatePem(),
              requestCert: true,
              rejectUnauthorized: true,
              minVersion: 'TLSv1.2',
            },
            (socket) => this.accept(socket, MqttListener.MQTTS_MUTUAL),
          );
          // A failed handshake may have torn the socket down before 'tlsClientError': note the peer on accept.
          server.on('connection', (raw: net.Socket) => this.peers.set(raw, { address: raw.remoteAddress, port: raw.remotePort }));
          server.on('tlsClientError', (err, socket) => this.tlsHandshakeFailed(err, socket));
          this.ports.mutualTlsPort = await this.listen(server, cfg.mutualTlsPort);
        }
      }
    }
    this.retentionTimer = setInterval(() => void this.runRetention().catch((err) => this.d.log.error('retention failed', err)), cfg.retentionIntervalMs);
    this.retentionTimer.unref();
    const on = (name: string, port: number | null) => (port != null ? `${name} ${cfg.host}:${port}` : null);
    this.d.log.info(`MQTT listening: ${[on('mqtt', this.ports.port), on('mqtts', this.ports.tlsPort), on('mqtts-mutual', this.ports.mutualTlsPort)].filter(Boolean).join(', ')}`);
    return this.ports;
  }

  private listen(server: net.Server, port: number): Promise<number> {
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.d.config.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.d.log.error('MQTT listener error', err));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Deletes connection-log rows and device events beyond their retention; returns how many. */
  async runRetention(): Promise<{ connectionLog: number; deviceEvents: number }> {
    while (this.retentionRunning) await this.retentionRunning.catch(() => undefined);
    const run = (async () => ({
      connectionLog: await this.d.connectionLog.enforceRetention(this.d.config.connectionLogRetention),
      deviceEvents: await this.d.deviceEvents.enforceRetention(this.d.config.deviceEventRetention),
    }))();
    this.retentionRunning = run;
    try {
      const result = await run;
      this.emit('retention', result);
      return result;
    } finally {
      this.retentionRunning = null;
    }
  }

  /** Stops listening, disconnects every client (logged as "server shutdown") and writes everything buffered. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.d.bus.off('deviceCredentialsChanged', this.onCredentialsChanged);
    this.d.bus.off('certificateWithdrawn', this.onCertificateWithdrawn);
    const serversClosed = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const s of this.sessions.values()) {
      s.setReason('server shutdown');
      if (s.registered) s.disconnect(ReasonCode.SERVER_SHUTTING_DOWN);
    }
    if (this.broker) {
      const broker = this.broker;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    }
    for (const s of [...this.sessions.values()]) this.sessionEnded(s);
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(serversClosed);
    await this.settle();
    await this.retentionRunning?.catch(() => undefined);
    await this.d.connectionLog.writer.close();
    await this.d.deviceEvents.writer.close();
    this.closed = true;
  }

  /** Resolves when pending status updates and clean-ups are done (tests). */
  async settle(): Promise<void> {
    while (this.statusChains.size || this.background.size) {
      await Promise.all([...this.statusChains.values(), ...this.background]);
    }
  }

  // ---- connections -------------------------------------------------------------------------------

  private accept(socket: net.Socket, listener: MqttListener): void {
    if (this.closing || !this.broker) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // The guard passes a CONNECT of limited size, then nothing until the client is authenticated; larger
    // packets than the broker accepts (its own limit answers 0x95) are cut off at their header.
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
      if (conn.problem && !session.registered) {
        this.d.log.warn(`MQTT connection from ${conn.remoteAddress}:${conn.remotePort} closed before authentication: ${conn.problem}`);
      }
      if (!session.registered) this.sessionEnded(session);
    });
  }

  /**
   * The Redis-backed emitter shared by every instance. aedes announces each new client on
   * `$SYS/<broker id>/new/clients` and closes its own client with that id when another instance announces it;
   * this listener, registered before aedes's own, marks that session as taken over first.
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
          if (s.clientId !== clientId || !s.registered || s.ended) continue;
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
      if (packet.returnCode === 0 || packet.reasonCode === 0) this.sessions.get(client)?.conn.release();
    });
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
      if (s && !s.authFailed) s.setReason(describeError(err));
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
    cb(null, true);
  }

  private authenticate(client: Client, username: string | undefined, password: Buffer | undefined, cb: (err: AuthError | null, ok: boolean | null) => void): void {
    const s = this.sessions.get(client);
    if (!s) return cb(Object.assign(new Error('not authorized'), { returnCode: ConnackReturnCode.NOT_AUTHORIZED }), null);
    this.check(s, username, password).then(
      (failure) => {
        if (!failure) {
          // The device is ONLINE (in the database) before its CONNACK leaves.
          this.claim(s);
          void this.setStatus(s.device!, DeviceStatus.ONLINE).then(() => cb(null, true));
          return;
        }
        s.authFailed = true;
        cb(Object.assign(new Error(failure.message), { returnCode: failure.returnCode }), null);
      },
      (err: unknown) => {
        this.d.log.error('MQTT authentication failed with an internal error', err);
        s.authFailed = true;
        this.logAuthFailed(s, 'server unavailable', null, null);
        cb(Object.assign(new Error('server unavailable'), { returnCode: ConnackReturnCode.SERVER_UNAVAILABLE }), null);
      },
    );
  }

  /** Null when authenticated; otherwise the CONNACK return code (4 or 5) and why. */
  private async check(s: Session, username: string | undefined, password: Buffer | undefined): Promise<{ returnCode: number; message: string } | null> {
    const clientId = s.clientId ?? '';
    const address = s.conn.remoteAddress ?? '';
    const throttle = this.d.connectThrottle;
    if (throttle) {
      const admission = await throttle.admit(clientId, address);
      if (!admission.allowed) {
        const message = 'too many failed attempts';
        this.logAuthFailed(s, message, null, null);
        return { returnCode: ConnackReturnCode.SERVER_UNAVAILABLE, message };
      }
    }
    const failure = await this.verify(s, clientId, username, password);
    if (throttle) await (failure ? throttle.failed(clientId, address) : throttle.succeeded(clientId, address));
    return failure;
  }

  private async verify(s: Session, clientId: string, username: string | undefined, password: Buffer | undefined): Promise<{ returnCode: number; message: string } | null> {
    if (s.listener === MqttListener.MQTTS_MUTUAL) {
      const verifier = this.tls.certificates;
      if (!verifier) throw new Error('no certificate registry');
      const peer = (s.conn.socket as tls.TLSSocket).getPeerCertificate?.(false);
      const der = peer && peer.raw ? peer.raw : undefined;
      const r = await verifier.verifyDeviceCertificate(clientId, der);
      if (r.ok && username !== undefined && username !== r.device.username) {
        // A username, when given, must be the device's.
        const message = 'bad username or password: the username is not the device\'s';
        this.logAuthFailed(s, message, r.device, r.fingerprint);
        return { returnCode: ConnackReturnCode.BAD_USERNAME_OR_PASSWORD, message };
      }
      if (r.ok) {
        this.authenticated(s, r.device, r.fingerprint);
        return null;
      }
      const message = r.reason === 'BAD_CREDENTIALS' ? `bad certificate: ${r.detail}` : `not authorized: ${r.detail}`;
      this.logAuthFailed(s, message, r.device ?? null, r.fingerprint ?? null);
      return { returnCode: r.reason === 'BAD_CREDENTIALS' ? ConnackReturnCode.BAD_USERNAME_OR_PASSWORD : ConnackReturnCode.NOT_AUTHORIZED, message };
    }
    for (let attempt = 0; ; attempt++) {
      const generation = this.authCache.generation(clientId);
      const cached = this.authCache.get(clientId, username, password);
      if (cached) {
        this.authenticated(s, cached, null);
        return null;
      }
      const r = await this.verifyShared(clientId, username, password, generation);
      // The credentials changed while we looked them up: look again, the answer may be stale.
      if (this.authCache.generation(clientId) !== generation && attempt < 3) continue;
      if (r.ok) {
        this.authCache.put(clientId, username, password, r.device, generation);
        this.authenticated(s, r.device, null);
        return null;
      }
      if (r.reason === 'BAD_CREDENTIALS') {
        this.logAuthFailed(s, 'bad username or password', r.device ?? null, null);
        return { returnCode: ConnackReturnCode.BAD_USERNAME_OR_PASSWORD, message: 'bad username or password' };
      }
      const message = r.detail === 'BLOCKED' ? 'not authorized: device blocked' : 'not authorized: certificate devices connect with two-way TLS';
      this.logAuthFailed(s, message, r.device, null);
      return { returnCode: ConnackReturnCode.NOT_AUTHORIZED, message };
    }
  }

  /** One registry lookup for concurrent connects with the same credentials (a reconnect storm). */
  private verifyShared(clientId: string, username: string | undefined, password: Buffer | undefined, generation: number): Promise<CredentialCheck> {
    // Only lookups started after the same credential change are shared.
    const key = `${generation}\u0000${this.authCache.lookupKey(clientId, username, password)}`;
    let pending = this.inflightLookups.get(key);
    if (!pending) {
      pending = this.d.credentials.verifyDeviceCredentials(clientId, username, password).finally(() => this.inflightLookups.delete(key));
      this.inflightLookups.set(key, pending);
    }
    return pending;
  }

  private authenticated(s: Session, device: DeviceEntity, fingerprint: string | null): void {
    s.device = device;
    s.fingerprint = fingerprint;
    s.prefix = `${device.ownerId}/`;
    // [MQTT-3.1.4-2] aedes closes an older session with this client id when this one registers (MQTT 5 clients
    // get 0x8E): the older one is logged as taken over.
    for (const old of this.sessions.values()) {
      if (old === s || old.clientId !== s.clientId || !old.registered || old.ended) continue;
      old.takenOver = true;
      old.setReason(`taken over by a new connection${s.conn.remoteAddress ? ` from ${s.conn.remoteAddress}:${s.conn.remotePort}` : ''}`);
    }
  }

  private logAuthFailed(s: Session, reason: string, device: DeviceEntity | null, fingerprint: string | null): void {
    this.d.connectionLog.record({
      eventType: ConnectionEventType.AUTH_FAILED,
      reason,
      ownerId: device?.ownerId ?? null,
      deviceId: device?.id ?? null,
      certificateFingerprint: fingerprint,
      ...this.connectionDetails(s),
    });
  }

  private connectionDetails(s: Session) {
    return {
      clientId: s.clientId,
      username: s.username,
      remoteAddress: s.conn.remoteAddress ?? null,
      remotePort: s.conn.remotePort ?? null,
      listener: s.listener,
      protocolVersion: s.protocolVersion,
      keepalive: s.keepalive,
      cleanSession: s.clean,
    };
  }

  private tlsHandshakeFailed(err: Error & { code?: string }, socket: tls.TLSSocket): void {
    const raw = (socket as unknown as { _parent?: net.Socket })._parent;
    const peer = (raw && this.peers.get(raw)) ?? { address: socket.remoteAddress, port: socket.remotePort };
    const address = peer.address?.startsWith('::ffff:') ? peer.address.slice(7) : peer.address;
    this.d.log.debug(`MQTTS (two-way) handshake failed from ${address}: ${err.message}`);
    if (this.closing) return;
    this.d.connectionLog.record({
      eventType: ConnectionEventType.AUTH_FAILED,
      reason: `TLS handshake failed: ${err.code ?? err.message}`,
      remoteAddress: address ?? null,
      remotePort: peer.port ?? null,
      listener: MqttListener.MQTTS_MUTUAL,
    });
  }

  /** The client is registered (CONNACK about to be sent). */
  /** An authenticated session holds its device ONLINE until it ends. */
  private claim(s: Session): void {
    if (!s.device || s.claimed) return;
    s.claimed = true;
    let set = this.online.get(s.device.id);
    if (!set) this.online.set(s.device.id, (set = new Set()));
    set.add(s);
  }

  private sessionStarted(s: Session): void {
    if (!s.device || s.registered) return;
    s.registered = true;
    this.d.connectionLog.record({
      eventType: ConnectionEventType.CONNECTED,
      ownerId: s.device.ownerId,
      deviceId: s.device.id,
      certificateFingerprint: s.fingerprint,
      ...this.connectionDetails(s),
    });
    this.emit('sessionStarted', s.device.id);
  }

  private sessionEnded(s: Session): void {
    if (s.ended) return;
    s.ended = true;
    this.sessions.delete(s.client);
    if (s.registered && s.device) {
      const graceful = s.disconnected;
      this.d.connectionLog.record({
        eventType: s.takenOver ? ConnectionEventType.TAKEN_OVER : ConnectionEventType.DISCONNECTED,
        reason: s.closeReason ?? (graceful ? 'client disconnect' : 'connection closed by client'),
        ownerId: s.device.ownerId,
        deviceId: s.device.id,
        certificateFingerprint: s.fingerprint,
        ...this.connectionDetails(s),
      });
      this.emit('sessionEnded', s.device.id);
    }
    if (s.claimed && s.device) {
      const deviceId = s.device.id;
      const set = this.online.get(deviceId);
      set?.delete(s);
      if (set && set.size === 0) this.online.delete(deviceId);
      // Taken over: the newer session holds the device now (on this instance or another).
      if (!s.takenOver && !this.online.has(deviceId)) void this.setStatus(s.device, DeviceStatus.OFFLINE);
    }
    s.resolveEnded();
  }

  /** Status writes of one device are applied in order; each change is published to the owner. */
  private setStatus(device: DeviceEntity, status: DeviceStatus): Promise<void> {
    const at = this.d.clock();
    const previous = this.statusChains.get(device.id) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const updated = await this.d.devices.setConnectionStatus(device.id, status, at, this.d.instanceId);
        if (updated) this.d.pubSub.publish(deviceStatusTopic(updated.ownerId), updated);
      })
      .catch((err: unknown) => this.d.log.error(`could not set device ${device.id} ${status}`, err));
    this.statusChains.set(device.id, next);
    void next.then(() => {
      if (this.statusChains.get(device.id) === next) this.statusChains.delete(device.id);
    });
    return next;
  }

  // ---- topics ------------------------------------------------------------------------------------

  /** Every packet of an authenticated client, before aedes handles it (the guard holds packets until then). */
  private onPacket(s: Session, packet: AnyPacket): void {
    if (packet.cmd === 'disconnect') s.disconnected = true;
    else if (s.prefix && (packet.cmd === 'subscribe' || packet.cmd === 'unsubscribe')) this.applyNamespace(s.prefix, packet);
  }

  /** Moves a SUBSCRIBE's or UNSUBSCRIBE's filters into the owner's namespace; `$` filters stay (and are refused). */
  private applyNamespace(prefix: string, packet: AnyPacket): void {
    const inside = (filter: string) => (typeof filter === 'string' && filter !== '' && !filter.startsWith('$') ? prefix + filter : filter);
    if (packet.cmd === 'subscribe' && Array.isArray(packet.subscriptions)) {
      for (const sub of packet.subscriptions as Array<{ topic: string }>) sub.topic = inside(sub.topic);
    } else if (packet.cmd === 'unsubscribe' && Array.isArray(packet.unsubscriptions)) {
      packet.unsubscriptions = (packet.unsubscriptions as string[]).map(inside);
    }
  }

  private authorizeSubscribe(client: Client, sub: Subscription, cb: (err: Error | null, sub?: Subscription | null) => void): void {
    const s = this.sessions.get(client);
    // Outside the owner's namespace: `$SYS`, `$share`, or a session stored for a previous owner.
    if (!s?.prefix || !sub.topic.startsWith(s.prefix)) return cb(null, null);
    cb(null, sub);
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
    const s = client ? this.everSeen.get(client) : undefined;
    if (!s?.prefix || !s.device) return cb(new Error('not authorized'));
    const topic = packet.topic;
    if (topic.startsWith('$') || /[+#\u0000]/.test(topic)) {
      s.setReason(`publish to a forbidden topic: ${topic.slice(0, 100)}`);
      s.disconnect(ReasonCode.TOPIC_NAME_INVALID);
      return cb(new Error('topic not allowed'));
    }
    // A will is published with the will's properties: Will Delay Interval is not a PUBLISH property ([MQTT-3.3.2]).
    const props = packet.properties as (PublishPacket['properties'] & { willDelayInterval?: number }) | undefined;
    if (props?.willDelayInterval !== undefined) delete props.willDelayInterval;
    const prefix = s.prefix;
    const device = s.device;
    const publish = () => {
      packet.topic = prefix + topic;
      cb(null);
    };
    const record = () => {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload ?? '');
      const row = { ownerId: device.ownerId, deviceId: device.id, topic, payload, qos: packet.qos ?? 0, retain: Boolean(packet.retain), properties: messageProperties(packet.properties) };
      // Acknowledged means stored: aedes sends PUBACK/PUBREC only after this callback, so after the commit.
      new Promise<void>((resolve) => resolve(this.d.deviceEvents.record(row))).then(publish, (err: unknown) => this.notStored(s, packet, err, publish, cb));
    };
    // A retransmitted QoS 2 message aedes already has is not published again: do not record it twice.
    if (packet.qos === 2 && packet.messageId !== undefined && this.broker) {
      void holdsIncomingPacket(this.broker, client!, packet).then((held) => (held ? publish() : record()));
      return;
    }
    record();
  }

  /**
   * The device event could not be stored. QoS 0 goes on (counted as dropped); QoS 1/2 is not acknowledged: the
   * connection ends (MQTT 5: DISCONNECT 0x89 "storage unavailable") and the client sends it again on reconnect.
   */
  private notStored(s: Session, packet: PublishPacket, err: unknown, publish: () => void, cb: (err?: Error | null) => void): void {
    if ((packet.qos ?? 0) === 0) {
      this.droppedQos0 += 1;
      this.d.log.warn(`device event of ${s.clientId} not stored (QoS 0, dropped): ${err instanceof Error ? err.message : String(err)}`);
      return publish();
    }
    s.setReason('storage unavailable');
    s.client.disconnect({ reasonCode: ReasonCode.SERVER_BUSY, properties: { reasonString: 'storage unavailable' } }, () => cb(new Error('storage unavailable')));
  }

  private authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const s = this.sessions.get(client);
    if (!s?.prefix) return null;
    const topic = packet.topic;
    // aedes hands each subscriber its own copy of the packet: rewriting it in place is safe (and needed
    // for messages replayed from a stored session, whose returned copy aedes ignores).
    if (topic.startsWith(s.prefix)) {
      packet.topic = topic.slice(s.prefix.length);
      // [MQTT-3.1.2-24] never send a client a packet larger than the Maximum Packet Size it asked for: drop it.
      const max = client.maximumPacketSize;
      if (max && wireSize(packet) > max) return null;
      return packet;
    }
    // In-flight messages of a stored session were stored already rewritten; anything in another
    // namespace (or a system topic) never reaches the device.
    if (topic.startsWith('$') || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\//i.test(topic)) return null;
    return packet;
  }

  // ---- registry events ---------------------------------------------------------------------------

  private kick(match: (s: Session) => boolean, reason: string): Session[] {
    const kicked: Session[] = [];
    for (const s of this.sessions.values()) {
      if (!s.device || s.ended || !match(s)) continue;
      s.setReason(`kicked: ${reason}`);
      s.disconnect(ReasonCode.ADMINISTRATIVE_ACTION, reason);
      kicked.push(s);
    }
    return kicked;
  }

  private credentialsChanged(e: RegistryEvents['deviceCredentialsChanged'][0]): void {
    this.authCache.invalidate(e.deviceNumber);
    const kicked = this.kick((s) => s.device?.id === e.deviceId || s.clientId === e.deviceNumber, e.reason);
    this.track(
      (async () => {
        await Promise.all(kicked.map((s) => s.endedPromise));
        const [device] = await this.d.devices.byIds([e.deviceId]);
        if (device) return;
        // Deleted: its log and events go too, and so does any session state kept under its client id.
        await this.d.connectionLog.deleteForDevice(e.deviceId);
        await this.d.deviceEvents.deleteForDevice(e.deviceId);
        if (this.broker) await dropStoredSession(this.broker, e.deviceNumber);
      })(),
    );
  }

  private certificateWithdrawn(e: RegistryEvents['certificateWithdrawn'][0]): void {
    const fp = normalizeFingerprint(e.fingerprint);
    // Only the listed devices' sessions: unbinding from one device leaves others using the certificate.
    const devices = new Set(e.deviceIds);
    this.kick((s) => s.fingerprint != null && normalizeFingerprint(s.fingerprint) === fp && (devices.size === 0 || devices.has(s.device!.id)), e.reason);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.d.log.error('message server background task failed', err));
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
  }
}
