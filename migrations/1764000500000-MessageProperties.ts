import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** MQTT 5 properties of each upstream PUBLISH (JSON; null when it carried none). */
export class MessageProperties1764000500000 implements MigrationInterface {
  name = 'MessageProperties1764000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('device_events', new TableColumn({ name: 'properties', type: 'text', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('device_events', 'properties');
  }
}
