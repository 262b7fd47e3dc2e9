import type tls from 'node:tls';

import type { Client } from 'aedes';

import type { DeviceEntity } from '../devices/index.js';
import type { MqttListener } from '../history/index.js';
import type { ReasonCode } from './reason-codes.js';
import { SessionFilters } from './shared-subscriptions.js';
import type { WireGuard } from './wire-guard.js';

/** Where one client connection is, from accept to close. */
export enum ClientConnectionState {
  /** Accepted; CONNECT not yet authenticated. */
  CONNECTING = 'CONNECTING',
  /** Its CONNECT was refused (the connection log has why). */
  REFUSED = 'REFUSED',
  /** Credentials accepted: the device counts as ONLINE; the CONNACK is on its way. */
  AUTHENTICATED = 'AUTHENTICATED',
  /** Registered by the broker (CONNACK sent); logged as CONNECTED. */
  ONLINE = 'ONLINE',
  ENDED = 'ENDED',
}

/** One client connection of the message server. */
export class ClientConnection {
  state = ClientConnectionState.CONNECTING;
  clientId: string | null = null;
  username: string | null = null;
  protocolVersion: number | null = null;
  keepalive: number | null = null;
  clean: boolean | null = null;
  /** Its CONNECT carried a will message. */
  hasWill = false;
  /** When it went ONLINE. */
  connectedAt: Date | null = null;
  /** The QoS the broker granted per (namespaced) filter (made on the first SUBSCRIBE); which subscriptions exist is in `filters`. */
  grantedQos: Map<string, number> | null = null;
  device: DeviceEntity | null = null;
  fingerprint: string | null = null;
  /** `<organizationId>/`: every topic of the device lives under it inside the broker. */
  prefix: string | null = null;
  /** How it ended, when it did: a newer connection with the same client id took over. */
  takenOver = false;
  /** How it ended, when it did: the client sent DISCONNECT (a graceful end: no will). */
  disconnected = false;
  closeReason: string | null = null;
  /** Its subscriptions as the broker holds them, with their share groups. */
  readonly filters = new SessionFilters();
  /** Made when something waits for the end (a shutdown, a kick): most connections never need one. */
  private ended: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(
    readonly client: Client,
    readonly conn: WireGuard,
    readonly listener: MqttListener,
  ) {}

  /** Resolves once the connection ended. */
  get endedPromise(): Promise<void> {
    if (this.state === ClientConnectionState.ENDED) return Promise.resolve();
    if (!this.ended) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.ended = { promise, resolve };
    }
    return this.ended.promise;
  }

  get live(): boolean {
    return this.state !== ClientConnectionState.ENDED;
  }

  setReason(reason: string): void {
    this.closeReason ??= reason;
  }

  /** Ends the connection; an MQTT 5 client is told why first (DISCONNECT with a reason code). */
  disconnect(reasonCode: ReasonCode, reasonString?: string, serverReference?: string | null): void {
    const properties = { ...(reasonString ? { reasonString } : {}), ...(serverReference ? { serverReference } : {}) };
    this.client.disconnect({ reasonCode, ...(Object.keys(properties).length ? { properties } : {}) });
  }

  /** Two-way TLS: the client certificate (DER). */
  peerCertificate(): Buffer | undefined {
    const peer = (this.conn.socket as tls.TLSSocket).getPeerCertificate?.(false);
    return peer && peer.raw ? peer.raw : undefined;
  }

  end(): void {
    this.state = ClientConnectionState.ENDED;
    this.ended?.resolve();
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

/** Sessions by client id, so a connect finds the older sessions of its client id without scanning every session. */
export class ClientIdIndex {
  /** One session, or (while a take-over is under way) the sessions of that client id. */
  private readonly map = new Map<string, ClientConnection | Set<ClientConnection>>();

  add(s: ClientConnection): void {
    if (s.clientId === null) return;
    const found = this.map.get(s.clientId);
    if (found === undefined) this.map.set(s.clientId, s);
    else if (found instanceof Set) found.add(s);
    else if (found !== s) this.map.set(s.clientId, new Set([found, s]));
  }

  remove(s: ClientConnection): void {
    if (s.clientId === null) return;
    const found = this.map.get(s.clientId);
    if (found === s) this.map.delete(s.clientId);
    else if (found instanceof Set && found.delete(s) && found.size === 0) this.map.delete(s.clientId);
  }

  of(clientId: string | null): Iterable<ClientConnection> {
    const found = clientId === null ? undefined : this.map.get(clientId);
    return found === undefined ? [] : found instanceof Set ? found : [found];
  }
}

/**
 * [MQTT-3.1.4-2] aedes closes an older session with the client id of `s` when `s` registers (MQTT 5 clients get
 * 0x8E): the older ones online are logged as taken over. Called right before `s` is accepted (aedes then registers
 * it, closing the older one before it reports the new client).
 */
export function markTakenOver(sessions: Iterable<ClientConnection>, s: ClientConnection): void {
  for (const old of sessions) {
    if (old === s || old.clientId !== s.clientId || old.state !== ClientConnectionState.ONLINE) continue;
    old.takenOver = true;
    old.setReason(`taken over by a new connection${s.conn.remoteAddress ? ` from ${s.conn.remoteAddress}:${s.conn.remotePort}` : ''}`);
  }
}

/** A connection error as the connection log states it. */
export function describeError(err: Error & { code?: string; size?: number; maximumPacketSize?: number }): string {
  if (err.message === 'keep alive timeout') return 'keepalive timeout';
  if (err.message === 'packet too large' && err.size) return `packet too large: ${err.size} bytes (limit ${err.maximumPacketSize})`;
  if (err.code && /^E[A-Z]+$/.test(err.code)) return `socket error: ${err.code}`;
  return err.message || String(err);
}
