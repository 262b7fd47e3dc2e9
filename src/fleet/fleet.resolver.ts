import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';

import { Permission } from '../access/index.js';
import { badInput, type Clock, type Logger } from '../common/index.js';
import { DeviceEntity, type DeviceService, ORGANIZATION_ID } from '../devices/index.js';
import { type GraphQLContext, resolverOf } from '../graphql/index.js';
import { deviceChanges, readScope } from '../history/index.js';
import type { AppPubSub } from '../realtime/index.js';
import { deviceActivityTopic, type FleetService } from './fleet.service.js';
import { FleetSummary, MetricsBucket, MetricsPoint } from './fleet.types.js';
import { requestedExpiryDays, summaryChanges } from './summary-stream.js';

const DEVICE = 'A device of an organization you belong to (NOT_FOUND otherwise); when omitted, the whole organization (organizationId).';
/** fleetSummaryChanged: reads at most this often, and at least this often. */
export const MIN_SUMMARY_INTERVAL_MS = 250;
export const MAX_SUMMARY_INTERVAL_MS = 60_000;

/** Subscription fields of this module whose method returns its root unchanged (see resolveToRoot). */
export const FLEET_ROOT_SUBSCRIPTIONS = ['fleetSummaryChanged', 'deviceActivityChanged'] as const;

/** `Device.lastSeenAt`, `silentFor`, `active`, `inactivityTimeout`. */
@Resolver(() => DeviceEntity)
export class DeviceFleetResolver {
  constructor(private readonly fleet: FleetService) {}

  @FieldResolver(() => Date, { nullable: true, description: 'When the device last sent any packet (CONNECT, PUBLISH, PINGREQ, SUBSCRIBE, acknowledgements…), on any instance; null: never.' })
  lastSeenAt(@Root() device: DeviceEntity): Date | null {
    return this.fleet.lastSeenAt(device);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'Seconds since lastSeenAt; null: never seen.' })
  silentFor(@Root() device: DeviceEntity): number | null {
    return this.fleet.silentFor(device);
  }

  @FieldResolver(() => Boolean, { description: 'False once the device was silent for longer than inactivityTimeout (and before its first packet); true again on its next packet.' })
  active(@Root() device: DeviceEntity): boolean {
    return device.active;
  }

  @FieldResolver(() => Int, { description: 'Seconds of silence after which the device is flagged inactive (0 = never).' })
  inactivityTimeout(@Root() device: DeviceEntity): number {
    return this.fleet.inactivityTimeout(device);
  }
}

/** Dashboards: the fleet summary, counter series, activity changes. */
@Resolver(() => FleetSummary)
export class FleetResolver {
  constructor(
    private readonly fleet: FleetService,
    private readonly devices: DeviceService,
    private readonly pubSub: AppPubSub,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  @Query(() => FleetSummary, { description: "An organization's fleet now: device counts, certificates about to expire, message and failure rates." })
  async fleetSummary(@Ctx() ctx: GraphQLContext, @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null): Promise<FleetSummary> {
    const scope = await ctx.access.organization(organizationId, Permission.READ);
    return this.fleet.queries.summary(scope.organizationId);
  }

  @FieldResolver(() => Int, { description: 'ACTIVE certificates of the organization whose validity ends within this many days.' })
  certificatesExpiringWithin(@Root() summary: FleetSummary, @Arg('days', () => Int) days: number): Promise<number> | number {
    return summary.expiring?.[days] ?? this.fleet.queries.certificatesExpiring(summary.organizationId, days);
  }

  @Query(() => [MetricsPoint], {
    description: "Counts per bucket of one device, or summed over an organization's devices, from counters rolled up per minute (kept as long as device events). Buckets without traffic are zero.",
  })
  async metrics(
    @Ctx() ctx: GraphQLContext,
    @Arg('from', () => Date, { description: 'Inclusive (rounded down to its bucket).' }) from: Date,
    @Arg('to', () => Date, { nullable: true, description: 'Exclusive; default: now.' }) to?: Date | null,
    @Arg('bucket', () => MetricsBucket, { defaultValue: MetricsBucket.MINUTE }) bucket: MetricsBucket = MetricsBucket.MINUTE,
    @Arg('deviceId', () => ID, { nullable: true, description: DEVICE }) deviceId?: string | null,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
  ): Promise<MetricsPoint[]> {
    const { scope, deviceId: id } = await readScope(ctx, this.devices, deviceId, organizationId);
    return this.fleet.queries.metrics(scope.organizationId, id, from, to ?? this.clock(), bucket);
  }

  @Subscription(() => FleetSummary, {
    description: 'The fleet summary at once, then again whenever a figure changed, read at most every intervalMs.',
    subscribe: async ({ source, args, context, info }) => {
      const ctx = context as GraphQLContext;
      const self = resolverOf(source, FleetResolver);
      const intervalMs = (args.intervalMs as number | undefined) ?? 1000;
      if (!Number.isInteger(intervalMs) || intervalMs < MIN_SUMMARY_INTERVAL_MS || intervalMs > MAX_SUMMARY_INTERVAL_MS) {
        throw badInput(`intervalMs must be ${MIN_SUMMARY_INTERVAL_MS} to ${MAX_SUMMARY_INTERVAL_MS}`, 'intervalMs');
      }
      const scope = await ctx.access.organization(args.organizationId as string | null | undefined, Permission.READ);
      const { queries } = self.fleet;
      const days = requestedExpiryDays(info);
      const read = async () => {
        const summary = await queries.summary(scope.organizationId);
        summary.expiring = {};
        for (const d of days) summary.expiring[d] = await queries.certificatesExpiring(scope.organizationId, d);
        return summary;
      };
      const failed = (err: unknown) => self.log.warn(`fleetSummaryChanged: a read failed: ${err instanceof Error ? err.message : String(err)}`);
      return ctx.access.service.guard(scope, Permission.READ, summaryChanges(await read(), read, intervalMs, failed));
    },
  })
  fleetSummaryChanged(
    @Root() summary: FleetSummary,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) _organizationId?: string | null,
    @Arg('intervalMs', () => Int, { defaultValue: 1000, description: `Reads at most this often (${MIN_SUMMARY_INTERVAL_MS} to ${MAX_SUMMARY_INTERVAL_MS} ms).` }) _intervalMs?: number,
  ): FleetSummary {
    return summary;
  }

  @Subscription(() => DeviceEntity, {
    description: 'A device, or any device of an organization, each time its `active` flag changes (once per change).',
    subscribe: async ({ source: root, args, context }) => {
      const ctx = context as GraphQLContext;
      const self = resolverOf(root, FleetResolver);
      return deviceChanges(ctx, self.devices, args, (owner) => self.pubSub.subscribe(deviceActivityTopic(owner)));
    },
  })
  deviceActivityChanged(
    @Root() device: DeviceEntity,
    @Arg('deviceId', () => ID, { nullable: true, description: DEVICE }) _deviceId?: string | null,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) _organizationId?: string | null,
  ): DeviceEntity {
    return device;
  }
}
