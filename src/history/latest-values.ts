import { LRUCache } from 'lru-cache';
import { type DataSource, type EntityManager, In } from 'typeorm';

import { topicMatches } from '../common/index.js';
import { allColumnsInOrder, bindMark, cacheableChunks, type EntityColumn } from '../db/index.js';
import { type DeviceEventEntity, EventDirection } from './device-event.entity.js';
import { LatestValueEntity } from './latest-value.entity.js';

/** Topics longer than this are recorded as events but not kept as a latest value (the key must stay indexable). */
export const LATEST_TOPIC_MAX_CHARS = 1024;

/** The latest value of a device event (same payload, properties and time). */
export function latestOf(row: DeviceEventEntity): LatestValueEntity {
  return Object.assign(new LatestValueEntity(), {
    deviceId: row.deviceId,
    topic: row.topic,
    organizationId: row.organizationId,
    payload: row.payload,
    payloadEncoding: row.payloadEncoding,
    qos: row.qos,
    retain: row.retain,
    properties: row.properties,
    receivedAt: row.time,
  });
}

/**
 * The latest message per device and topic ("latest state"), upserted with each batch of device events in the same
 * transaction, at most `maxTopicsPerDevice` topics per device (the least recently updated go first).
 */
export class LatestValues {
  /**
   * Topics known to have a row, per device (recently written devices only). A batch that adds no new (device, topic)
   * cannot put a device over its budget, so it skips the check. Forgotten when a device's rows are deleted or trimmed,
   * and entirely when a batch fails (its rows were rolled back).
   */
  private readonly known = new LRUCache<string, Set<string>>({ max: 50_000 });

  private readonly postgres: boolean;

  constructor(
    private readonly ds: DataSource,
    private readonly maxTopicsPerDevice: number,
  ) {
    this.postgres = ds.options.type === 'postgres';
  }

  /** The batch's transaction failed: what `known` learned from it may not be stored. */
  forgetKnown(): void {
    this.known.clear();
  }

  /** Within the events' transaction: the last event per (device, topic) of the batch replaces the stored one. */
  async record(m: EntityManager, events: DeviceEventEntity[]): Promise<void> {
    // Per device, then per topic: no key string built per event (its concatenation and hashing cost 2-4x the lookups).
    const last = new Map<string, Map<string, DeviceEventEntity>>();
    for (const e of events) {
      // What the platform sent to a device is not that device's state.
      if (e.direction === EventDirection.DOWNSTREAM || e.topic.length > LATEST_TOPIC_MAX_CHARS) continue;
      let topics = last.get(e.deviceId);
      if (!topics) last.set(e.deviceId, (topics = new Map()));
      topics.set(e.topic, e);
    }
    if (!last.size) return;
    const rows: DeviceEventEntity[] = [];
    for (const topics of last.values()) for (const e of topics.values()) rows.push(e);
    for (const chunk of cacheableChunks(rows, 128)) {
      const params: unknown[] = [];
      for (const e of chunk) this.pushParams(params, e);
      await m.query(this.upsertSql(chunk.length), params);
    }
    const added = new Set<string>();
    for (const row of rows) {
      let topics = this.known.get(row.deviceId);
      if (!topics) this.known.set(row.deviceId, (topics = new Set()));
      if (topics.has(row.topic)) continue;
      topics.add(row.topic);
      added.add(row.deviceId);
    }
    if (added.size) await this.trim(m, [...added]);
  }

  /** The columns written, in `pushParams` order (checked against the entity on first use). */
  private static readonly COLUMNS = ['deviceId', 'topic', 'organizationId', 'payload', 'payloadEncoding', 'qos', 'retain', 'properties', 'receivedAt'] as const;

  private columnList: EntityColumn[] | null = null;

  private get columns(): EntityColumn[] {
    return (this.columnList ??= allColumnsInOrder(this.ds.getMetadata(LatestValueEntity), LatestValues.COLUMNS));
  }

  /** The latest value of event `e` as the database stores it, in `COLUMNS` order (no per-row entity or TypeORM conversion). */
  private pushParams(params: unknown[], e: DeviceEventEntity): void {
    const retain = this.postgres ? e.retain : e.retain ? 1 : 0;
    const properties = e.properties == null ? null : JSON.stringify(e.properties);
    params.push(e.deviceId, e.topic, e.organizationId, e.payload, e.payloadEncoding, e.qos, retain, properties, e.time.getTime());
  }

  /** The upsert of `count` rows, built once per chunk size (cacheableChunks uses a few sizes). */
  private upsertSql(count: number): string {
    let sql = this.upsertTexts.get(count);
    if (sql) return sql;
    const driver = this.ds.driver;
    const postgres = this.postgres;
    const columns = this.columns;
    const names = columns.map((c) => driver.escape(c.databaseName));
    // A device never changes organization: leaving its column out of the update spares the owner index a delete and an
    // insert per row (SQLite, 100 rows per upsert alone: 2.9 -> 1.8 CPU-µs per row).
    const updates = columns.filter((c) => !c.isPrimary && c.propertyName !== 'organizationId').map((c) => `${driver.escape(c.databaseName)} = excluded.${driver.escape(c.databaseName)}`);
    const tuples = Array.from({ length: count }, (_row, r) => `(${columns.map((_c, k) => bindMark(r * columns.length + k + 1, postgres)).join(', ')})`);
    sql = `INSERT INTO device_latest (${names.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (device_id, topic) DO UPDATE SET ${updates.join(', ')}`;
    this.upsertTexts.set(count, sql);
    return sql;
  }

  private readonly upsertTexts = new Map<number, string>();

  /** Devices over their topic budget lose their least recently updated topics. */
  private async trim(m: EntityManager, deviceIds: string[]): Promise<void> {
    const over = (await m
      .getRepository(LatestValueEntity)
      .createQueryBuilder('l')
      .select('l.device_id', 'deviceId')
      .where({ deviceId: In(deviceIds) })
      .groupBy('l.device_id')
      .having('COUNT(*) > :max', { max: this.maxTopicsPerDevice })
      .getRawMany()) as Array<{ deviceId: string }>;
    for (const { deviceId } of over) {
      this.known.delete(deviceId);
      const keep = await m.getRepository(LatestValueEntity).find({ select: { topic: true }, where: { deviceId }, order: { receivedAt: 'DESC', topic: 'ASC' }, take: this.maxTopicsPerDevice });
      await m
        .getRepository(LatestValueEntity)
        .createQueryBuilder()
        .delete()
        .where('device_id = :deviceId', { deviceId })
        .andWhere('topic NOT IN (:...keep)', { keep: keep.map((k) => k.topic) })
        .execute();
    }
  }

  /** Latest values of these devices (for a DataLoader), each device's sorted by topic. */
  async forDevices(deviceIds: readonly string[]): Promise<Map<string, LatestValueEntity[]>> {
    const rows = await this.ds.getRepository(LatestValueEntity).find({ where: { deviceId: In([...deviceIds]) }, order: { topic: 'ASC' } });
    const map = new Map<string, LatestValueEntity[]>();
    for (const row of rows) {
      const list = map.get(row.deviceId);
      if (list) list.push(row);
      else map.set(row.deviceId, [row]);
    }
    return map;
  }

  /** One device's latest values matching an MQTT topic filter. */
  async forDevice(deviceId: string, filter: string | null): Promise<LatestValueEntity[]> {
    const rows = (await this.forDevices([deviceId])).get(deviceId) ?? [];
    return filter == null ? rows : rows.filter((r) => topicMatches(filter, r.topic));
  }

  async deleteForDevice(deviceId: string): Promise<void> {
    this.known.delete(deviceId);
    await this.ds.getRepository(LatestValueEntity).delete({ deviceId });
  }
}
