import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { jsonText, timestampColumn } from '../db/index.js';

/** What changed. */
export enum AuditAction {
  ORGANIZATION_CREATED = 'ORGANIZATION_CREATED',
  ORGANIZATION_RENAMED = 'ORGANIZATION_RENAMED',
  DEVICE_CREATED = 'DEVICE_CREATED',
  DEVICE_UPDATED = 'DEVICE_UPDATED',
  DEVICE_BLOCKED = 'DEVICE_BLOCKED',
  DEVICE_UNBLOCKED = 'DEVICE_UNBLOCKED',
  DEVICE_DELETED = 'DEVICE_DELETED',
  DEVICE_KEY_REGENERATED = 'DEVICE_KEY_REGENERATED',
  DEVICE_KICKED = 'DEVICE_KICKED',
  CERTIFICATE_ISSUED = 'CERTIFICATE_ISSUED',
  CERTIFICATE_BOUND = 'CERTIFICATE_BOUND',
  CERTIFICATE_UNBOUND = 'CERTIFICATE_UNBOUND',
  CERTIFICATE_REVOKED = 'CERTIFICATE_REVOKED',
  CERTIFICATE_DELETED = 'CERTIFICATE_DELETED',
  CERTIFICATE_BUNDLE_DOWNLOADED = 'CERTIFICATE_BUNDLE_DOWNLOADED',
  MEMBER_INVITED = 'MEMBER_INVITED',
  MEMBER_JOINED = 'MEMBER_JOINED',
  MEMBER_ROLE_CHANGED = 'MEMBER_ROLE_CHANGED',
  MEMBER_REMOVED = 'MEMBER_REMOVED',
  API_KEY_CREATED = 'API_KEY_CREATED',
  API_KEY_REVOKED = 'API_KEY_REVOKED',
  COMMAND_SENT = 'COMMAND_SENT',
  TEST_CLIENT_STARTED = 'TEST_CLIENT_STARTED',
}

export enum AuditActorType {
  USER = 'USER',
  API_KEY = 'API_KEY',
}

registerEnumType(AuditAction, { name: 'AuditAction' });
registerEnumType(AuditActorType, { name: 'AuditActorType' });

/** One change in an organization: who (user or API key), when, from where, what. Never holds secrets. */
@ObjectType('AuditEntry')
@Entity({ name: 'audit_logs' })
@Index('ix_audit_logs_org_time', ['organizationId', 'time', 'id'])
export class AuditEntryEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field({ name: 'at' })
  @Column({ ...timestampColumn() })
  time!: Date;

  @Field(() => AuditAction)
  @Column({ type: 'varchar', length: 40 })
  action!: AuditAction;

  @Field(() => AuditActorType)
  @Column({ name: 'actor_type', type: 'varchar', length: 8 })
  actorType!: AuditActorType;

  @Field(() => ID, { description: 'The user who acted; for an API key, the user who created the key.' })
  @Column({ name: 'actor_user_id', type: 'varchar', length: 36 })
  actorUserId!: string;

  @Field(() => ID, { nullable: true })
  @Column({ name: 'actor_api_key_id', type: 'varchar', length: 36, nullable: true })
  actorApiKeyId!: string | null;

  @Field({ description: "The user's e-mail, or the API key's name and prefix, at the time." })
  @Column({ name: 'actor_label', type: 'varchar', length: 300 })
  actorLabel!: string;

  @Field(() => String, { nullable: true, description: 'Where the request came from.' })
  @Column({ name: 'remote_address', type: 'varchar', length: 64, nullable: true })
  remoteAddress!: string | null;

  @Field({ description: 'DEVICE, CERTIFICATE, MEMBER, INVITATION, API_KEY, TOPIC, ORGANIZATION, TEST_CLIENT_SESSION.' })
  @Column({ name: 'target_type', type: 'varchar', length: 24 })
  targetType!: string;

  @Field(() => String, { nullable: true })
  @Column({ name: 'target_id', type: 'varchar', length: 64, nullable: true })
  targetId!: string | null;

  @Field(() => String, { nullable: true, description: 'A name for the target at the time (device name, e-mail, topic…).' })
  @Column({ name: 'target_label', type: 'varchar', length: 300, nullable: true })
  targetLabel!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'What changed: `{ field: { from, to } }` or details; never secrets.' })
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  changes!: Record<string, unknown> | null;
}
