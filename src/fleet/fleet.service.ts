import type { DataSource } from 'typeorm';

import { atMostEvery, type Clock, type Logger, nowMs, type RegistryBus } from '../common/index.js';
import type { FleetConfig } from '../config/index.js';
import type { DeviceEntity, DeviceService } from '../devices/index.js';
import { ConnectionEventType, type ConnectionLogEntity, type ConnectionLogService } from '../history/index.js';
import type { MessageServer } from '../mqtt/index.js';
import type { AppPubSub } from '../realtime/index.js';
import { type Flipped, type Seen, sweepInactive, writeSeen } from './activity.js';
import { tapBroker, type TappedDevice, type TrafficSink } from './broker-tap.js';
import { DeviceCounterEntity, OrganizationCounterEntity } from './counter.entity.js';
import { CounterBuffer, splitByDevice, writeTallies } from './counters.js';
import { FleetQueries } from './fleet.queries.js';

/** The live topic of an organization's activity changes (payload: the Device, `active` as changed). */
export const deviceActivityTopic = (organizationId: string): `deviceActivity:${string}` => `deviceActivity:${organizationId}`;

declare module '../realtime/pubsub.js' {
  interface PubSubTopics {
    /** A device whose `active` flag changed. */
    [topic: `deviceActivity:${string}`]: DeviceEntity;
  }
}

export interface FleetDeps {
  ds: DataSource;
  config: FleetConfig;
  /** Counters are kept as long as device events (`maxAgeDays`, 0 = forever), enforced every `intervalMs`. */
  retention: { maxAgeDays: number; intervalMs: number };
  clock: Clock;
  log: Logger;
  pubSub: AppPubSub;
  bus: RegistryBus;
  devices: DeviceService;
  connectionLog: ConnectionLogService;
}

const DAY_MS = 86_400_000;
/** Devices whose counts and last seen time one flush transaction writes, at most. */
const DEVICES_PER_TRANSACTION = 250;
/** Counter rows deleted per statement by retention. */
const RETENTION_CHUNK = 5000;

/**
 * The fleet view of this instance: what the message server sees of each device (last packet, counts per minute) is
 * kept in memory and written in one transaction every `flushIntervalMs`, so every instance reads it from the
 * database; a periodic sweep flags devices silent past their inactivity timeout, a device's first packet after that
 * flags it active again, and each change is published once (`deviceActivityTopic`).
 */
export class FleetService implements TrafficSink {
  readonly queries: FleetQueries;
  private readonly counters = new CounterBuffer();
  private seenPending: Seen = new Map();
  private seenWriting: Seen | null = null;
  /** Flushes, sweeps and retention run one at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private detach: Array<() => void> = [];
  private readonly failureWarning = atMostEvery(10_000);
  private readonly postgres: boolean;

  constructor(private readonly deps: FleetDeps) {
    this.queries = new FleetQueries(deps.ds, deps.clock);
    this.postgres = deps.ds.options.type === 'postgres';
  }

  /** Starts watching the message server's traffic (when tracking is on) and the periodic flush, sweep and retention. */
  start(server: MessageServer | null): void {
    const broker = server?.observed.broker();
    if (this.deps.config.trackingEnabled && server && broker) {
      this.detach.push(tapBroker(broker, server.observed.deviceOf, this));
      // A connect flags an inactive device active in its ONLINE write (see ConnectionStatusWriter).
      const activated = (device: DeviceEntity) => this.deps.pubSub.publish(deviceActivityTopic(device.organizationId), device);
      server.observed.activated.add(activated);
      this.detach.push(() => server.observed.activated.delete(activated));
      const observe = (row: ConnectionLogEntity) => this.logged(row);
      this.deps.connectionLog.observers.add(observe);
      this.detach.push(() => this.deps.connectionLog.observers.delete(observe));
    }
    const onDeleted = (e: { deviceId: string }) => void this.forgetIfDeleted(e.deviceId);
    this.deps.bus.on('deviceCredentialsChanged', onDeleted);
    this.detach.push(() => this.deps.bus.off('deviceCredentialsChanged', onDeleted));
    const every = (ms: number, task: () => Promise<unknown>, what: string) => {
      const timer = setInterval(() => void task().catch((err: unknown) => this.failed(what, err)), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.deps.config.flushIntervalMs, () => this.flush(), 'fleet counters and last seen times');
    every(this.deps.config.inactivitySweepIntervalMs, () => this.sweep(), 'inactivity sweep');
    every(this.deps.retention.intervalMs, () => this.runRetention(), 'counter retention');
  }

  /** Stops watching and the timers; writes what is buffered. */
  async close(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const off of this.detach.splice(0)) off();
    await this.flush().catch((err: unknown) => this.failed('fleet counters and last seen times', err));
  }

  // ---- traffic (every packet: kept cheap) ----------------------------------------------------------------

  seen(device: TappedDevice): void {
    this.seenPending.set(device.id, nowMs(this.deps.clock));
  }

  connected(device: TappedDevice): void {
    this.counters.tally(device.organizationId, device.id, nowMs(this.deps.clock)).connects += 1;
  }

  messageIn(device: TappedDevice, bytes: number, live: boolean): void {
    const now = nowMs(this.deps.clock);
    const t = this.counters.tally(device.organizationId, device.id, now);
    t.messagesIn += 1;
    t.bytesIn += bytes;
    if (live) this.seenPending.set(device.id, now);
  }

  messageOut(device: TappedDevice, bytes: number): void {
    const t = this.counters.tally(device.organizationId, device.id, nowMs(this.deps.clock));
    t.messagesOut += 1;
    t.bytesOut += bytes;
  }

  private logged(row: ConnectionLogEntity): void {
    if (row.eventType !== ConnectionEventType.AUTH_FAILED || !row.deviceId || !row.organizationId) return;
    this.counters.tally(row.organizationId, row.deviceId, row.time.getTime()).authFailures += 1;
  }

  // ---- reads ------------------------------------------------------------------------------------------------

  /** The device's last packet: the later of what is written and what this instance has not written yet. */
  lastSeenAt(device: Pick<DeviceEntity, 'id' | 'lastSeenAt'>): Date | null {
    const pending = Math.max(this.seenPending.get(device.id) ?? 0, this.seenWriting?.get(device.id) ?? 0);
    const stored = device.lastSeenAt?.getTime() ?? 0;
    const latest = Math.max(pending, stored);
    return latest > 0 ? new Date(latest) : null;
  }

  /** Whole seconds since the device's last packet; null when it was never seen. */
  silentFor(device: Pick<DeviceEntity, 'id' | 'lastSeenAt'>): number | null {
    const last = this.lastSeenAt(device);
    return last ? Math.max(0, Math.floor((this.deps.clock().getTime() - last.getTime()) / 1000)) : null;
  }

  /** The device's inactivity timeout in seconds (its own, else the configured default; 0 = never inactive). */
  inactivityTimeout(device: Pick<DeviceEntity, 'inactivityTimeout'>): number {
    return device.inactivityTimeout ?? this.deps.config.inactivityTimeoutSeconds;
  }

  // ---- writes -----------------------------------------------------------------------------------------------

  /** Writes buffered counts and last seen times now (one transaction), and publishes the devices active again. */
  flush(): Promise<void> {
    return this.serial(() => this.write());
  }

  /** Flags inactive the devices silent past their timeout (after writing what this instance saw); returns how many. */
  sweep(): Promise<number> {
    return this.serial(async () => {
      await this.write();
      // Other instances' last seen times reach the database up to a flush interval late: never flag early.
      const grace = 2 * this.deps.config.flushIntervalMs;
      const run = (sql: string, params: unknown[]) => this.deps.ds.query(sql, params);
      const flipped = await sweepInactive(run, this.deps.clock().getTime(), this.deps.config.inactivityTimeoutSeconds, grace);
      await this.publishActivity(flipped, false);
      return flipped.length;
    });
  }

  /** Deletes counter rows older than the device events' maximum age; returns how many. */
  runRetention(): Promise<number> {
    return this.serial(async () => {
      if (this.deps.retention.maxAgeDays <= 0) return 0;
      const cutoff = this.deps.clock().getTime() - this.deps.retention.maxAgeDays * DAY_MS;
      let deleted = 0;
      for (const [entity, key] of [
        [DeviceCounterEntity, 'device_id'],
        [OrganizationCounterEntity, 'organization_id'],
      ] as const) {
        const table = this.deps.ds.getMetadata(entity).tableName;
        for (;;) {
          const oldest = `SELECT ${key}, bucket FROM ${table} WHERE bucket < ${cutoff} ORDER BY bucket LIMIT ${RETENTION_CHUNK}`;
          const result = await this.deps.ds.createQueryBuilder().delete().from(entity).where(`(${key}, bucket) IN (${oldest})`).execute();
          const n = result.affected ?? 0;
          deleted += n;
          if (n < RETENTION_CHUNK) break;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      return deleted;
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(): Promise<void> {
    if (this.counters.empty && this.seenPending.size === 0) return;
    const tallies = this.counters.take();
    const seen = this.seenPending;
    this.seenPending = new Map();
    this.seenWriting = seen;
    // A large fleet's flush is several short transactions with the event loop free in between: 1,000 devices in one
    // held it ~20 ms once a second, which was the p99 of every live delivery (fan-in bench).
    const parts = splitByDevice(tallies, seen, DEVICES_PER_TRANSACTION);
    const flipped: Flipped[] = [];
    for (const [i, part] of parts.entries()) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        const flippedNow = await this.deps.ds.transaction(async (m) => {
          await writeTallies(m, part.tallies, this.postgres);
          return writeSeen(m, part.seen, this.postgres);
        });
        flipped.push(...flippedNow);
      } catch (err) {
        // What was not written is kept for the next flush: counts add up, the later time wins.
        for (const rest of parts.slice(i)) {
          this.counters.restore(rest.tallies);
          for (const [id, at] of rest.seen) if ((this.seenPending.get(id) ?? 0) < at) this.seenPending.set(id, at);
        }
        this.seenWriting = null;
        await this.publishActivity(flipped, true);
        throw err;
      }
    }
    // `seenWriting` stays until the next write: a device row read before this commit (a GraphQL request under way)
    // still gets the time written, not null (Device.connection.lastSeenAt was null in a loaded full test run).
    await this.publishActivity(flipped, true);
  }

  /** One event per device whose flag changed (the device as it is now, `active` as changed). */
  private async publishActivity(flipped: Flipped[], active: boolean): Promise<void> {
    if (!flipped.length) return;
    const devices = await this.deps.devices.byIds(flipped.map((f) => f.id));
    for (const device of devices) {
      if (!device) continue;
      device.active = active;
      this.deps.pubSub.publish(deviceActivityTopic(device.organizationId), device);
    }
  }

  /** A deleted device's counter rows go with it (its organization's totals stay). */
  private async forgetIfDeleted(deviceId: string): Promise<void> {
    const [device] = await this.deps.devices.byIds([deviceId]);
    if (device) return;
    await this.serial(() => this.deps.ds.query(`DELETE FROM device_counters WHERE device_id = ${this.postgres ? '$1' : '?'}`, [deviceId])).catch((err: unknown) =>
      this.failed('counter clean-up', err),
    );
  }

  private failed(what: string, err: unknown): void {
    if (!this.failureWarning()) return;
    this.deps.log.warn(`${what} failed (retried later): ${err instanceof Error ? err.message : String(err)}`);
  }
}
