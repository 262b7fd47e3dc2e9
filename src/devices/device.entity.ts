import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { jsonText, timestampColumn } from '../db/index.js';

export enum DeviceAuthType {
  TOKEN = 'TOKEN',
  CERTIFICATE = 'CERTIFICATE',
}

export enum DeviceStatus {
  ONLINE = 'ONLINE',
  OFFLINE = 'OFFLINE',
}

registerEnumType(DeviceAuthType, { name: 'DeviceAuthType', description: 'TOKEN: device number + username + device key. CERTIFICATE: two-way TLS with a bound certificate.' });
registerEnumType(DeviceStatus, { name: 'DeviceStatus' });

@ObjectType('Device')
@Entity({ name: 'devices' })
@Index('ix_devices_owner_created', ['organizationId', 'createdAt', 'id'])
export class DeviceEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field()
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  description!: string | null;

  /** The MQTT client id; unique across the platform. */
  @Field({ description: 'The MQTT client id; unique across the platform.' })
  @Index('uq_devices_device_number', { unique: true })
  @Column({ name: 'device_number', type: 'varchar', length: 64 })
  deviceNumber!: string;

  /** The MQTT connection username. */
  @Field({ description: 'The MQTT connection username.' })
  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Field(() => DeviceAuthType)
  @Column({ name: 'auth_type', type: 'varchar', length: 16 })
  authType!: DeviceAuthType;

  @Field(() => DeviceStatus)
  @Column({ type: 'varchar', length: 16 })
  status!: DeviceStatus;

  /** A blocked device is refused by the message server ("not authorized"). */
  @Field({ description: 'A blocked device is refused by the message server.' })
  @Column({ type: 'boolean', default: false })
  blocked!: boolean;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'last_connected_at', ...timestampColumn(true) })
  lastConnectedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'last_disconnected_at', ...timestampColumn(true) })
  lastDisconnectedAt!: Date | null;

  /** The Portico instance holding the device's connection while ONLINE (scale-out); not exposed. */
  @Column({ name: 'connected_instance', type: 'varchar', length: 64, nullable: true })
  connectedInstance!: string | null;

  /** Fleet view (src/fleet exposes these): the last packet written (any instance), the inactivity flag and timeout. */
  @Column({ name: 'last_seen_at', ...timestampColumn(true) })
  lastSeenAt!: Date | null;

  @Column({ type: 'boolean', default: false })
  active!: boolean;

  /** Seconds; null: the configured default. */
  @Column({ name: 'inactivity_timeout', type: 'integer', nullable: true })
  inactivityTimeout!: number | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Free-form JSON object.' })
  @Column({ type: 'text', transformer: jsonText, nullable: true })
  metadata!: Record<string, unknown> | null;

  @Field()
  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;

  @Field()
  @Column({ name: 'updated_at', ...timestampColumn() })
  updatedAt!: Date;
}
