import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

const id = (name = 'id') => ({ name, type: 'varchar', length: '36', isPrimary: true });
const ms = (name: string, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });

/** Platform CA, issued device certificates and their bindings to devices. */
export class Certificates1764000200000 implements MigrationInterface {
  name = 'Certificates1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'pki_authorities',
        columns: [id(), { name: 'certificate_pem', type: 'text' }, { name: 'key_ciphertext', type: 'text' }, ms('created_at')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'certificates',
        columns: [
          id(),
          { name: 'owner_id', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'common_name', type: 'varchar', length: '64' },
          { name: 'serial_number', type: 'varchar', length: '40' },
          { name: 'fingerprint', type: 'varchar', length: '95' },
          { name: 'key_algorithm', type: 'varchar', length: '16' },
          ms('not_before'),
          ms('not_after'),
          ms('revoked_at', true),
          { name: 'revocation_reason', type: 'varchar', length: '200', isNullable: true },
          { name: 'certificate_pem', type: 'text' },
          { name: 'key_ciphertext', type: 'text', isNullable: true },
          ms('created_at'),
          ms('updated_at'),
          ms('deleted_at', true),
        ],
        indices: [
          new TableIndex({ name: 'uq_certificates_serial', columnNames: ['serial_number'], isUnique: true }),
          new TableIndex({ name: 'uq_certificates_fingerprint', columnNames: ['fingerprint'], isUnique: true }),
          new TableIndex({ name: 'ix_certificates_owner_created', columnNames: ['owner_id', 'created_at'] }),
          new TableIndex({ name: 'ix_certificates_revoked', columnNames: ['revoked_at'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['owner_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'certificate_devices',
        columns: [{ name: 'certificate_id', type: 'varchar', length: '36', isPrimary: true }, { name: 'device_id', type: 'varchar', length: '36', isPrimary: true }, ms('bound_at')],
        indices: [new TableIndex({ name: 'ix_certificate_devices_device', columnNames: ['device_id'] })],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['certificate_id'], referencedTableName: 'certificates', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('certificate_devices');
    await q.dropTable('certificates');
    await q.dropTable('pki_authorities');
  }
}
