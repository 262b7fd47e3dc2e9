import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { timestampColumn } from '../db/index.js';
import { StoredMessage } from './stored-message.js';

export { PayloadEncoding } from './stored-message.js';

export enum EventDirection {
  UPSTREAM = 'UPSTREAM',
  DOWNSTREAM = 'DOWNSTREAM',
}

registerEnumType(EventDirection, {
  name: 'EventDirection',
  description: 'UPSTREAM: a device published it. DOWNSTREAM: the platform published it to devices (publishToDevice).',
});

/** One upstream PUBLISH from a device. */
@ObjectType('DeviceEvent')
@Entity({ name: 'device_events' })
// As few indexes as its two queries need (per device by time, per organization by time): every index costs each insert.
@Index('ix_device_events_device_time', ['deviceId', 'time'])
@Index('ix_device_events_owner_time', ['organizationId', 'time'])
export class DeviceEventEntity extends StoredMessage {
  /** The primary key on PostgreSQL. SQLite keys the rows by rowid (`seq`) and keeps no index on the id (1764002800000). */
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field(() => ID)
  @Column({ name: 'device_id', type: 'varchar', length: 36 })
  deviceId!: string;

  @Field({ description: 'The MQTT topic the device published to.' })
  @Column({ type: 'text' })
  topic!: string;

  /**
   * The topic's first TOPIC_PREFIX_CHARS code points (binary / "C" collation): topic filters compare it before the
   * whole topic; null only on rows of a database that was never migrated.
   */
  @Column({ name: 'topic_prefix', type: 'varchar', length: 255, nullable: true })
  topicPrefix!: string | null;

  @Field(() => Int, { description: 'Payload size in bytes.' })
  @Column({ type: 'integer' })
  size!: number;

  @Field()
  @Column({ ...timestampColumn() })
  time!: Date;

  @Field(() => EventDirection)
  @Column({ type: 'varchar', length: 12, default: EventDirection.UPSTREAM })
  direction!: EventDirection;
}
