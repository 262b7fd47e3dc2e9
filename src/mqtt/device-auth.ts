import mqttPacket from 'mqtt-packet';

import type { Clock } from '../common/index.js';
import type { CredentialCheck, CredentialService } from '../credentials/index.js';
import type { DeviceEntity } from '../devices/index.js';
import type { ConnectThrottle } from '../security/index.js';
import { AuthCache } from './auth-cache.js';
import { ConnackReturnCode, ReasonCode } from './reason-codes.js';

export type DeviceCertificateCheck =
  { ok: true; device: DeviceEntity; fingerprint: string } | { ok: false; reason: 'BAD_CREDENTIALS' | 'NOT_AUTHORIZED'; detail: string; device?: DeviceEntity; fingerprint?: string };

/** What the message server needs from the certificate registry (two-way TLS). */
export interface DeviceCertificateVerifier {
  verifyDeviceCertificate(clientId: string, certDer: Buffer | undefined): Promise<DeviceCertificateCheck>;
}

/** One CONNECT to authenticate. */
export interface AuthRequest {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  address: string;
  /** Two-way TLS: the client certificate (DER), and the registry that checks it. */
  certificate?: { der: Buffer | undefined; verifier: DeviceCertificateVerifier };
}

export type AuthOutcome =
  | { ok: true; device: DeviceEntity; fingerprint: string | null }
  | {
      ok: false;
      returnCode: ConnackReturnCode;
      /** MQTT 5: the CONNACK reason code when it is not the one aedes maps `returnCode` to. */
      reasonCode?: ReasonCode;
      message: string;
      device: DeviceEntity | null;
      fingerprint: string | null;
    };

/** The message of a throttled refusal (connection log). */
export const THROTTLED = 'connection rate exceeded: too many failed attempts';

/** Rewrites an MQTT 5 CONNACK to carry `reasonCode` (aedes maps an authentication error to 0x80–0x88 only). */
export function connackWithReasonCode(reasonCode: ReasonCode): (connack: Buffer) => Buffer {
  return (connack) => {
    let packet: mqttPacket.IConnackPacket | null = null;
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (p) => (packet = p as mqttPacket.IConnackPacket));
    parser.parse(connack);
    const decoded = packet as mqttPacket.IConnackPacket | null;
    if (decoded?.cmd !== 'connack' || !decoded.reasonCode) return connack;
    return mqttPacket.generate({ ...decoded, reasonCode }, { protocolVersion: 5 });
  };
}

const refused = (returnCode: ConnackReturnCode, message: string, device: DeviceEntity | null = null, fingerprint: string | null = null): Extract<AuthOutcome, { ok: false }> => ({
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
const throttled = (): AuthOutcome => ({ ...refused(ConnackReturnCode.SERVER_UNAVAILABLE, THROTTLED), reasonCode: ReasonCode.CONNECTION_RATE_EXCEEDED });

/**
 * Device authentication: Token devices by client id, username and key (cached, one registry lookup shared by
 * concurrent connects), Certificate devices by their client certificate; throttled per client id and address.
 */
export class DeviceAuthenticator {
  private readonly cache: AuthCache;
  private readonly inflight = new Map<string, Promise<CredentialCheck>>();

  constructor(
    private readonly credentials: CredentialService,
    cacheTtlMs: number,
    clock: Clock,
    private readonly throttle?: ConnectThrottle,
  ) {
    this.cache = new AuthCache(cacheTtlMs, clock);
  }

  get stats(): { hits: number; misses: number } {
    return { hits: this.cache.hits, misses: this.cache.misses };
  }

  /** Forgets cached logins of a client id (its credentials changed). */
  invalidate(clientId: string): void {
    this.cache.invalidate(clientId);
  }

  /** Forgets every cached login (registry events may have been missed). */
  clear(): void {
    this.cache.clear();
  }

  async authenticate(r: AuthRequest): Promise<AuthOutcome> {
    if (this.throttle) {
      const admission = await this.throttle.admit(r.clientId, r.address);
      if (!admission.allowed) return throttled();
    }
    const outcome = r.certificate ? await this.byCertificate(r, r.certificate) : await this.byToken(r);
    if (this.throttle) await (outcome.ok ? this.throttle.succeeded(r.clientId, r.address) : this.throttle.failed(r.clientId, r.address));
    return outcome;
  }

  private async byCertificate(r: AuthRequest, c: NonNullable<AuthRequest['certificate']>): Promise<AuthOutcome> {
    const v = await c.verifier.verifyDeviceCertificate(r.clientId, c.der);
    if (v.ok) {
      // A username, when given, must be the device's.
      if (r.username !== undefined && r.username !== v.device.username) {
        return refused(ConnackReturnCode.BAD_USERNAME_OR_PASSWORD, "bad username or password: not the device's username", v.device, v.fingerprint);
      }
      return { ok: true, device: v.device, fingerprint: v.fingerprint };
    }
    if (v.reason === 'BAD_CREDENTIALS') return refused(ConnackReturnCode.BAD_USERNAME_OR_PASSWORD, `bad certificate: ${v.detail}`, v.device, v.fingerprint);
    return refused(ConnackReturnCode.NOT_AUTHORIZED, `not authorized: ${v.detail}`, v.device, v.fingerprint);
  }

  private async byToken({ clientId, username, password }: AuthRequest): Promise<AuthOutcome> {
    for (let attempt = 0; ; attempt++) {
      const generation = this.cache.generation(clientId);
      const cached = this.cache.get(clientId, username, password);
      if (cached) return { ok: true, device: cached, fingerprint: null };
      const digest = this.cache.digestOf(password);
      const r = await this.lookup(clientId, username, password, digest, generation);
      // The credentials changed while we looked them up: look again, the answer may be stale.
      if (this.cache.generation(clientId) !== generation && attempt < 3) continue;
      if (r.ok) {
        this.cache.put(clientId, username, digest, r.device, generation);
        return { ok: true, device: r.device, fingerprint: null };
      }
      if (r.reason === 'BAD_CREDENTIALS') return refused(ConnackReturnCode.BAD_USERNAME_OR_PASSWORD, 'bad username or password', r.device ?? null);
      const message = r.detail === 'BLOCKED' ? 'not authorized: device blocked' : 'not authorized: certificate devices connect with two-way TLS';
      return refused(ConnackReturnCode.NOT_AUTHORIZED, message, r.device);
    }
  }

  /** One registry lookup for concurrent connects with the same credentials (a reconnect storm). */
  private lookup(clientId: string, username: string | undefined, password: Buffer | undefined, digest: string, generation: number): Promise<CredentialCheck> {
    // Only lookups started after the same credential change are shared.
    const key = `${generation}\u0000${this.cache.lookupKey(clientId, username, digest)}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.credentials.verifyDeviceCredentials(clientId, username, password).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }
}
