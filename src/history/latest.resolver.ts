import { Repeater, SlidingBuffer } from '@graphql-yoga/subscription';
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';

import { Permission } from '../access/index.js';
import { checkTopicFilter, topicMatches } from '../common/index.js';
import { DeviceEntity, type DeviceService } from '../devices/index.js';
import { type GraphQLContext, resolverOf } from '../graphql/index.js';
import type { AppPubSub } from '../realtime/index.js';
import { type DeviceEventEntity, EventDirection } from './device-event.entity.js';
import { type DeviceEventService, payloadJson } from './device-event.service.js';
import { LatestValueEntity } from './latest-value.entity.js';
import { LATEST_TOPIC_MAX_CHARS, latestOf } from './latest-values.js';

const TOPIC_DESCRIPTION = 'MQTT topic filter (`+`, `#`); all topics when omitted.';
/** Changes waiting for a slow subscriber beyond this: the oldest are dropped (a newer value supersedes them). */
const LATEST_BACKLOG = 1000;

/** `Device.latest`: the last message per topic ("latest state"), for dashboards. */
@Resolver(() => DeviceEntity)
export class DeviceLatestResolver {
  constructor(private readonly deviceEvents: DeviceEventService) {}

  @FieldResolver(() => [LatestValueEntity], { description: 'The last message this device published on each topic (at most PORTICO_LATEST_TOPICS_PER_DEVICE topics), by topic.' })
  async latest(
    @Root() device: DeviceEntity,
    @Ctx() ctx: GraphQLContext,
    @Arg('topic', () => String, { nullable: true, description: TOPIC_DESCRIPTION }) topic?: string | null,
  ): Promise<LatestValueEntity[]> {
    const filter = topic != null ? checkTopicFilter(topic) : null;
    const rows = await ctx.loaders
      .get('history.latestValues', async (ids: readonly string[]) => {
        const latest = this.deviceEvents.latest;
        const map = latest ? await latest.forDevices(ids) : new Map<string, LatestValueEntity[]>();
        return ids.map((id) => map.get(id) ?? []);
      })
      .load(device.id);
    return filter == null ? rows : rows.filter((r) => topicMatches(filter, r.topic));
  }
}

@Resolver(() => LatestValueEntity)
export class LatestValueResolver {
  constructor(
    private readonly deviceEvents: DeviceEventService,
    private readonly devices: DeviceService,
    private readonly pubSub: AppPubSub,
  ) {}

  @FieldResolver(() => GraphQLJSON, { nullable: true, description: 'The payload parsed as JSON, when it is valid JSON.' })
  json(@Root() row: LatestValueEntity): unknown {
    return payloadJson(row) ?? null;
  }

  @Subscription(() => LatestValueEntity, {
    description: "A device's latest values: first the current ones (by topic), then each new one as it is recorded.",
    subscribe: async ({ source, args, context }) => {
      const ctx = context as GraphQLContext;
      const self = resolverOf(source, LatestValueResolver);
      const { device, scope } = await self.devices.authorize(ctx.access, args.deviceId as string, Permission.READ);
      const owner = scope.organizationId;
      const deviceId = device.id;
      const filter = args.topic != null ? checkTopicFilter(args.topic as string) : null;
      const store = self.deviceEvents;
      // Subscribed before the current values are read: nothing recorded in between is missed.
      const live = self.pubSub.subscribe(store.topic(owner))[Symbol.asyncIterator]();
      const current = store.latest ? await store.latest.forDevice(deviceId, filter) : [];
      const wanted = (row: DeviceEventEntity) =>
        row.deviceId === deviceId && row.direction !== EventDirection.DOWNSTREAM && row.topic.length <= LATEST_TOPIC_MAX_CHARS && (filter == null || topicMatches(filter, row.topic));
      return ctx.access.service.guard(
        scope,
        Permission.READ,
        new Repeater<LatestValueEntity>(async (push, stop) => {
          let stopped = false;
          void stop.then(() => {
            stopped = true;
            void live.return?.();
          });
          for (const value of current) await push(value);
          while (!stopped) {
            const next = await live.next();
            if (next.done) break;
            const row = next.value;
            if (wanted(row)) await push(latestOf(row));
          }
          stop();
        }, new SlidingBuffer(LATEST_BACKLOG)),
      );
    },
  })
  deviceLatestChanged(
    @Root() value: LatestValueEntity,
    @Arg('deviceId', () => ID, { description: 'A device of an organization you belong to (NOT_FOUND otherwise).' }) _deviceId: string,
    @Arg('topic', () => String, { nullable: true, description: TOPIC_DESCRIPTION }) _topic?: string | null,
  ): LatestValueEntity {
    return value;
  }
}
