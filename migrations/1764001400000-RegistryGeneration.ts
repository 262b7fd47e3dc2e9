import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The registry generation: one row counting credential changes, so instances can tell when they missed one. */
export class RegistryGeneration1764001400000 implements MigrationInterface {
  name = 'RegistryGeneration1764001400000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'registry_generation',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'generation', type: 'bigint', default: 0 },
        ],
      }),
    );
    await q.query('INSERT INTO registry_generation (id, generation) VALUES (1, 0)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('registry_generation');
  }
}
