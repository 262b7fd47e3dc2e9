import { Arg, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';

import { OrganizationRole, Permission } from '../access/index.js';
import { type GraphQLContext, userId } from '../graphql/index.js';
import { ApiKeyEntity, UserEntity } from './user.entity.js';
import type { UserService } from './user.service.js';

@ObjectType()
export class AuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>`.' })
  token!: string;

  @Field()
  expiresAt!: Date;

  @Field(() => UserEntity)
  user!: UserEntity;
}

@ObjectType()
export class CreatedApiKey {
  @Field({ description: 'The secret; shown only now. Send as `Authorization: Bearer <key>`.' })
  key!: string;

  @Field(() => ApiKeyEntity)
  apiKey!: ApiKeyEntity;
}

@Resolver()
export class UserResolver {
  constructor(private readonly users: UserService) {}

  @Mutation(() => AuthPayload, { description: 'Creates an account and returns a session token.' })
  signUp(@Arg('email') email: string, @Arg('password') password: string): Promise<AuthPayload> {
    return this.users.signUp(email, password);
  }

  @Mutation(() => AuthPayload, { description: 'Returns a session token. Repeated failures are refused for a while with TOO_MANY_REQUESTS (extensions.retryAfterSeconds).' })
  logIn(@Ctx() ctx: GraphQLContext, @Arg('email') email: string, @Arg('password') password: string): Promise<AuthPayload> {
    return this.users.logIn(email, password, ctx.remoteAddress ?? '');
  }

  @Query(() => UserEntity, { description: 'The calling user.' })
  me(@Ctx() ctx: GraphQLContext): Promise<UserEntity> {
    return this.users.getUser(userId(ctx));
  }

  @Query(() => [ApiKeyEntity], { description: 'API keys of an organization (default: your personal one), without their secrets: all of them for OWNER and ADMIN, else your own.' })
  async apiKeys(@Ctx() ctx: GraphQLContext, @Arg('organizationId', () => ID, { nullable: true }) organizationId?: string | null): Promise<ApiKeyEntity[]> {
    return this.users.listApiKeys(await ctx.access.organization(organizationId, Permission.OWN_API_KEYS));
  }

  @Mutation(() => CreatedApiKey, {
    description: 'A key acting in one organization (default: your personal one) with a role no higher than yours (default: yours), e.g. a VIEWER key for a wall dashboard.',
  })
  async createApiKey(
    @Ctx() ctx: GraphQLContext,
    @Arg('name') name: string,
    @Arg('organizationId', () => ID, { nullable: true }) organizationId?: string | null,
    @Arg('role', () => OrganizationRole, { nullable: true }) role?: OrganizationRole | null,
    @Arg('expiresAt', () => Date, { nullable: true }) expiresAt?: Date | null,
  ): Promise<CreatedApiKey> {
    return this.users.createApiKey(await ctx.access.organization(organizationId, Permission.OWN_API_KEYS), name, role, expiresAt);
  }

  @Mutation(() => ApiKeyEntity, { description: 'Revokes your own key, or (OWNER, ADMIN) any key of the organization.' })
  revokeApiKey(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ApiKeyEntity> {
    return this.users.revokeApiKey(ctx.access, id);
  }
}
