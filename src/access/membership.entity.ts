import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { timestampColumn } from '../db/index.js';
import { OrganizationRole } from './roles.js';

/** A user's membership of an organization, with their role there. */
@ObjectType('Member')
@Entity({ name: 'memberships' })
@Index('ix_memberships_user', ['userId'])
export class MembershipEntity {
  @PrimaryColumn({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field(() => ID, { description: "The member's user id." })
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Field(() => OrganizationRole)
  @Column({ type: 'varchar', length: 16 })
  role!: OrganizationRole;

  @Field({ description: 'When they joined.' })
  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;
}
