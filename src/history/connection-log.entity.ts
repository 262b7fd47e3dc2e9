import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { MqttListener } from '../common/index.js';
import { timestampColumn } from '../db/index.js';

export enum ConnectionEventType {
  CONNECTED = 'CONNECTED',
  DISCONNECTED = 'DISCONNECTED',
  AUTH_FAILED = 'AUTH_FAILED',
  TAKEN_OVER = 'TAKEN_OVER',
}

export { MqttListener };

registerEnumType(ConnectionEventType, {
  name: 'ConnectionEventType',
  description:
    'CONNECTED: a session began. DISCONNECTED: it ended (see reason). AUTH_FAILED: a connect was refused. TAKEN_OVER: it ended because a newer connection with the same client id took over.',
});
registerEnumType(MqttListener, {
  name: 'MqttListener',
  description: 'MQTT: plain TCP with Token auth. MQTTS: one-way TLS with Token auth. MQTTS_MUTUAL: two-way TLS with certificate auth.',
});

/** One connection event of the message server. */
@ObjectType('ConnectionLogEntry')
@Entity({ name: 'connection_logs' })
// SQLite has the per-organization one only: its per-device index is a table written in bulk (migration 1764002700000).
@Index('ix_connection_logs_device_time', ['deviceId', 'time', 'id'])
@Index('ix_connection_logs_owner_time', ['organizationId', 'time', 'id'])
@Index('ix_connection_logs_time', ['time', 'id'])
export class ConnectionLogEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Owner of the device; null when the client id matched no device. */
  @Column({ name: 'organization_id', type: 'varchar', length: 36, nullable: true })
  organizationId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The device; null when the client id matched no device.' })
  @Column({ name: 'device_id', type: 'varchar', length: 36, nullable: true })
  deviceId!: string | null;

  @Field(() => ConnectionEventType)
  @Column({ name: 'event_type', type: 'varchar', length: 16 })
  eventType!: ConnectionEventType;

  @Field(() => String, { nullable: true, description: 'Why: e.g. "client disconnect", "keepalive timeout", "bad username or password".' })
  @Column({ type: 'varchar', length: 255, nullable: true })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'MQTT client id sent by the client.' })
  @Column({ name: 'client_id', type: 'varchar', length: 128, nullable: true })
  clientId!: string | null;

  @Field(() => String, { nullable: true, description: 'MQTT username sent by the client.' })
  @Column({ type: 'varchar', length: 128, nullable: true })
  username!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'remote_address', type: 'varchar', length: 64, nullable: true })
  remoteAddress!: string | null;

  @Field(() => Int, { nullable: true })
  @Column({ name: 'remote_port', type: 'integer', nullable: true })
  remotePort!: number | null;

  @Field(() => MqttListener)
  @Column({ type: 'varchar', length: 16 })
  listener!: MqttListener;

  @Field(() => Int, { nullable: true, description: 'MQTT protocol level: 3 (3.1), 4 (3.1.1) or 5.' })
  @Column({ name: 'protocol_version', type: 'integer', nullable: true })
  protocolVersion!: number | null;

  @Field(() => Int, { nullable: true, description: 'Keepalive requested by the client, in seconds.' })
  @Column({ type: 'integer', nullable: true })
  keepalive!: number | null;

  @Field(() => Boolean, { nullable: true })
  @Column({ name: 'clean_session', type: 'boolean', nullable: true })
  cleanSession!: boolean | null;

  @Field(() => String, { nullable: true, description: 'SHA-256 fingerprint of the client certificate (two-way TLS).' })
  @Column({ name: 'certificate_fingerprint', type: 'varchar', length: 128, nullable: true })
  certificateFingerprint!: string | null;

  @Field(() => Int, {
    description:
      'How many events this row stands for: 1, except for AUTH_FAILED, where repeated refusals of one client id for one reason within a minute are folded into one more row (written when the minute ends) with their count.',
  })
  @Column({ type: 'integer', default: 1 })
  count!: number;

  @Field({ description: 'When it happened; for a folded AUTH_FAILED row, when the folding ended.' })
  @Column({ ...timestampColumn() })
  time!: Date;
}
