import { isUtf8 } from 'node:buffer';
import type { Page } from '../common/pagination.js';
import { DeviceEventEntity, PayloadEncoding } from './device-event.entity.js';
import type { MessageProperties } from '../common/message-properties.js';
import { sortableId } from './ids.js';
import { type ListQuery, RecordStore, type StoreOptions } from './record-store.js';
import { checkTopicFilter, hasWildcards, topicFilterRegex } from '../common/topics.js';

export interface DeviceEventQuery extends ListQuery {
  /** MQTT topic filter (`+`, `#`). */
  topic?: string | null;
}

export interface PublishedMessage {
  ownerId: string;
  deviceId: string;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  /** MQTT 5 properties worth keeping (null: none). */
  properties?: MessageProperties | null;
}

/** Text when the payload is valid UTF-8 without NUL (PostgreSQL text cannot hold NUL), else base64. */
export function encodePayload(payload: Buffer): { payload: string; payloadEncoding: PayloadEncoding } {
  if (isUtf8(payload) && !payload.includes(0)) return { payload: payload.toString('utf8'), payloadEncoding: PayloadEncoding.UTF8 };
  return { payload: payload.toString('base64'), payloadEncoding: PayloadEncoding.BASE64 };
}

/** The payload parsed as JSON when it is UTF-8 JSON; undefined otherwise. */
export function payloadJson(row: Pick<DeviceEventEntity, 'payload' | 'payloadEncoding'>): unknown {
  if (row.payloadEncoding !== PayloadEncoding.UTF8) return undefined;
  const text = row.payload.trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Every upstream PUBLISH of a device, written in batches. */
export class DeviceEventService extends RecordStore<DeviceEventEntity> {
  private readonly postgres: boolean;

  constructor(o: StoreOptions) {
    super(o, DeviceEventEntity, 'deviceEvents');
    this.postgres = o.ds.options.type === 'postgres';
    if (!this.postgres) registerSqliteRegexp(o.ds.driver as unknown as { databaseConnection?: SqliteConnection });
  }

  /** QoS 0 messages not stored because the database could not write (for metrics and tests). */
  droppedQos0 = 0;
  private lastDropLog = 0;

  /**
   * Buffers the message. QoS 1/2: the promise resolves once the event is committed and rejects with
   * StorageUnavailableError when it cannot be (the message must not be acknowledged). QoS 0: the promise (if
   * any) asks the publisher to wait (backpressure); while the database cannot write, QoS 0 events are dropped
   * and counted.
   */
  record(m: PublishedMessage): Promise<void> | undefined {
    const durable = m.qos > 0;
    if (!durable && this.o.health && !this.o.health.ok) {
      this.droppedQos0 += 1;
      const now = Date.now();
      if (now - this.lastDropLog >= 10_000) {
        this.lastDropLog = now;
        this.o.log.warn(`deviceEvents: storage unavailable, QoS 0 events are dropped (${this.droppedQos0} so far)`);
      }
      return undefined;
    }
    const row = Object.assign(new DeviceEventEntity(), {
      id: sortableId(),
      ownerId: m.ownerId,
      deviceId: m.deviceId,
      topic: m.topic.replace(/\u0000/g, '\uFFFD'),
      ...encodePayload(m.payload),
      qos: m.qos,
      retain: m.retain,
      size: m.payload.length,
      properties: m.properties ?? null,
      time: this.o.clock(),
    });
    return durable ? this.writer.addDurable(row) : this.writer.add(row);
  }

  list(ownerId: string, q: DeviceEventQuery): Promise<Page<DeviceEventEntity>> {
    const topic = q.topic != null ? checkTopicFilter(q.topic) : null;
    return this.page(ownerId, q, (qb) => {
      if (topic == null || topic === '#') return;
      if (!hasWildcards(topic)) qb.andWhere('r.topic = :topic', { topic });
      else qb.andWhere(this.postgres ? 'r.topic ~ :topicRe' : 'r.topic REGEXP :topicRe', { topicRe: topicFilterRegex(topic) });
    });
  }

  replayAfter(ownerId: string, deviceId: string | null, after: { time: number; id: string }): AsyncGenerator<DeviceEventEntity> {
    return this.rowsAfter(ownerId, deviceId, after, () => undefined);
  }
}

interface SqliteConnection {
  function(name: string, options: { deterministic: boolean }, fn: (pattern: string, value: string) => number): void;
}

/** SQLite has no REGEXP function of its own; `x REGEXP y` calls `regexp(y, x)`. */
function registerSqliteRegexp(driver: { databaseConnection?: SqliteConnection }): void {
  const db = driver.databaseConnection;
  if (!db || typeof db.function !== 'function') return;
  const cache = new Map<string, RegExp>();
  db.function('regexp', { deterministic: true }, (pattern: string, value: string) => {
    let re = cache.get(pattern);
    if (!re) {
      if (cache.size > 200) cache.clear();
      re = new RegExp(pattern, 's');
      cache.set(pattern, re);
    }
    return value != null && re.test(value) ? 1 : 0;
  });
}
