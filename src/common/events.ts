import { EventEmitter } from 'node:events';

/** What changed in the registry; the message server and the subscription server listen to end what it invalidates. */
export interface RegistryEvents {
  // `generation`: the registry generation the change committed (src/db/registry-generation.ts); scale-out uses it to
  // notice events it missed.
  /** A device's credentials or authorization changed (key rotated, blocked, auth type changed, deleted). */
  deviceCredentialsChanged: [{ deviceId: string; deviceNumber: string; reason: string; generation?: number }];
  /** A certificate was revoked, or unbound from a device: sessions authenticated with it must end. */
  certificateWithdrawn: [{ fingerprint: string; deviceIds: string[]; reason: string; generation?: number }];
  /** Its owner asked for a device's sessions to end (disconnectDevice), on whichever instance holds them. */
  deviceDisconnectRequested: [{ deviceId: string; deviceNumber: string; reason: string }];
  /** An API key was revoked: subscriptions opened with it must end. */
  apiKeyRevoked: [{ apiKeyId: string }];
  /**
   * A member's role in an organization changed; `role` null: they left or were removed, or the organization was
   * deleted. Their subscriptions and test client sessions there end when they lose the right to them.
   */
  membershipChanged: [{ organizationId: string; userId: string; role: string | null }];
  /**
   * Local only (never forwarded): registry events from other instances may have been missed (the Redis link was
   * down). Listeners drop what they cached and check live sessions against the database again.
   */
  registryResync: [{ reason: string }];
}

export type RegistryEventName = keyof RegistryEvents;

/**
 * A typed event bus, one per app. Events emitted here also go to `forward` (scale-out: the other instances,
 * through Redis); events from other instances come in through `emitLocal`, which does not forward them again.
 */
export class RegistryBus extends EventEmitter<RegistryEvents> {
  forward?: <K extends RegistryEventName>(event: K, payload: RegistryEvents[K][0]) => void;

  override emit<K extends RegistryEventName>(event: K, payload: RegistryEvents[K][0]): boolean {
    const had = this.emitLocal(event, payload);
    this.forward?.(event, payload);
    return had;
  }

  emitLocal<K extends RegistryEventName>(event: K, payload: RegistryEvents[K][0]): boolean {
    return (super.emit as (e: K, p: RegistryEvents[K][0]) => boolean)(event, payload);
  }
}
