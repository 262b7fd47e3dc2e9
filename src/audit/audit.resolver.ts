import { Arg, Ctx, Field, ID, InputType, Int, Query, Resolver } from 'type-graphql';

import { Permission } from '../access/index.js';
import { type Connection, ConnectionType, type GraphQLContext, toConnection } from '../graphql/index.js';
import { AuditAction, AuditEntryEntity } from './audit.entity.js';
import type { AuditService } from './audit.service.js';

@InputType({ description: 'Audit trail filter. Time range: since ≤ at < until.' })
export class AuditFilter {
  @Field(() => [AuditAction], { nullable: true })
  actions?: AuditAction[] | null;

  @Field(() => ID, { nullable: true, description: 'Only what this user did (directly or through their API keys).' })
  actorUserId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only changes to this object (device id, certificate id, user id, …).' })
  targetId?: string | null;

  @Field(() => Date, { nullable: true })
  since?: Date | null;

  @Field(() => Date, { nullable: true })
  until?: Date | null;
}

export const AuditEntryConnection = ConnectionType('AuditEntry', AuditEntryEntity);

@Resolver()
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => AuditEntryConnection, { description: "The organization's audit trail, newest first (OWNER and ADMIN)." })
  async auditLog(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('filter', () => AuditFilter, { nullable: true }) filter?: AuditFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<Connection<AuditEntryEntity>> {
    const scope = await ctx.access.organization(organizationId, Permission.AUDIT);
    return toConnection(await this.audit.list(scope.organizationId, { ...filter, first, after }));
  }
}
