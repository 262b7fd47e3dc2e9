import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQLite: the per-device index of device events is written in bulk, not row by row. An index on (device_id, time) puts
 * each row of a batch on the page of its device: with 100 devices a commit of 130 rows dirtied ~100 index pages, and
 * writing them cost more than everything else of storing the row (prepared inserts alone, same run: 14.8 → 6.4 CPU-µs
 * per row with 100 devices, 22.4 → 9.3 with 1,000). Rows are now appended without it; every 16,384 rows (or 5
 * seconds, or before a per-device read) the rows past `device_event_index_state.upto` (a rowid) are copied into
 * `device_event_index`, sorted by device (src/history/device-event-index.ts). PostgreSQL keeps its index (its writes
 * are not the floor).
 */
export class DeviceEventIndex1764002500000 implements MigrationInterface {
  name = 'DeviceEventIndex1764002500000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') return;
    await q.query('CREATE TABLE "device_event_index" ("device_id" varchar(36) NOT NULL, "time" bigint NOT NULL, "id" varchar(36) NOT NULL, PRIMARY KEY ("device_id", "time", "id")) WITHOUT ROWID');
    await q.query('INSERT INTO "device_event_index" SELECT "device_id", "time", "id" FROM "device_events" ORDER BY "device_id", "time", "id"');
    await q.query('CREATE TABLE "device_event_index_state" ("id" integer PRIMARY KEY CHECK ("id" = 1), "upto" integer NOT NULL, "upto_id" varchar(36))');
    await q.query('INSERT INTO "device_event_index_state" SELECT 1, COALESCE(MAX(rowid), 0), (SELECT "id" FROM "device_events" ORDER BY rowid DESC LIMIT 1) FROM "device_events"');
    await q.query('DROP INDEX "ix_device_events_device_time"');
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') return;
    await q.query('CREATE INDEX "ix_device_events_device_time" ON "device_events" ("device_id", "time")');
    await q.query('DROP TABLE "device_event_index_state"');
    await q.query('DROP TABLE "device_event_index"');
  }
}
