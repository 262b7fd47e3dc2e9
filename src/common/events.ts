import { EventEmitter } from 'node:events';

/** What changed in the registry; the message server listens to invalidate caches and kick sessions. */
export interface RegistryEvents {
  /** A device's credentials or authorization changed (key rotated, blocked, auth type changed, deleted). */
  deviceCredentialsChanged: [{ deviceId: string; deviceNumber: string; reason: string }];
  /** A certificate was revoked, or unbound from a device: sessions authenticated with it must end. */
  certificateWithdrawn: [{ fingerprint: string; deviceIds: string[]; reason: string }];
}

/** A typed in-process event bus, one per app. */
export class RegistryBus extends EventEmitter<RegistryEvents> {}
