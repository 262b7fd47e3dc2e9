import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The latest message per device and topic, upserted in the same transaction as the device events. No foreign key,
 * like device_events: rows are written in batches after the fact and removed with the device.
 */
export class DeviceLatest1764001700000 implements MigrationInterface {
  name = 'DeviceLatest1764001700000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'device_latest',
        columns: [
          { name: 'device_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'topic', type: 'varchar', length: '1024', isPrimary: true },
          { name: 'owner_id', type: 'varchar', length: '36' },
          { name: 'payload', type: 'text' },
          { name: 'payload_encoding', type: 'varchar', length: '8' },
          { name: 'qos', type: 'integer' },
          { name: 'retain', type: 'boolean' },
          { name: 'properties', type: 'text', isNullable: true },
          { name: 'received_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'ix_device_latest_owner', columnNames: ['owner_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('device_latest');
  }
}
