import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** One row rewritten to find out whether the database accepts writes again (readiness after a storage fault). */
export class StorageProbe1764000600000 implements MigrationInterface {
  name = 'StorageProbe1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'storage_probe',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('storage_probe');
  }
}
