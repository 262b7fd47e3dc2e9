import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

const COUNTERS = ['messages_in', 'messages_out', 'bytes_in', 'bytes_out', 'connects', 'auth_failures'].map((name) => ({ name, type: 'bigint', default: 0 }));

/**
 * The fleet view: each device's last packet time (written in batches), its inactivity flag and timeout, and counters
 * rolled up per minute, per device and per organization. The counter tables have no foreign key (rows are upserted in
 * batches after the fact, and an organization's totals outlive its deleted devices); retention deletes by bucket.
 */
export class Fleet1764002300000 implements MigrationInterface {
  name = 'Fleet1764002300000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('devices', [
      new TableColumn({ name: 'last_seen_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'active', type: 'boolean', default: false }),
      new TableColumn({ name: 'inactivity_timeout', type: 'integer', isNullable: true }),
    ]);
    // What is known of existing devices: their last connection event; connected ones count as active.
    await q.query(`UPDATE devices SET last_seen_at = CASE WHEN last_disconnected_at IS NULL OR last_connected_at > last_disconnected_at THEN last_connected_at ELSE last_disconnected_at END`);
    await q.query(`UPDATE devices SET active = (status = 'ONLINE')`);
    await q.createTable(
      new Table({
        name: 'device_counters',
        columns: [
          { name: 'device_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'bucket', type: 'bigint', isPrimary: true },
          { name: 'organization_id', type: 'varchar', length: '36' },
          ...COUNTERS,
        ],
        indices: [new TableIndex({ name: 'ix_device_counters_bucket', columnNames: ['bucket'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'organization_counters',
        columns: [{ name: 'organization_id', type: 'varchar', length: '36', isPrimary: true }, { name: 'bucket', type: 'bigint', isPrimary: true }, ...COUNTERS],
        indices: [new TableIndex({ name: 'ix_organization_counters_bucket', columnNames: ['bucket'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('organization_counters');
    await q.dropTable('device_counters');
    await q.dropColumn('devices', 'inactivity_timeout');
    await q.dropColumn('devices', 'active');
    await q.dropColumn('devices', 'last_seen_at');
  }
}
