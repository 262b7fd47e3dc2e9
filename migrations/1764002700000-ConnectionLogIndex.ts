import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQLite: the connection log's per-device index is written in bulk, as device events' is (1764002500000), and it has no
 * index on time alone. A connection log row updated five B-trees; the one on (device_id, time, id) put every row of a
 * connect storm on a page of its own, so a commit of ten CONNECTED rows wrote ~14 pages to the WAL. Rows are now
 * appended to `connection_logs` (keyed by rowid, id, and (organization_id, time, id), which a storm fills in order) and
 * copied into `connection_log_index` sorted by device (src/history/device-index.ts); retention by age goes owner by
 * owner on the organization's index. Rows without a device (AUTH_FAILED for an unknown client id) are not indexed: no
 * per-device query reads them. PostgreSQL keeps its indexes.
 */
export class ConnectionLogIndex1764002700000 implements MigrationInterface {
  name = 'ConnectionLogIndex1764002700000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') return;
    await q.query('CREATE TABLE "connection_log_index" ("device_id" varchar(36) NOT NULL, "time" bigint NOT NULL, "id" varchar(36) NOT NULL, PRIMARY KEY ("device_id", "time", "id")) WITHOUT ROWID');
    await q.query('INSERT INTO "connection_log_index" SELECT "device_id", "time", "id" FROM "connection_logs" WHERE "device_id" IS NOT NULL ORDER BY "device_id", "time", "id"');
    await q.query('CREATE TABLE "connection_log_index_state" ("id" integer PRIMARY KEY CHECK ("id" = 1), "upto" integer NOT NULL, "upto_id" varchar(36))');
    await q.query('INSERT INTO "connection_log_index_state" SELECT 1, COALESCE(MAX(rowid), 0), (SELECT "id" FROM "connection_logs" ORDER BY rowid DESC LIMIT 1) FROM "connection_logs"');
    await q.query('DROP INDEX "ix_connection_logs_device_time"');
    await q.query('DROP INDEX "ix_connection_logs_time"');
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') return;
    await q.query('CREATE INDEX "ix_connection_logs_device_time" ON "connection_logs" ("device_id", "time", "id")');
    await q.query('CREATE INDEX "ix_connection_logs_time" ON "connection_logs" ("time", "id")');
    await q.query('DROP TABLE "connection_log_index_state"');
    await q.query('DROP TABLE "connection_log_index"');
  }
}
