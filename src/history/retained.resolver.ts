import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Query, Resolver, Root } from 'type-graphql';

import { Permission } from '../access/index.js';
import { checkTopicFilter } from '../common/index.js';
import { DeviceEntity, type DeviceService, ORGANIZATION_ID } from '../devices/index.js';
import { type Connection, ConnectionType, type GraphQLContext, toConnection } from '../graphql/index.js';
import { deviceFor } from './connection-log-and-events.resolver.js';
import { payloadJson } from './device-event.service.js';
import { RetainedMessageEntity } from './retained.entity.js';
import type { RetainedMessages } from './retained.service.js';

@InputType()
export class RetainedMessageFilter {
  @Field(() => String, { nullable: true, description: 'MQTT topic filter (`+`, `#`); default `#`.' })
  topic?: string | null;
}

export const RetainedMessageConnection = ConnectionType('RetainedMessage', RetainedMessageEntity);

@Resolver(() => RetainedMessageEntity)
export class RetainedMessageResolver {
  constructor(
    private readonly retained: RetainedMessages,
    private readonly devices: DeviceService,
  ) {}

  @Query(() => RetainedMessageConnection, { description: "An organization's retained messages, by topic." })
  async retainedMessages(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
    @Arg('filter', () => RetainedMessageFilter, { nullable: true }) filter?: RetainedMessageFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<Connection<RetainedMessageEntity>> {
    const scope = await ctx.access.organization(organizationId, Permission.READ);
    const topic = filter?.topic != null ? checkTopicFilter(filter.topic) : null;
    return toConnection(await this.retained.list(scope.organizationId, { topic, first, after }));
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
    return deviceFor(ctx, this.devices, row);
  }
}
