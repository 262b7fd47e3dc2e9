import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

import { timestampColumn } from '../db/index.js';
import { StoredMessage } from './stored-message.js';

/**
 * A retained message of an organization's namespace, as the broker keeps it (one per topic): recorded when it is
 * published, deleted when an empty retained message clears it. Its source of truth for listing; with the in-memory
 * broker store it also brings retained messages back after a restart.
 */
@ObjectType('RetainedMessage', { description: 'A retained message: what a new subscriber to its topic gets first.' })
@Entity({ name: 'retained_messages' })
export class RetainedMessageEntity extends StoredMessage {
  @PrimaryColumn({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field({ description: 'The topic, as devices see it.' })
  @PrimaryColumn({ type: 'varchar', length: 1024 })
  topic!: string;

  @Field()
  @Column({ name: 'published_at', ...timestampColumn() })
  publishedAt!: Date;

  /** The device that published it; null when the platform did (publishToTopic, publishToDevice). */
  @Column({ name: 'device_id', type: 'varchar', length: 36, nullable: true })
  deviceId!: string | null;
}
