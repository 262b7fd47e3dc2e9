import type { Aedes, AedesPublishPacket, Client, PublishPacket } from 'aedes';
import { LRUCache } from 'lru-cache';

import type { Logger } from '../common/index.js';
import type { DeviceEntity } from '../devices/index.js';
import { ConnectionEventType, type ConnectionLogService, MqttListener } from '../history/index.js';
import { type AuthOutcome, THROTTLED } from './device-auth.js';
import { ConnackReturnCode } from './reason-codes.js';
import type { ClientConnection } from './session.js';
import { trackSessions } from './session-tracking.js';

/** Why a CONNECT was refused, as a metric label (few values; the connection log has the full reason). */
export type RefusalReason = 'bad_credentials' | 'not_authorized' | 'blocked' | 'rate_limited' | 'server_unavailable' | 'tls_handshake_failed';

/** What the message server counted since it started (read when metrics are scraped). */
export interface MqttCounts {
  /** Connection attempts by listener and result (`accepted` or a refusal reason). */
  connects: Map<string, { listener: MqttListener; result: 'accepted' | RefusalReason; count: number }>;
  /** Refused authentications by reason. */
  authFailures: Map<RefusalReason, number>;
  /** PUBLISH packets received from clients (accepted by the broker) and sent to clients, and their payload bytes. */
  messagesReceived: number;
  messagesSent: number;
  payloadBytesReceived: number;
  payloadBytesSent: number;
}

export function refusalReason(outcome: Extract<AuthOutcome, { ok: false }>): RefusalReason {
  if (outcome.message === THROTTLED) return 'rate_limited';
  if (outcome.returnCode === ConnackReturnCode.BAD_USERNAME_OR_PASSWORD) return 'bad_credentials';
  if (outcome.returnCode === ConnackReturnCode.NOT_AUTHORIZED) return /blocked/.test(outcome.message) ? 'blocked' : 'not_authorized';
  return 'server_unavailable';
}

const payloadBytes = (packet: { payload?: unknown }): number => {
  const p = packet.payload;
  return Buffer.isBuffer(p) ? p.length : typeof p === 'string' ? Buffer.byteLength(p) : 0;
};

/**
 * What happens to the message server's connections, in one place: each connect, refusal, disconnect and takeover
 * is written to the connection log, logged (info, with device id, client id, listener and reason; never a
 * password) and counted; so are messages and payload bytes in and out.
 */
export class MqttObserver {
  readonly counts: MqttCounts = { connects: new Map(), authFailures: new Map(), messagesReceived: 0, messagesSent: 0, payloadBytesReceived: 0, payloadBytesSent: 0 };

  /** How each device's last session on this instance ended (Device.connection.willPublished). */
  private readonly lastEnds = new LRUCache<string, { willPublished: boolean }>({ max: 100_000 });

  constructor(
    private readonly connectionLog: ConnectionLogService,
    private readonly log: Logger,
  ) {}

  /** Whether the device's last session on this instance ended with its will published; undefined when unknown here. */
  willPublished(deviceId: string): boolean | undefined {
    return this.lastEnds.get(deviceId)?.willPublished;
  }

  /**
   * Counts every PUBLISH a client got accepted (aedes emits `publish` once it is stored and forwarded), and keeps
   * each session's connect time and subscriptions (session-tracking.ts).
   */
  attach(broker: Aedes, sessionOf: (client: Client) => ClientConnection | undefined, now: () => Date): void {
    trackSessions(broker, sessionOf, now);
    broker.on('publish', (packet, client) => {
      if (!client) return;
      this.counts.messagesReceived += 1;
      this.counts.payloadBytesReceived += payloadBytes(packet);
    });
  }

  /** A PUBLISH goes out to a client. */
  sent(packet: AedesPublishPacket | PublishPacket): void {
    this.counts.messagesSent += 1;
    this.counts.payloadBytesSent += payloadBytes(packet);
  }

  /** The broker registered an authenticated client (CONNACK sent). */
  connected(s: ClientConnection, device: DeviceEntity): void {
    this.connectionLog.record({ eventType: ConnectionEventType.CONNECTED, organizationId: device.organizationId, deviceId: device.id, certificateFingerprint: s.fingerprint, ...s.details() });
    this.connect(s.listener, 'accepted');
    this.log.info('MQTT client connected', { ...this.fields(s), protocolVersion: s.protocolVersion, keepalive: s.keepalive, cleanSession: s.clean });
  }

  refused(s: ClientConnection, outcome: Extract<AuthOutcome, { ok: false }>): void {
    this.connectionLog.record({
      eventType: ConnectionEventType.AUTH_FAILED,
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
  handshakeFailed(err: Error & { code?: string }, peer: { address?: string; port?: number }): void {
    this.connectionLog.record({
      eventType: ConnectionEventType.AUTH_FAILED,
      reason: `TLS handshake failed: ${err.code ?? err.message}`,
      remoteAddress: peer.address ?? null,
      remotePort: peer.port ?? null,
      listener: MqttListener.MQTTS_MUTUAL,
    });
    this.connect(MqttListener.MQTTS_MUTUAL, 'tls_handshake_failed');
    this.log.debug('MQTTS (two-way) handshake failed', { listener: MqttListener.MQTTS_MUTUAL, remoteAddress: peer.address, remotePort: peer.port, reason: err.code ?? err.message });
  }

  /** A session that was online ended: disconnected, kicked, or taken over by a newer connection. */
  ended(s: ClientConnection, device: DeviceEntity): void {
    const reason = s.closeReason ?? (s.disconnected ? 'client disconnect' : 'connection closed by client');
    // A will goes out when the connection ends without DISCONNECT [MQTT-3.1.2-8] (MQTT 5: after its delay).
    this.lastEnds.set(device.id, { willPublished: s.hasWill && !s.disconnected });
    this.connectionLog.record({
      eventType: s.takenOver ? ConnectionEventType.TAKEN_OVER : ConnectionEventType.DISCONNECTED,
      reason,
      organizationId: device.organizationId,
      deviceId: device.id,
      certificateFingerprint: s.fingerprint,
      ...s.details(),
    });
    this.log.info(s.takenOver ? 'MQTT session taken over' : 'MQTT client disconnected', { ...this.fields(s), reason });
  }

  /** Open connections by listener (every listener present, 0 where none). */
  countByListener(sessions: Iterable<ClientConnection>): Map<MqttListener, number> {
    const counts = new Map(Object.values(MqttListener).map((l) => [l, 0]));
    for (const s of sessions) counts.set(s.listener, (counts.get(s.listener) ?? 0) + 1);
    return counts;
  }

  private connect(listener: MqttListener, result: 'accepted' | RefusalReason): void {
    const key = `${listener}\u0000${result}`;
    const entry = this.counts.connects.get(key);
    if (entry) entry.count += 1;
    else this.counts.connects.set(key, { listener, result, count: 1 });
    if (result !== 'accepted') this.counts.authFailures.set(result, (this.counts.authFailures.get(result) ?? 0) + 1);
  }

  private fields(s: ClientConnection) {
    return { deviceId: s.device?.id ?? null, clientId: s.clientId, listener: s.listener, remoteAddress: s.conn.remoteAddress ?? null, remotePort: s.conn.remotePort ?? null };
  }
}
