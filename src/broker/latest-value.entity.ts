import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { jsonText, timestampColumn } from '../db/columns.js';
import { MessageProperties } from '../common/message-properties.js';
import { PayloadEncoding } from './device-event.entity.js';

/** The last message a device published on one topic (its latest state there), kept up to date with every event. */
@ObjectType('LatestValue', { description: 'The last message a device published on a topic.' })
@Entity({ name: 'device_latest' })
@Index('ix_device_latest_owner', ['ownerId'])
export class LatestValueEntity {
  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 36 })
  deviceId!: string;

  @Field({ description: 'The MQTT topic the device published to.' })
  @PrimaryColumn({ type: 'varchar', length: 1024 })
  topic!: string;

  @Column({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId!: string;

  @Field({ description: 'The payload: text when valid UTF-8, else base64 (see payloadEncoding).' })
  @Column({ type: 'text' })
  payload!: string;

  @Field(() => PayloadEncoding)
  @Column({ name: 'payload_encoding', type: 'varchar', length: 8 })
  payloadEncoding!: PayloadEncoding;

  @Field(() => Int)
  @Column({ type: 'integer' })
  qos!: number;

  @Field()
  @Column({ type: 'boolean' })
  retain!: boolean;

  @Field(() => MessageProperties, { nullable: true, description: 'MQTT 5 properties of the PUBLISH; null when it carried none.' })
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  properties!: MessageProperties | null;

  @Field({ description: 'When the message was recorded.' })
  @Column({ name: 'received_at', ...timestampColumn() })
  receivedAt!: Date;
}
