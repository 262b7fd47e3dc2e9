import { isUtf8 } from 'node:buffer';

import type { EntityManager, SelectQueryBuilder } from 'typeorm';

import { atMostEvery, checkTopicFilter, type MessageProperties, type Page, planTopicFilter, sortableId, TOPIC_PREFIX_CHARS, topicPrefix } from '../common/index.js';
import { allColumnsInOrder, type EntityColumn, type SqliteStatement } from '../db/index.js';
import { DeviceEventEntity, EventDirection, PayloadEncoding } from './device-event.entity.js';
import { DeviceIndex } from './device-index.js';
import type { LatestValues } from './latest-values.js';
import { type ListQuery, RecordStore, type StoreOptions } from './record-store.js';

export interface DeviceEventQuery extends ListQuery {
  /** MQTT topic filter (`+`, `#`). */
  topic?: string | null;
  /** Only upstream (device → platform) or downstream (platform → devices) events. */
  direction?: EventDirection | null;
}

export interface PublishedMessage {
  organizationId: string;
  deviceId: string;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  /** MQTT 5 properties worth keeping (null: none). */
  properties?: MessageProperties | null;
  /** UPSTREAM (a device published it; the default) or DOWNSTREAM (the platform published it to devices). */
  direction?: EventDirection;
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
export class DeviceEventService extends RecordStore<DeviceEventEntity, 'deviceEvents'> {
  private readonly postgres: boolean;
  protected override readonly timeIndexed = false;

  constructor(
    o: StoreOptions,
    /** The latest value per device and topic, kept in the same transactions (null: not kept). */
    readonly latest: LatestValues | null = null,
  ) {
    // SQLite: the per-device index is written in bulk (PostgreSQL's table has its own).
    super(o, DeviceEventEntity, 'deviceEvents', DeviceIndex.EVENTS);
    this.postgres = o.ds.options.type === 'postgres';
    void this.insertColumns;
  }

  /** QoS 0 messages not stored because the database could not write (for metrics and tests). */
  droppedQos0 = 0;
  /** The drop warning is logged at most every 10 s. */
  private readonly dropWarning = atMostEvery(10_000);

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
      if (this.dropWarning()) this.o.log.warn(`deviceEvents: storage unavailable, QoS 0 events are dropped (${this.droppedQos0} so far)`);
      return undefined;
    }
    const row = this.toRow(m);
    return durable ? this.writer.addDurable(row) : this.writer.add(row);
  }

  /** A message the platform published to a device, as its DOWNSTREAM event; resolves once committed. */
  async recordDownstream(m: Omit<PublishedMessage, 'direction'>): Promise<DeviceEventEntity> {
    const row = this.toRow({ ...m, direction: EventDirection.DOWNSTREAM });
    await this.writer.addDurable(row);
    return row;
  }

  private toRow(m: PublishedMessage): DeviceEventEntity {
    // eslint-disable-next-line no-control-regex -- NUL is exactly what is replaced
    const topic = m.topic.includes('\u0000') ? m.topic.replace(/\u0000/g, '\uFFFD') : m.topic;
    const time = this.o.clock();
    const { payload, payloadEncoding } = encodePayload(m.payload);
    const row = new DeviceEventEntity();
    row.id = sortableId(time.getTime());
    row.organizationId = m.organizationId;
    row.deviceId = m.deviceId;
    row.topic = topic;
    row.topicPrefix = topicPrefix(topic);
    row.payload = payload;
    row.payloadEncoding = payloadEncoding;
    row.qos = m.qos;
    row.retain = m.retain;
    row.size = m.payload.length;
    row.properties = m.properties ?? null;
    row.direction = m.direction ?? EventDirection.UPSTREAM;
    row.time = time;
    return row;
  }

  /** The columns written, in `paramsOf` order (checked against the entity when the service starts). */
  private static readonly COLUMNS = ['id', 'organizationId', 'deviceId', 'topic', 'topicPrefix', 'payload', 'payloadEncoding', 'qos', 'retain', 'size', 'properties', 'time', 'direction'] as const;

  private columnList: EntityColumn[] | null = null;

  protected override get insertColumns(): EntityColumn[] {
    return (this.columnList ??= allColumnsInOrder(this.repo.metadata, DeviceEventService.COLUMNS));
  }

  /** A row as the database stores it, without TypeORM's per-column conversion (the hottest write of the server). */
  protected override paramsOf(r: DeviceEventEntity): unknown[] {
    return [
      r.id,
      r.organizationId,
      r.deviceId,
      r.topic,
      r.topicPrefix,
      r.payload,
      r.payloadEncoding,
      r.qos,
      this.postgres ? r.retain : r.retain ? 1 : 0,
      r.size,
      r.properties == null ? null : JSON.stringify(r.properties),
      r.time.getTime(),
      r.direction,
    ];
  }

  /**
   * SQLite: one prepared INSERT per combination of encoding, QoS, retain, direction and properties-or-none, those columns
   * written as SQL literals: up to five values fewer to bind per row (0.7-0.8 CPU-µs of ~7 per row, measured alone).
   * The values left are bound in COLUMNS order (checked when each statement is prepared).
   */
  private readonly appends: Array<SqliteStatement | undefined> = [];

  protected override appendRow(r: DeviceEventEntity, rowid: number | null): void {
    const qos = r.qos;
    if (rowid === null || (qos !== 0 && qos !== 1 && qos !== 2)) return super.appendRow(r, rowid);
    const utf8 = r.payloadEncoding === PayloadEncoding.UTF8;
    const upstream = r.direction === EventDirection.UPSTREAM;
    const slot = ((((utf8 ? 0 : 3) + qos) * 2 + (r.retain ? 1 : 0)) * 2 + (upstream ? 0 : 1)) * 2 + (r.properties == null ? 0 : 1);
    const insert = (this.appends[slot] ??= this.prepareInsert(true, this.literalsOf(r)));
    const time = r.time.getTime();
    if (r.properties == null) insert.run(rowid, r.id, r.organizationId, r.deviceId, r.topic, r.topicPrefix, r.payload, r.size, time);
    else insert.run(rowid, r.id, r.organizationId, r.deviceId, r.topic, r.topicPrefix, r.payload, r.size, JSON.stringify(r.properties), time);
  }

  /** The columns `appendRow` writes as SQL, by database name: values of fixed sets, never user text. */
  private literalsOf(r: DeviceEventEntity): Map<string, string> {
    const quote = (v: PayloadEncoding | EventDirection) => `'${v}'`;
    const literals: Array<[keyof DeviceEventEntity, string]> = [
      ['payloadEncoding', quote(r.payloadEncoding === PayloadEncoding.UTF8 ? PayloadEncoding.UTF8 : PayloadEncoding.BASE64)],
      ['qos', String(r.qos)],
      ['retain', r.retain ? '1' : '0'],
      ['direction', quote(r.direction === EventDirection.UPSTREAM ? EventDirection.UPSTREAM : EventDirection.DOWNSTREAM)],
    ];
    if (r.properties == null) literals.push(['properties', 'NULL']);
    const byName = new Map(literals.map(([property, sql]) => [this.insertColumns.find((c) => c.propertyName === property)!.databaseName, sql]));
    const bound = this.insertColumns.filter((c) => !byName.has(c.databaseName)).map((c) => c.propertyName);
    const expected = ['id', 'organizationId', 'deviceId', 'topic', 'topicPrefix', 'payload', 'size', ...(r.properties == null ? [] : ['properties']), 'time'];
    if (bound.join() !== expected.join()) throw new Error(`device_events columns changed: update appendRow (binds ${bound.join(', ')})`);
    return byName;
  }

  protected override async alsoInTransaction(m: EntityManager, rows: DeviceEventEntity[]): Promise<void> {
    await this.latest?.record(m, rows);
  }

  protected override batchFailed(): void {
    this.latest?.forgetKnown();
  }

  /** Deletes a device's events and its latest values. */
  override async deleteForDevice(deviceId: string): Promise<void> {
    await super.deleteForDevice(deviceId);
    await this.latest?.deleteForDevice(deviceId);
  }

  list(organizationId: string, q: DeviceEventQuery): Promise<Page<DeviceEventEntity>> {
    const topic = q.topic != null ? checkTopicFilter(q.topic) : null;
    return this.page(organizationId, q, (qb) => {
      if (topic != null) this.topicFilter(qb, topic);
      if (q.direction) qb.andWhere('r.direction = :direction', { direction: q.direction });
    });
  }

  replayAfter(organizationId: string, deviceId: string | null, after: { time: number; id: string }): AsyncGenerator<DeviceEventEntity> {
    return this.rowsAfter(organizationId, deviceId, after, () => undefined);
  }

  /**
   * An MQTT topic filter as predicates on the organization's rows, read newest first on its (organization, time)
   * index (no index per topic: it would cost every insert): a range or equality on `topic_prefix` first, the whole
   * topic only when the literal part is longer than the prefix column, and the regular expression of a `+` filter
   * only on the rows the prefix let through.
   */
  private topicFilter(qb: SelectQueryBuilder<DeviceEventEntity>, filter: string): void {
    const plan = planTopicFilter(filter);
    if (plan.all) return;
    const p = plan.prefix;
    if (p && 'eq' in p) qb.andWhere('r.topic_prefix = :tpEq', { tpEq: p.eq });
    else if (p) qb.andWhere('r.topic_prefix >= :tpLo AND r.topic_prefix < :tpHi', { tpLo: p.lo, tpHi: p.hi });
    const short = (text: string) => text.length < TOPIC_PREFIX_CHARS;
    if (plan.exact != null) {
      // A topic shorter than the prefix column is its own prefix: the equality above is exact.
      if (!short(plan.exact)) qb.andWhere('r.topic = :topic', { topic: plan.exact });
    } else if (plan.startsWith != null) {
      const parent = plan.parent!;
      if (short(plan.startsWith)) {
        qb.andWhere('(r.topic_prefix >= :tpStart OR r.topic_prefix = :tpParent)', { tpStart: plan.startsWith, tpParent: parent });
      } else {
        qb.andWhere('(substr(r.topic, 1, :tpLen) = :tpStart OR r.topic = :tpParent)', { tpLen: Array.from(plan.startsWith).length, tpStart: plan.startsWith, tpParent: parent });
      }
    } else if (plan.regex != null) {
      qb.andWhere(this.postgres ? 'r.topic ~ :topicRe' : 'r.topic REGEXP :topicRe', { topicRe: plan.regex });
    }
  }
}

declare module '../realtime/pubsub.js' {
  interface PubSubTopics {
    /** An organization's device events, as their batch commits. */
    [topic: `deviceEvents:${string}`]: DeviceEventEntity;
  }
}
