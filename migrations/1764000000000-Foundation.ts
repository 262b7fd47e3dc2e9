import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

const id = (name = 'id') => ({ name, type: 'varchar', length: '36', isPrimary: true });
const ms = (name: string, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });

/** Users, API keys, devices and device credentials. */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'users',
        columns: [id(), { name: 'email', type: 'varchar', length: '254' }, { name: 'password_hash', type: 'varchar', length: '255' }, ms('created_at'), ms('updated_at')],
        indices: [new TableIndex({ name: 'uq_users_email', columnNames: ['email'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          id(),
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'prefix', type: 'varchar', length: '16' },
          { name: 'key_hash', type: 'varchar', length: '64' },
          ms('created_at'),
          ms('last_used_at', true),
          ms('revoked_at', true),
        ],
        indices: [new TableIndex({ name: 'ix_api_keys_user', columnNames: ['user_id'] }), new TableIndex({ name: 'uq_api_keys_hash', columnNames: ['key_hash'], isUnique: true })],
        foreignKeys: [new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'devices',
        columns: [
          id(),
          { name: 'owner_id', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'description', type: 'varchar', length: '1000', isNullable: true },
          { name: 'device_number', type: 'varchar', length: '64' },
          { name: 'username', type: 'varchar', length: '64' },
          { name: 'auth_type', type: 'varchar', length: '16' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'blocked', type: 'boolean', default: false },
          ms('last_connected_at', true),
          ms('last_disconnected_at', true),
          { name: 'metadata', type: 'text', isNullable: true },
          ms('created_at'),
          ms('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_devices_device_number', columnNames: ['device_number'], isUnique: true }),
          new TableIndex({ name: 'ix_devices_owner_created', columnNames: ['owner_id', 'created_at'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['owner_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'device_credentials',
        columns: [id('device_id'), { name: 'key_ciphertext', type: 'varchar', length: '255' }, { name: 'key_hash', type: 'varchar', length: '64' }, ms('rotated_at')],
        foreignKeys: [new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('device_credentials');
    await q.dropTable('devices');
    await q.dropTable('api_keys');
    await q.dropTable('users');
  }
}
