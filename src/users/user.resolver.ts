import { Arg, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { type GraphQLContext, userId } from '../graphql/context.js';
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

  @Query(() => [ApiKeyEntity], { description: "The caller's API keys, without their secrets." })
  apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKeyEntity[]> {
    return this.users.listApiKeys(userId(ctx));
  }

  @Mutation(() => CreatedApiKey)
  createApiKey(@Ctx() ctx: GraphQLContext, @Arg('name') name: string): Promise<CreatedApiKey> {
    return this.users.createApiKey(userId(ctx), name);
  }

  @Mutation(() => ApiKeyEntity)
  revokeApiKey(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ApiKeyEntity> {
    return this.users.revokeApiKey(userId(ctx), id);
  }
}
