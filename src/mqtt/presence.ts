import type { Clock, Logger } from '../common/index.js';
import { type DeviceEntity, type DeviceService, DeviceStatus, deviceStatusTopic } from '../devices/index.js';
import type { AppPubSub } from '../realtime/index.js';

/**
 * Device presence on this instance: a device is ONLINE while at least one authenticated session holds it.
 * Status writes of one device are applied in order and each change is published to its owner.
 */
export class Presence {
  private readonly holders = new Map<string, Set<object>>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Devices whose last status write failed (database unavailable): written again until it succeeds. */
  private readonly unsaved = new Map<string, DeviceEntity>();
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly devices: DeviceService,
    private readonly pubSub: AppPubSub,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly instanceId: string,
  ) {}

  /** Pending status writes (for settling). */
  get pending(): Array<Promise<void>> {
    return [...this.chains.values()];
  }

  /** `holder` keeps the device ONLINE; resolves once ONLINE is written. */
  hold(device: DeviceEntity, holder: object): Promise<void> {
    let set = this.holders.get(device.id);
    if (!set) this.holders.set(device.id, (set = new Set()));
    set.add(holder);
    return this.setStatus(device, DeviceStatus.ONLINE);
  }

  /**
   * `holder` lets go. The device goes OFFLINE when no holder is left, unless `handedOver` (a newer session, on
   * this instance or another, holds it now). False when `holder` did not hold it.
   */
  release(device: DeviceEntity, holder: object, handedOver: boolean): boolean {
    const set = this.holders.get(device.id);
    if (!set?.delete(holder)) return false;
    if (set.size === 0) this.holders.delete(device.id);
    if (!handedOver && !this.holders.has(device.id)) void this.setStatus(device, DeviceStatus.OFFLINE);
    return true;
  }

  /** Stops retrying failed status writes (shutdown). */
  close(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    this.unsaved.clear();
  }

  private setStatus(device: DeviceEntity, status: DeviceStatus): Promise<void> {
    const at = this.clock();
    const previous = this.chains.get(device.id) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const updated = await this.devices.setConnectionStatus(device.id, status, at, this.instanceId);
        this.unsaved.delete(device.id);
        if (updated) this.pubSub.publish(deviceStatusTopic(updated.organizationId), updated);
      })
      .catch((err: unknown) => {
        if (!this.unsaved.has(device.id)) this.log.error(`could not set device ${device.id} ${status}; will retry`, err);
        this.unsaved.set(device.id, device);
        this.retryLater();
      });
    this.chains.set(device.id, next);
    void next.then(() => {
      if (this.chains.get(device.id) === next) this.chains.delete(device.id);
    });
    return next;
  }

  /** Writes again, every second, the status each device should have now, until the database takes it. */
  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setInterval(() => {
      if (!this.unsaved.size) {
        if (this.retryTimer) clearInterval(this.retryTimer);
        this.retryTimer = null;
        return;
      }
      for (const device of [...this.unsaved.values()]) {
        if (this.chains.has(device.id)) continue;
        void this.setStatus(device, this.holders.has(device.id) ? DeviceStatus.ONLINE : DeviceStatus.OFFLINE);
      }
    }, 1000);
    this.retryTimer.unref();
  }
}
