import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** How many refused connects one AUTH_FAILED row stands for (repeated failures are folded into one row). */
export class ConnectionLogCount1764001200000 implements MigrationInterface {
  name = 'ConnectionLogCount1764001200000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('connection_logs', new TableColumn({ name: 'count', type: 'integer', isNullable: false, default: 1 }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('connection_logs', 'count');
  }
}
