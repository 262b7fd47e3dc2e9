import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { OrganizationRole } from '../access/index.js';
import { timestampColumn } from '../db/index.js';

/** An invitation to join an organization; its token is shown once to the inviter, only its hash is stored. */
@ObjectType('Invitation')
@Entity({ name: 'invitations' })
export class InvitationEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Index('ix_invitations_organization')
  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field({ description: 'Only the user with this e-mail can accept it.' })
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Field(() => OrganizationRole)
  @Column({ type: 'varchar', length: 16 })
  role!: OrganizationRole;

  @Index('uq_invitations_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Field(() => ID)
  @Column({ name: 'invited_by_user_id', type: 'varchar', length: 36 })
  invitedByUserId!: string;

  @Field()
  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;

  @Field()
  @Column({ name: 'expires_at', ...timestampColumn() })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'accepted_at', ...timestampColumn(true) })
  acceptedAt!: Date | null;
}
