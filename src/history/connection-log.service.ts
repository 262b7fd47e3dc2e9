import { type Page, sortableId } from '../common/index.js';
import { FailureFolder } from './connection-log.aggregator.js';
import { ConnectionEventType, ConnectionLogEntity, type MqttListener } from './connection-log.entity.js';
import { DeviceIndex } from './device-index.js';
import { type ListQuery, RecordStore, type StoreOptions } from './record-store.js';

export interface ConnectionLogQuery extends ListQuery {
  eventTypes?: ConnectionEventType[] | null;
}

export type ConnectionLogInput = Partial<Omit<ConnectionLogEntity, 'id' | 'time' | 'eventType' | 'listener' | 'count'>> & {
  eventType: ConnectionEventType;
  listener: MqttListener;
};

/** Text from the wire made safe to store: no NUL (PostgreSQL rejects it), bounded length. */
export function cleanText(value: string | null | undefined, max: number): string | null {
  if (value == null) return null;
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/\u0000/g, '\uFFFD');
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** Folding of repeated AUTH_FAILED rows (see FailureFolder); `windowMs` 0 writes every row. */
export interface AuthFailedFolding {
  windowMs: number;
  maxKeys: number;
}

/**
 * The connection log: CONNECTED, DISCONNECTED, AUTH_FAILED and TAKEN_OVER rows, written in batches; repeated
 * AUTH_FAILED rows are folded into count rows.
 */
export class ConnectionLogService extends RecordStore<ConnectionLogEntity, 'connectionLog'> {
  private readonly folder: FailureFolder | null;
  /** Told of every row recorded, also of AUTH_FAILED rows folded into a later count row (counters: src/fleet). */
  readonly observers = new Set<(row: ConnectionLogEntity) => void>();

  /** SQLite: no index on time alone (see migration 1764002700000); retention by age goes owner by owner. */
  protected override readonly timeIndexed = this.index === null;

  constructor(o: StoreOptions, folding: AuthFailedFolding = { windowMs: 0, maxKeys: 1 }) {
    // SQLite: the per-device index is written in bulk (PostgreSQL's table has its own).
    super(o, ConnectionLogEntity, 'connectionLog', DeviceIndex.CONNECTION_LOG);
    this.folder = folding.windowMs > 0 ? new FailureFolder(folding.windowMs, folding.maxKeys, o.clock, (row) => void this.writer.add(row)) : null;
  }

  /**
   * Buffers one row (written within `eventFlushIntervalMs`) and returns it; an AUTH_FAILED row repeating one of
   * the same client id and reason within the folding window is only counted (written later in a count row).
   */
  record(input: ConnectionLogInput): ConnectionLogEntity {
    const row = Object.assign(new ConnectionLogEntity(), {
      id: sortableId(),
      organizationId: input.organizationId ?? null,
      deviceId: input.deviceId ?? null,
      eventType: input.eventType,
      reason: cleanText(input.reason, 255),
      clientId: cleanText(input.clientId, 128),
      username: cleanText(input.username, 128),
      remoteAddress: cleanText(input.remoteAddress, 64),
      remotePort: input.remotePort ?? null,
      listener: input.listener,
      protocolVersion: input.protocolVersion ?? null,
      keepalive: input.keepalive ?? null,
      cleanSession: input.cleanSession ?? null,
      certificateFingerprint: cleanText(input.certificateFingerprint, 128),
      count: 1,
      time: this.o.clock(),
    });
    for (const observe of this.observers) observe(row);
    if (row.eventType !== ConnectionEventType.AUTH_FAILED || !this.folder || this.folder.offer(row)) void this.writer.add(row);
    return row;
  }

  /**
   * After a crash: every device whose newest row is CONNECTED gets the DISCONNECTED row the crash kept from being
   * written (same client id, listener and address), with `reason`. Returns how many rows were added.
   */
  async closeDangling(deviceIds: string[], reason: string): Promise<number> {
    let closed = 0;
    await this.beforeDeviceRead();
    for (const deviceId of deviceIds) {
      const qb = this.repo.createQueryBuilder('r');
      const c = this.deviceScope(qb, deviceId);
      const last = await qb.orderBy(c.time, 'DESC').addOrderBy(c.id, 'DESC').getOne();
      if (last?.eventType !== ConnectionEventType.CONNECTED) continue;
      const { id: _id, time: _time, ...rest } = last;
      this.record({ ...rest, eventType: ConnectionEventType.DISCONNECTED, reason });
      closed += 1;
    }
    await this.writer.flush();
    return closed;
  }

  /** Writes the count rows of open folding windows, then everything buffered; stops the writer. */
  override async close(): Promise<void> {
    this.folder?.flush();
    await super.close();
  }

  list(organizationId: string, q: ConnectionLogQuery): Promise<Page<ConnectionLogEntity>> {
    return this.page(organizationId, q, (qb) => {
      if (q.eventTypes?.length) qb.andWhere('r.event_type IN (:...eventTypes)', { eventTypes: q.eventTypes });
    });
  }

  replayAfter(organizationId: string, deviceId: string | null, after: { time: number; id: string }): AsyncGenerator<ConnectionLogEntity> {
    return this.rowsAfter(organizationId, deviceId, after, () => undefined);
  }
}

declare module '../realtime/pubsub.js' {
  interface PubSubTopics {
    /** An organization's connection log rows, as their batch commits. */
    [topic: `connectionLog:${string}`]: ConnectionLogEntity;
  }
}
