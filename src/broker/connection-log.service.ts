import type { Page } from '../common/pagination.js';
import { sortableId } from './ids.js';
import { ConnectionEventType, ConnectionLogEntity, MqttListener } from './connection-log.entity.js';
import { type ListQuery, RecordStore, type StoreOptions } from './record-store.js';

export interface ConnectionLogQuery extends ListQuery {
  eventTypes?: ConnectionEventType[] | null;
}

export type ConnectionLogInput = Partial<Omit<ConnectionLogEntity, 'id' | 'time' | 'eventType' | 'listener'>> & {
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

/** The connection log: CONNECTED, DISCONNECTED, AUTH_FAILED and TAKEN_OVER rows, written in batches. */
export class ConnectionLogService extends RecordStore<ConnectionLogEntity> {
  constructor(o: StoreOptions) {
    super(o, ConnectionLogEntity, 'connectionLog');
  }

  /** Buffers one row (written within `eventFlushIntervalMs`); returns it. */
  record(input: ConnectionLogInput): ConnectionLogEntity {
    const row = Object.assign(new ConnectionLogEntity(), {
      id: sortableId(),
      ownerId: input.ownerId ?? null,
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
      time: this.o.clock(),
    });
    void this.writer.add(row);
    return row;
  }

  /**
   * After a crash: every device whose newest row is CONNECTED gets the DISCONNECTED row the crash kept from being
   * written (same client id, listener and address), with `reason`. Returns how many rows were added.
   */
  async closeDangling(deviceIds: string[], reason: string): Promise<number> {
    let closed = 0;
    for (const deviceId of deviceIds) {
      const last = await this.repo.createQueryBuilder('r').where('r.device_id = :deviceId', { deviceId }).orderBy('r.time', 'DESC').addOrderBy('r.id', 'DESC').getOne();
      if (last?.eventType !== ConnectionEventType.CONNECTED) continue;
      const { id: _id, time: _time, ...rest } = last;
      this.record({ ...rest, eventType: ConnectionEventType.DISCONNECTED, reason });
      closed += 1;
    }
    await this.writer.flush();
    return closed;
  }

  list(ownerId: string, q: ConnectionLogQuery): Promise<Page<ConnectionLogEntity>> {
    return this.page(ownerId, q, (qb) => {
      if (q.eventTypes?.length) qb.andWhere('r.event_type IN (:...eventTypes)', { eventTypes: q.eventTypes });
    });
  }

  replayAfter(ownerId: string, deviceId: string | null, after: { time: number; id: string }): AsyncGenerator<ConnectionLogEntity> {
    return this.rowsAfter(ownerId, deviceId, after, () => undefined);
  }
}
