import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** Retained messages per organization and topic (listing, clearing, and surviving a restart of the in-memory broker store). */
export class RetainedMessages1764002050000 implements MigrationInterface {
  name = 'RetainedMessages1764002050000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'retained_messages',
        columns: [
          { name: 'organization_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'topic', type: 'varchar', length: '1024', isPrimary: true },
          { name: 'payload', type: 'text' },
          { name: 'payload_encoding', type: 'varchar', length: '8' },
          { name: 'qos', type: 'integer' },
          { name: 'retain', type: 'boolean' },
          { name: 'properties', type: 'text', isNullable: true },
          { name: 'published_at', type: 'bigint' },
          { name: 'device_id', type: 'varchar', length: '36', isNullable: true },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('retained_messages');
  }
}
