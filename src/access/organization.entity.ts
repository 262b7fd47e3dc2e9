import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

import { timestampColumn } from '../db/index.js';

/**
 * An organization: it owns devices, certificates, API keys, test client sessions, logs, events and retained
 * messages; its devices share one MQTT namespace. Users take part as members with a role.
 */
@ObjectType('Organization')
@Entity({ name: 'organizations' })
export class OrganizationEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field()
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Field({ description: 'Created at sign-up for its user; it cannot be deleted.' })
  @Column({ type: 'boolean' })
  personal!: boolean;

  @Column({ name: 'created_by_user_id', type: 'varchar', length: 36, nullable: true })
  createdByUserId!: string | null;

  @Field()
  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;
}
