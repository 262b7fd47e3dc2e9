import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';

import { MembershipEntity, OrganizationEntity, OrganizationRole, Permission } from '../access/index.js';
import { DeviceConnection, DeviceFilter, DeviceOrder, type DeviceService } from '../devices/index.js';
import { type Connection, type GraphQLContext, toConnection } from '../graphql/index.js';
import { UserEntity, type UserService } from '../users/index.js';
import { InvitationEntity } from './invitation.entity.js';
import type { OrganizationService } from './organization.service.js';

@ObjectType()
export class CreatedInvitation {
  @Field({ description: 'The secret to pass on to the invitee (shown only now); they call acceptInvitation(token) signed in with the invited e-mail.' })
  token!: string;

  @Field(() => InvitationEntity)
  invitation!: InvitationEntity;
}

@Resolver(() => OrganizationEntity)
export class OrganizationResolver {
  constructor(
    private readonly orgs: OrganizationService,
    private readonly deviceService: DeviceService,
  ) {}

  @Query(() => [OrganizationEntity], { description: 'The organizations you belong to (an API key: its own).' })
  organizations(@Ctx() ctx: GraphQLContext): Promise<OrganizationEntity[]> {
    return this.orgs.listFor(ctx.access.caller());
  }

  @Query(() => OrganizationEntity, { description: 'An organization you belong to; NOT_FOUND otherwise.' })
  async organization(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<OrganizationEntity> {
    return this.orgs.get(await ctx.access.organization(id, Permission.READ));
  }

  @Mutation(() => OrganizationEntity, { description: 'Creates an organization with you as its OWNER.' })
  createOrganization(@Ctx() ctx: GraphQLContext, @Arg('name') name: string): Promise<OrganizationEntity> {
    return this.orgs.create(ctx.access, name);
  }

  @Mutation(() => OrganizationEntity, { description: 'OWNER only.' })
  async renameOrganization(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string, @Arg('name') name: string): Promise<OrganizationEntity> {
    return this.orgs.rename(await ctx.access.organization(id, Permission.OWNERSHIP), name);
  }

  @Mutation(() => ID, { description: 'OWNER only; not a personal organization, and only once its devices and certificates are deleted (CONFLICT otherwise). Its API keys stop working.' })
  async deleteOrganization(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<string> {
    return (await this.orgs.delete(await ctx.access.organization(id, Permission.OWNERSHIP))).id;
  }

  @Mutation(() => CreatedInvitation, { description: 'OWNER and ADMIN (only an OWNER invites an OWNER). No e-mail is sent: pass the token on. Valid for 7 days.' })
  async inviteMember(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('email') email: string,
    @Arg('role', () => OrganizationRole) role: OrganizationRole,
  ): Promise<CreatedInvitation> {
    return this.orgs.invite(await ctx.access.organization(organizationId, Permission.MEMBERS), email, role);
  }

  @Mutation(() => MembershipEntity, { description: 'Joins the organization of an invitation made for your e-mail.' })
  acceptInvitation(@Ctx() ctx: GraphQLContext, @Arg('token') token: string): Promise<MembershipEntity> {
    return this.orgs.accept(ctx.access, token);
  }

  @Mutation(() => MembershipEntity, { description: 'OWNER and ADMIN; only an OWNER makes or changes owners; at least one OWNER remains (CONFLICT).' })
  async changeMemberRole(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => OrganizationRole) role: OrganizationRole,
  ): Promise<MembershipEntity> {
    return this.orgs.changeRole(await ctx.access.organization(organizationId, Permission.MEMBERS), userId, role);
  }

  @Mutation(() => MembershipEntity, {
    description:
      'Removes a member (OWNER and ADMIN; owners only by an OWNER), or yourself (leave). Their subscriptions and test client sessions in the organization end at once. At least one OWNER remains.',
  })
  removeMember(@Ctx() ctx: GraphQLContext, @Arg('organizationId', () => ID) organizationId: string, @Arg('userId', () => ID) userId: string): Promise<MembershipEntity> {
    return this.orgs.removeMember(ctx.access, organizationId, userId);
  }

  @FieldResolver(() => OrganizationRole, { description: "Your role here (an API key: the lower of its role and its creator's)." })
  async myRole(@Root() org: OrganizationEntity, @Ctx() ctx: GraphQLContext): Promise<OrganizationRole> {
    return (await ctx.access.organization(org.id, Permission.READ)).role;
  }

  @FieldResolver(() => [MembershipEntity])
  async members(@Root() org: OrganizationEntity, @Ctx() ctx: GraphQLContext): Promise<MembershipEntity[]> {
    await ctx.access.organization(org.id, Permission.READ);
    return this.orgs.membersOf(org.id);
  }

  @FieldResolver(() => [InvitationEntity], { description: 'Invitations not accepted yet (OWNER and ADMIN).' })
  async invitations(@Root() org: OrganizationEntity, @Ctx() ctx: GraphQLContext): Promise<InvitationEntity[]> {
    await ctx.access.organization(org.id, Permission.MEMBERS);
    return this.orgs.pendingInvitations(org.id);
  }

  @FieldResolver(() => DeviceConnection, { description: "The organization's devices, as Query.devices." })
  async devices(
    @Root() org: OrganizationEntity,
    @Ctx() ctx: GraphQLContext,
    @Arg('filter', () => DeviceFilter, { nullable: true }) filter?: DeviceFilter | null,
    @Arg('orderBy', () => DeviceOrder, { nullable: true }) orderBy?: DeviceOrder | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<Connection<unknown>> {
    const scope = await ctx.access.organization(org.id, Permission.READ);
    const page = await this.deviceService.list(scope.organizationId, { ...filter, sortField: orderBy?.field, direction: orderBy?.direction, first, after });
    return toConnection(page);
  }
}

@Resolver(() => MembershipEntity)
export class MemberResolver {
  constructor(private readonly users: UserService) {}

  @FieldResolver(() => UserEntity)
  async user(@Root() member: MembershipEntity, @Ctx() ctx: GraphQLContext): Promise<UserEntity> {
    const user = await ctx.loaders.get('users.byId', (ids: readonly string[]) => this.users.byIds(ids)).load(member.userId);
    if (!user) throw new Error(`member ${member.userId} has no user`);
    return user;
  }

  @FieldResolver(() => ID)
  organizationId(@Root() member: MembershipEntity): string {
    return member.organizationId;
  }
}
