import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * The device list's default order is (created_at DESC, id DESC) within an organization. The index on
 * (organization_id, created_at) left SQLite to sort each page's rows by id in a temporary B-tree ("USE TEMP B-TREE FOR
 * LAST TERM OF ORDER BY"); with id in the index the page is read in order.
 */
export class DeviceListIndex1764002600000 implements MigrationInterface {
  name = 'DeviceListIndex1764002600000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('devices', 'ix_devices_owner_created');
    await q.createIndex('devices', new TableIndex({ name: 'ix_devices_owner_created', columnNames: ['organization_id', 'created_at', 'id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('devices', 'ix_devices_owner_created');
    await q.createIndex('devices', new TableIndex({ name: 'ix_devices_owner_created', columnNames: ['organization_id', 'created_at'] }));
  }
}
