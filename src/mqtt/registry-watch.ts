import type { Aedes } from 'aedes';

import type { Logger, RegistryBus, RegistryEvents } from '../common/index.js';
import type { DeviceService } from '../devices/index.js';
import { type ConnectionLogService, type DeviceEventService, MqttListener } from '../history/index.js';
import { dropStoredSession } from './aedes-internals.js';
import type { DeviceAuthenticator, DeviceCertificateVerifier } from './device-auth.js';
import { ReasonCode } from './reason-codes.js';
import type { ClientConnection } from './session.js';

/** What the watch needs of the message server. */
export interface WatchedServer {
  sessions(): Iterable<ClientConnection>;
  broker(): Aedes | null;
  certificates(): DeviceCertificateVerifier | undefined;
  /** Runs a background task the server waits for when it settles. */
  track(p: Promise<unknown>): void;
}

const normalizeFingerprint = (fp: string): string => fp.replace(/[^0-9a-f]/gi, '').toLowerCase();

/**
 * Ends the sessions a registry change invalidates, at once: credentials changed (key, username, auth type,
 * blocked, deleted), certificate revoked or unbound; and, after registry events may have been missed (the
 * scale-out link was down: `registryResync`), checks every live session against the database again.
 */
export class RegistryWatch {
  private readonly onCredentialsChanged = (e: RegistryEvents['deviceCredentialsChanged'][0]) => this.credentialsChanged(e);
  private readonly onCertificateWithdrawn = (e: RegistryEvents['certificateWithdrawn'][0]) => this.certificateWithdrawn(e);
  private readonly onDisconnectRequested = (e: RegistryEvents['deviceDisconnectRequested'][0]) => void this.kick((s) => s.device?.id === e.deviceId || s.clientId === e.deviceNumber, e.reason);
  private readonly onResync = () => void this.recheckSessions().catch((err: unknown) => this.log.error('re-checking MQTT sessions failed', err));

  constructor(
    private readonly server: WatchedServer,
    private readonly bus: RegistryBus,
    private readonly auth: DeviceAuthenticator,
    private readonly devices: DeviceService,
    private readonly connectionLog: ConnectionLogService,
    private readonly deviceEvents: DeviceEventService,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.bus.on('deviceCredentialsChanged', this.onCredentialsChanged);
    this.bus.on('certificateWithdrawn', this.onCertificateWithdrawn);
    this.bus.on('registryResync', this.onResync);
    this.bus.on('deviceDisconnectRequested', this.onDisconnectRequested);
  }

  stop(): void {
    this.bus.off('deviceCredentialsChanged', this.onCredentialsChanged);
    this.bus.off('certificateWithdrawn', this.onCertificateWithdrawn);
    this.bus.off('registryResync', this.onResync);
    this.bus.off('deviceDisconnectRequested', this.onDisconnectRequested);
  }

  /**
   * Ends every live session no longer allowed: device gone, blocked, changed since the session authenticated, or
   * its certificate no longer valid. Returns how many.
   */
  async recheckSessions(): Promise<number> {
    this.auth.clear();
    const live = [...this.server.sessions()].filter((s) => s.device && s.live);
    const found = await this.devices.byIds([...new Set(live.map((s) => s.device!.id))]);
    const devices = new Map(found.filter((d) => d != null).map((d) => [d.id, d]));
    let ended = 0;
    for (const s of live) {
      const was = s.device!;
      const now = devices.get(was.id);
      let stale = !now || now.blocked || now.authType !== was.authType || now.username !== was.username || now.updatedAt.getTime() > was.updatedAt.getTime();
      const verifier = this.server.certificates();
      if (!stale && s.listener === MqttListener.MQTTS_MUTUAL && verifier) {
        stale = !(await verifier.verifyDeviceCertificate(s.clientId ?? '', s.peerCertificate())).ok;
      }
      if (stale && s.live) {
        s.setReason('kicked: credentials changed while registry events were missed');
        this.log.info('MQTT session kicked', { deviceId: was.id, clientId: s.clientId, listener: s.listener, reason: 'credentials changed while registry events were missed' });
        s.disconnect(ReasonCode.ADMINISTRATIVE_ACTION, 'credentials changed');
        ended += 1;
      }
    }
    return ended;
  }

  private kick(match: (s: ClientConnection) => boolean, reason: string): ClientConnection[] {
    const kicked: ClientConnection[] = [];
    for (const s of this.server.sessions()) {
      if (!s.device || !s.live || !match(s)) continue;
      s.setReason(`kicked: ${reason}`);
      this.log.info('MQTT session kicked', { deviceId: s.device.id, clientId: s.clientId, listener: s.listener, reason });
      s.disconnect(ReasonCode.ADMINISTRATIVE_ACTION, reason);
      kicked.push(s);
    }
    return kicked;
  }

  private credentialsChanged(e: RegistryEvents['deviceCredentialsChanged'][0]): void {
    this.auth.invalidate(e.deviceNumber);
    const kicked = this.kick((s) => s.device?.id === e.deviceId || s.clientId === e.deviceNumber, e.reason);
    this.server.track(
      (async () => {
        await Promise.all(kicked.map((s) => s.endedPromise));
        const [device] = await this.devices.byIds([e.deviceId]);
        if (device) return;
        // Deleted: its log and events go too, and so does any session state kept under its client id.
        await this.connectionLog.deleteForDevice(e.deviceId);
        await this.deviceEvents.deleteForDevice(e.deviceId);
        const broker = this.server.broker();
        if (broker) await dropStoredSession(broker, e.deviceNumber);
      })(),
    );
  }

  private certificateWithdrawn(e: RegistryEvents['certificateWithdrawn'][0]): void {
    const fp = normalizeFingerprint(e.fingerprint);
    // Only the listed devices' sessions: unbinding from one device leaves others using the certificate.
    const devices = new Set(e.deviceIds);
    this.kick((s) => s.fingerprint != null && normalizeFingerprint(s.fingerprint) === fp && (devices.size === 0 || devices.has(s.device!.id)), e.reason);
  }
}
