import { filter as filterStream, pipe } from '@graphql-yoga/subscription';
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Query, Resolver, Root, Subscription } from 'type-graphql';

import { Permission, type Scope } from '../access/index.js';
import { AppError, checkTopicFilter, type Clock, encodeCursor, eventsMissed, isEventsMissed, topicMatches } from '../common/index.js';
import { DeviceEntity, type DeviceService, deviceStatusTopic, loadDevice } from '../devices/index.js';
import { type Connection, ConnectionType, type GraphQLContext, resolverOf, toConnection } from '../graphql/index.js';
import type { AppPubSub } from '../realtime/index.js';
import { ConnectionEventType, ConnectionLogEntity } from './connection-log.entity.js';
import type { ConnectionLogService } from './connection-log.service.js';
import { DeviceEventEntity, EventDirection } from './device-event.entity.js';
import { type DeviceEventService, payloadJson } from './device-event.service.js';
import { replayThenLive } from './replay.js';

@InputType({ description: 'Connection log filter. Time range: since ≤ time < until.' })
export class ConnectionLogFilter {
  @Field(() => [ConnectionEventType], { nullable: true, description: 'Only these event types.' })
  eventTypes?: ConnectionEventType[] | null;

  @Field(() => Date, { nullable: true, description: 'Inclusive.' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Exclusive.' })
  until?: Date | null;
}

@InputType({ description: 'Device event filter. Time range: since ≤ time < until.' })
export class DeviceEventFilter {
  @Field(() => String, { nullable: true, description: 'MQTT topic filter: `+` matches one level, a trailing `#` any number.' })
  topic?: string | null;

  @Field(() => Date, { nullable: true, description: 'Inclusive.' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Exclusive.' })
  until?: Date | null;

  @Field(() => EventDirection, { nullable: true, description: 'Only events published by devices (UPSTREAM) or to them by the platform (DOWNSTREAM).' })
  direction?: EventDirection | null;
}

export const ConnectionLogConnection = ConnectionType('ConnectionLogEntry', ConnectionLogEntity);
export const DeviceEventConnection = ConnectionType('DeviceEvent', DeviceEventEntity);

/** The row's device through the request's device loader (no N+1), while it is still in the row's organization. */
export function deviceFor(ctx: GraphQLContext, devices: DeviceService, row: { deviceId: string | null; organizationId: string | null }): Promise<DeviceEntity | null> {
  if (!row.deviceId) return Promise.resolve(null);
  return loadDevice(ctx.loaders, devices, row.deviceId).then((d) => (d && d.organizationId === row.organizationId ? d : null));
}

/**
 * What a history query or subscription reads: one device (its organization decides; NOT_FOUND for non-members), or
 * every device of the named organization (default: the caller's).
 */
export async function readScope(
  ctx: GraphQLContext,
  devices: DeviceService,
  deviceId: string | null | undefined,
  organizationId: string | null | undefined,
): Promise<{ scope: Scope; deviceId: string | null }> {
  if (deviceId != null) {
    const { device, scope } = await devices.authorize(ctx.access, deviceId, Permission.READ);
    return { scope, deviceId: device.id };
  }
  return { scope: await ctx.access.organization(organizationId, Permission.READ), deviceId: null };
}

/**
 * A device-change subscription (status, activity…): the devices published on the organization's `topicOf` topic, only
 * the named device when `deviceId` is given, while the caller may read them.
 */
export async function deviceChanges(
  ctx: GraphQLContext,
  devices: DeviceService,
  args: { deviceId?: unknown; organizationId?: unknown },
  subscribe: (organizationId: string) => AsyncIterable<DeviceEntity>,
): Promise<AsyncIterable<DeviceEntity>> {
  const { scope, deviceId } = await readScope(ctx, devices, args.deviceId as string | null | undefined, args.organizationId as string | null | undefined);
  const owner = scope.organizationId;
  return ctx.access.service.guard(
    scope,
    Permission.READ,
    pipe(
      subscribe(owner),
      filterStream((d) => d.organizationId === owner && (!deviceId || d.id === deviceId)),
    ),
  );
}

/**
 * A subscription whose live events may have been lost (scale-out: Redis was down) ends with EVENTS_MISSED and the
 * cursor to resume from: the last row delivered, else its `after`, else its start.
 */
const missed = (err: unknown, resumeAfter: string): unknown => (isEventsMissed(err) ? eventsMissed(resumeAfter) : err);

/** A subscriber that reads slower than rows arrive is ended; it resumes from `resumeAfter` with `after`. */
const tooSlow = (resumeAfter: string | null): AppError =>
  new AppError('CONFLICT', 'live rows arrive faster than this subscription reads them; subscribe again with after: resumeAfter to catch up', {
    reason: 'SUBSCRIBER_TOO_SLOW',
    resumeAfter,
  });

const DEVICE_ID_DESCRIPTION = 'A device of an organization you belong to (NOT_FOUND otherwise); when omitted, every device of the organization (organizationId, default: your personal one).';
const ORG_DESCRIPTION = "Used when deviceId is omitted: an organization you belong to; default: your personal organization, or your API key's.";
const AFTER_DESCRIPTION = 'A cursor (from a query edge or an earlier subscription event): first replays what was recorded after it, then continues live.';

/** Subscription fields of this module whose method returns its root unchanged (see resolveToRoot). */
export const HISTORY_ROOT_SUBSCRIPTIONS = ['connectionLogAdded', 'deviceEventAdded', 'deviceStatusChanged'] as const;

@Resolver(() => ConnectionLogEntity)
export class ConnectionLogResolver {
  constructor(
    private readonly store: ConnectionLogService,
    private readonly devices: DeviceService,
    private readonly pubSub: AppPubSub,
    private readonly clock: Clock,
  ) {}

  @Query(() => ConnectionLogConnection, { description: "Connection log of a device or of an organization's devices, newest first." })
  async connectionLog(
    @Ctx() ctx: GraphQLContext,
    @Arg('deviceId', () => ID, { nullable: true, description: DEVICE_ID_DESCRIPTION }) deviceId?: string | null,
    @Arg('filter', () => ConnectionLogFilter, { nullable: true }) filter?: ConnectionLogFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('organizationId', () => ID, { nullable: true, description: ORG_DESCRIPTION }) organizationId?: string | null,
  ): Promise<Connection<ConnectionLogEntity>> {
    const { scope, deviceId: id } = await readScope(ctx, this.devices, deviceId, organizationId);
    return toConnection(await this.store.list(scope.organizationId, { ...filter, deviceId: id, first, after }));
  }

  @Subscription(() => ConnectionLogEntity, {
    description: "New connection log rows of a device or of an organization's devices, as they are recorded.",
    subscribe: async ({ source, args, context }) => {
      const ctx = context as GraphQLContext;
      const self = resolverOf(source, ConnectionLogResolver);
      const { scope, deviceId } = await readScope(ctx, self.devices, args.deviceId as string | null | undefined, args.organizationId as string | null | undefined);
      const owner = scope.organizationId;
      const store = self.store;
      const after = args.after ? store.decode(args.after as string) : null;
      const types = (args.eventTypes as ConnectionEventType[] | null | undefined) ?? null;
      const start = encodeCursor(store.kind, self.clock().getTime(), '');
      const live = self.pubSub.subscribe(store.topic(owner))[Symbol.asyncIterator]();
      return ctx.access.service.guard(
        scope,
        Permission.READ,
        replayThenLive<ConnectionLogEntity>({
          live,
          after,
          replay: after ? store.replayAfter(owner, deviceId, after) : null,
          match: (row) => (!deviceId || row.deviceId === deviceId) && (!types?.length || types.includes(row.eventType)),
          overflow: (last) => tooSlow(last ? store.cursorOf(last) : ((args.after as string | null) ?? null)),
          liveFailed: (err, last) => missed(err, last ? store.cursorOf(last) : ((args.after as string | null) ?? start)),
        }),
      );
    },
  })
  connectionLogAdded(
    @Root() row: ConnectionLogEntity,
    @Arg('deviceId', () => ID, { nullable: true, description: DEVICE_ID_DESCRIPTION }) _deviceId?: string | null,
    @Arg('eventTypes', () => [ConnectionEventType], { nullable: true }) _eventTypes?: ConnectionEventType[] | null,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) _after?: string | null,
    @Arg('organizationId', () => ID, { nullable: true, description: ORG_DESCRIPTION }) _organizationId?: string | null,
  ): ConnectionLogEntity {
    return row;
  }

  @FieldResolver(() => String, { description: 'Position of this row, for `after` in queries and subscriptions.' })
  cursor(@Root() row: ConnectionLogEntity): string {
    return this.store.cursorOf(row);
  }

  @FieldResolver(() => DeviceEntity, { nullable: true, description: 'The device, while it exists.' })
  device(@Root() row: ConnectionLogEntity, @Ctx() ctx: GraphQLContext): Promise<DeviceEntity | null> {
    return deviceFor(ctx, this.devices, row);
  }
}

@Resolver(() => DeviceEventEntity)
export class DeviceEventResolver {
  constructor(
    private readonly store: DeviceEventService,
    private readonly devices: DeviceService,
    private readonly pubSub: AppPubSub,
    private readonly clock: Clock,
  ) {}

  @Query(() => DeviceEventConnection, { description: "Messages of a device or of an organization's devices, newest first." })
  async deviceEvents(
    @Ctx() ctx: GraphQLContext,
    @Arg('deviceId', () => ID, { nullable: true, description: DEVICE_ID_DESCRIPTION }) deviceId?: string | null,
    @Arg('filter', () => DeviceEventFilter, { nullable: true }) filter?: DeviceEventFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('organizationId', () => ID, { nullable: true, description: ORG_DESCRIPTION }) organizationId?: string | null,
  ): Promise<Connection<DeviceEventEntity>> {
    const { scope, deviceId: id } = await readScope(ctx, this.devices, deviceId, organizationId);
    return toConnection(await this.store.list(scope.organizationId, { ...filter, deviceId: id, first, after }));
  }

  @Subscription(() => DeviceEventEntity, {
    description: "Messages of a device or of an organization's devices, as they are recorded.",
    subscribe: async ({ source, args, context }) => {
      const ctx = context as GraphQLContext;
      const self = resolverOf(source, DeviceEventResolver);
      const { scope, deviceId } = await readScope(ctx, self.devices, args.deviceId as string | null | undefined, args.organizationId as string | null | undefined);
      const owner = scope.organizationId;
      const topic = args.topic != null ? checkTopicFilter(args.topic as string) : null;
      const store = self.store;
      const after = args.after ? store.decode(args.after as string) : null;
      const start = encodeCursor(store.kind, self.clock().getTime(), '');
      const live = self.pubSub.subscribe(store.topic(owner))[Symbol.asyncIterator]();
      return ctx.access.service.guard(
        scope,
        Permission.READ,
        replayThenLive<DeviceEventEntity>({
          live,
          after,
          replay: after ? store.replayAfter(owner, deviceId, after) : null,
          match: (row) => (!deviceId || row.deviceId === deviceId) && (topic == null || topicMatches(topic, row.topic)),
          overflow: (last) => tooSlow(last ? store.cursorOf(last) : ((args.after as string | null) ?? null)),
          liveFailed: (err, last) => missed(err, last ? store.cursorOf(last) : ((args.after as string | null) ?? start)),
        }),
      );
    },
  })
  deviceEventAdded(
    @Root() row: DeviceEventEntity,
    @Arg('deviceId', () => ID, { nullable: true, description: DEVICE_ID_DESCRIPTION }) _deviceId?: string | null,
    @Arg('topic', () => String, { nullable: true, description: 'MQTT topic filter (`+`, `#`).' }) _topic?: string | null,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) _after?: string | null,
    @Arg('organizationId', () => ID, { nullable: true, description: ORG_DESCRIPTION }) _organizationId?: string | null,
  ): DeviceEventEntity {
    return row;
  }

  @FieldResolver(() => String, { description: 'Position of this event, for `after` in queries and subscriptions.' })
  cursor(@Root() row: DeviceEventEntity): string {
    return this.store.cursorOf(row);
  }

  @FieldResolver(() => GraphQLJSON, { nullable: true, description: 'The payload parsed as JSON, when it is valid JSON.' })
  json(@Root() row: DeviceEventEntity): unknown {
    return payloadJson(row) ?? null;
  }

  @FieldResolver(() => DeviceEntity, { nullable: true, description: 'The device, while it exists.' })
  device(@Root() row: DeviceEventEntity, @Ctx() ctx: GraphQLContext): Promise<DeviceEntity | null> {
    return deviceFor(ctx, this.devices, row);
  }
}

@Resolver()
export class DeviceStatusResolver {
  constructor(
    private readonly devices: DeviceService,
    private readonly pubSub: AppPubSub,
  ) {}

  @Subscription(() => DeviceEntity, {
    description: "A device, or an organization's devices, as they go ONLINE or OFFLINE (status, lastConnectedAt, lastDisconnectedAt).",
    subscribe: async ({ source: root, args, context }) => {
      const ctx = context as GraphQLContext;
      const self = resolverOf(root, DeviceStatusResolver);
      return deviceChanges(ctx, self.devices, args, (owner) => self.pubSub.subscribe(deviceStatusTopic(owner)));
    },
  })
  deviceStatusChanged(
    @Root() device: DeviceEntity,
    @Arg('deviceId', () => ID, { nullable: true, description: DEVICE_ID_DESCRIPTION }) _deviceId?: string | null,
    @Arg('organizationId', () => ID, { nullable: true, description: ORG_DESCRIPTION }) _organizationId?: string | null,
  ): DeviceEntity {
    return device;
  }
}

/** `Device.connectionLogs` and `Device.events`, kept with the message server feature. */
@Resolver(() => DeviceEntity)
export class DeviceConnectionLogResolver {
  constructor(
    private readonly connectionLog: ConnectionLogService,
    private readonly deviceEvents: DeviceEventService,
  ) {}

  @FieldResolver(() => ConnectionLogConnection, { description: "This device's connection log, newest first." })
  async connectionLogs(
    @Root() device: DeviceEntity,
    @Arg('filter', () => ConnectionLogFilter, { nullable: true }) filter?: ConnectionLogFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<Connection<ConnectionLogEntity>> {
    return toConnection(await this.connectionLog.list(device.organizationId, { ...filter, deviceId: device.id, first, after }));
  }

  @FieldResolver(() => DeviceEventConnection, { description: 'Upstream messages of this device, newest first.' })
  async events(
    @Root() device: DeviceEntity,
    @Arg('filter', () => DeviceEventFilter, { nullable: true }) filter?: DeviceEventFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<Connection<DeviceEventEntity>> {
    return toConnection(await this.deviceEvents.list(device.organizationId, { ...filter, deviceId: device.id, first, after }));
  }
}

export const brokerResolvers = [ConnectionLogResolver, DeviceEventResolver, DeviceStatusResolver, DeviceConnectionLogResolver] as const;
