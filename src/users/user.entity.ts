import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { OrganizationRole } from '../access/index.js';
import { timestampColumn } from '../db/index.js';

@ObjectType('User')
@Entity({ name: 'users' })
export class UserEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Lower-cased e-mail address; the login name. */
  @Field()
  @Index('uq_users_email', { unique: true })
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  /** The organization created at sign-up: where operations act when they name no organization. */
  @Field(() => ID, { description: 'The organization created at sign-up; operations that name no organization act in it.' })
  @Column({ name: 'personal_organization_id', type: 'varchar', length: 36 })
  personalOrganizationId!: string;

  @Field()
  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;

  @Column({ name: 'updated_at', ...timestampColumn() })
  updatedAt!: Date;
}

@ObjectType('ApiKey', {
  description: "A long-lived key for scripts and dashboards, acting in one organization with a role no higher than its creator's; its secret is shown only once, at creation.",
})
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The user who created it; the key never has more rights than they have now. */
  @Field(() => ID, { name: 'createdByUserId', description: 'The user who created it; the key never has more rights than they have now.' })
  @Index('ix_api_keys_user')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Field(() => ID)
  @Index('ix_api_keys_organization')
  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field(() => OrganizationRole)
  @Column({ type: 'varchar', length: 16 })
  role!: OrganizationRole;

  @Field(() => Date, { nullable: true, description: 'After this the key is refused (UNAUTHENTICATED); null: no expiry.' })
  @Column({ name: 'expires_at', ...timestampColumn(true) })
  expiresAt!: Date | null;

  @Field()
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** The first characters of the key, shown so a user can tell keys apart. */
  @Field({ description: 'The first characters of the key, to tell keys apart.' })
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  /** Keyed hash of the whole key; the key itself is never stored. */
  @Index('uq_api_keys_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Field()
  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'last_used_at', ...timestampColumn(true) })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'revoked_at', ...timestampColumn(true) })
  revokedAt!: Date | null;
}
