import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** Which Portico instance holds a device's live connection, so instances only mark their own devices OFFLINE. */
export class ConnectedInstance1764000400000 implements MigrationInterface {
  name = 'ConnectedInstance1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('devices', new TableColumn({ name: 'connected_instance', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('devices', 'connected_instance');
  }
}
