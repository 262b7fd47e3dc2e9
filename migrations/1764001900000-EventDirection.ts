import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Device events published by the platform to devices (DOWNSTREAM) beside those devices published (UPSTREAM). A plain
 * ALTER TABLE: TypeORM's addColumn rebuilds the table on SQLite from what it knows, losing topic_prefix.
 */
export class EventDirection1764001900000 implements MigrationInterface {
  name = 'EventDirection1764001900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "device_events" ADD COLUMN "direction" varchar(12) NOT NULL DEFAULT 'UPSTREAM'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE "device_events" DROP COLUMN "direction"');
  }
}
