import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Permission } from '../access/index.js';
import { DeviceEntity } from '../devices/device.entity.js';
import { ORGANIZATION_ID } from '../devices/device.resolver.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ConnectionType, type Connection, toConnection } from '../graphql/relay.js';
import { deviceFor } from './connection-log-and-events.resolver.js';
import { payloadJson } from './device-event.service.js';
import { RetainedMessageEntity } from './retained.entity.js';

@InputType()
export class RetainedMessageFilter {
  @Field(() => String, { nullable: true, description: 'MQTT topic filter (`+`, `#`); default `#`.' })
  topic?: string | null;
}

export const RetainedMessageConnection = ConnectionType('RetainedMessage', RetainedMessageEntity);

@Resolver(() => RetainedMessageEntity)
export class RetainedMessageResolver {
  @Query(() => RetainedMessageConnection, { description: "An organization's retained messages, by topic." })
  async retainedMessages(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
    @Arg('filter', () => RetainedMessageFilter, { nullable: true }) filter?: RetainedMessageFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<Connection<RetainedMessageEntity>> {
    const scope = await ctx.access.organization(organizationId, Permission.READ);
    const topic = filter?.topic != null ? ctx.services.commands.checkFilter(filter.topic) : null;
    return toConnection(await ctx.services.retained.list(scope.organizationId, { topic, first, after }));
  }

  @Mutation(() => Boolean, { description: 'Clears the retained message of a topic (publishes an empty retained message there, as MQTT does); false when there was none. DEVELOPER or higher.' })
  async clearRetainedMessage(
    @Ctx() ctx: GraphQLContext,
    @Arg('topic') topic: string,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
  ): Promise<boolean> {
    return ctx.services.commands.clearRetained(await ctx.access.organization(organizationId, Permission.COMMANDS), topic);
  }

  @FieldResolver(() => GraphQLJSON, { nullable: true, description: 'The payload parsed as JSON, when it is valid JSON.' })
  json(@Root() row: RetainedMessageEntity): unknown {
    return payloadJson(row) ?? null;
  }

  @FieldResolver(() => String, { description: 'DEVICE or PLATFORM (publishToTopic, publishToDevice).' })
  publishedBy(@Root() row: RetainedMessageEntity): string {
    return row.deviceId ? 'DEVICE' : 'PLATFORM';
  }

  @FieldResolver(() => DeviceEntity, { nullable: true, description: 'The device that published it, while it exists.' })
  device(@Root() row: RetainedMessageEntity, @Ctx() ctx: GraphQLContext): Promise<DeviceEntity | null> {
    return deviceFor(ctx, row);
  }
}
