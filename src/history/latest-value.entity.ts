import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { timestampColumn } from '../db/index.js';
import { StoredMessage } from './stored-message.js';

/** The last message a device published on one topic (its latest state there), kept up to date with every event. */
@ObjectType('LatestValue', { description: 'The last message a device published on a topic.' })
@Entity({ name: 'device_latest' })
@Index('ix_device_latest_owner', ['organizationId'])
export class LatestValueEntity extends StoredMessage {
  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 36 })
  deviceId!: string;

  @Field({ description: 'The MQTT topic the device published to.' })
  @PrimaryColumn({ type: 'varchar', length: 1024 })
  topic!: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field({ description: 'When the message was recorded.' })
  @Column({ name: 'received_at', ...timestampColumn() })
  receivedAt!: Date;
}
