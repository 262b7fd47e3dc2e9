import type { Clock, Logger } from '../common/index.js';
import { type DeviceEntity, type DeviceService, DeviceStatus, deviceStatusTopic } from '../devices/index.js';
import type { AppPubSub } from '../realtime/index.js';

/** Status changes written in one transaction, at most. */
const MAX_BATCH = 500;
/**
 * While changes keep coming (a connect storm), a batch is written this long after the previous one (ms), so that it
 * gathers the connects of those milliseconds; a change alone is written at the next turn of the event loop. Connects
 * complete one by one, each a few turns apart, so waiting for one turn gathered about one change per transaction.
 */
const GATHER_MS = 5;

interface StatusChange {
  device: DeviceEntity;
  status: DeviceStatus;
  at: Date;
  done: () => void;
}

/**
 * Device presence on this instance: a device is ONLINE while at least one authenticated session holds it.
 * Status changes are written in order, in batches (every change waiting when the previous batch ends goes into the
 * next transaction: a connect storm costs one transaction per batch, not per device), and each change is published
 * to its owner.
 */
export class Presence {
  private readonly holders = new Map<string, Set<object>>();
  /** Changes waiting for the next batch. */
  private readonly queue: StatusChange[] = [];
  /** Changes queued or being written, per device. */
  private readonly inFlight = new Map<string, number>();
  private flushing: Promise<void> | null = null;
  /** Devices whose last status write failed (database unavailable): written again until it succeeds. */
  private readonly unsaved = new Map<string, DeviceEntity>();
  private retryTimer: NodeJS.Timeout | null = null;
  /** When the last batch started (performance.now()). */
  private lastWrite = -Infinity;

  constructor(
    private readonly devices: DeviceService,
    private readonly pubSub: AppPubSub,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly instanceId: string,
    /** A device's ONLINE write flagged it active again (the fleet view tracks activity). */
    private readonly activated: (device: DeviceEntity) => void,
  ) {}

  /** Pending status writes (for settling). */
  get pending(): Array<Promise<void>> {
    return this.flushing ? [this.flushing] : [];
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

  /** Resolves once the change is written (or has failed and is queued for retry). */
  private setStatus(device: DeviceEntity, status: DeviceStatus): Promise<void> {
    this.inFlight.set(device.id, (this.inFlight.get(device.id) ?? 0) + 1);
    const written = new Promise<void>((done) => this.queue.push({ device, status, at: this.clock(), done }));
    this.flushing ??= this.flush();
    return written;
  }

  /**
   * Writes batches until the queue is empty. A batch holds one change per device; a device's next change waits for
   * the next batch, at least GATHER_MS later: sessions of one client id accepted in the same turn would reach the
   * broker in an order of its own, and "who took over whom" (see markTakenOver) needs each registered before the next.
   */
  private async flush(): Promise<void> {
    while (this.queue.length) {
      // Let the connects of this turn of the event loop, or of the last few milliseconds in a storm, join the batch.
      const wait = this.lastWrite + GATHER_MS - performance.now();
      await new Promise<void>((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
      this.lastWrite = performance.now();
      const batch = this.takeBatch();
      try {
        const written = await this.devices.applyConnectionStatuses(
          batch.map((c) => ({ id: c.device.id, status: c.status, at: c.at })),
          this.instanceId,
        );
        batch.forEach((c, i) => {
          this.unsaved.delete(c.device.id);
          const updated = written[i];
          if (!updated) return;
          this.pubSub.publish(deviceStatusTopic(updated.device.organizationId), updated.device);
          if (updated.activated) this.activated(updated.device);
        });
      } catch (err) {
        for (const c of batch) {
          if (!this.unsaved.has(c.device.id)) this.log.error(`could not set device ${c.device.id} ${c.status}; will retry`, err);
          this.unsaved.set(c.device.id, c.device);
        }
        this.retryLater();
      }
      for (const c of batch) {
        const left = (this.inFlight.get(c.device.id) ?? 1) - 1;
        if (left > 0) this.inFlight.set(c.device.id, left);
        else this.inFlight.delete(c.device.id);
        c.done();
      }
    }
    this.flushing = null;
  }

  /** The next batch: queued changes in order, at most MAX_BATCH and one per device; the others stay queued in order. */
  private takeBatch(): StatusChange[] {
    const batch: StatusChange[] = [];
    const rest: StatusChange[] = [];
    const devices = new Set<string>();
    for (const c of this.queue) {
      if (batch.length < MAX_BATCH && !devices.has(c.device.id)) {
        devices.add(c.device.id);
        batch.push(c);
      } else rest.push(c);
    }
    this.queue.length = 0;
    for (const c of rest) this.queue.push(c);
    return batch;
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
        if (this.inFlight.has(device.id)) continue;
        void this.setStatus(device, this.holders.has(device.id) ? DeviceStatus.ONLINE : DeviceStatus.OFFLINE);
      }
    }, 1000);
    this.retryTimer.unref();
  }
}
