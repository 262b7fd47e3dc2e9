import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

import type { Counts } from './counter.entity.js';

export enum MetricsBucket {
  MINUTE = 'MINUTE',
  HOUR = 'HOUR',
  DAY = 'DAY',
}

registerEnumType(MetricsBucket, { name: 'MetricsBucket', description: 'Width of a metrics point (UTC minutes, hours, days).' });

export const BUCKET_MS: Record<MetricsBucket, number> = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };

@ObjectType({ description: 'Counts in one bucket [at, at + bucket): rolled up per minute as the message server sees traffic, on every instance.' })
export class MetricsPoint implements Counts {
  @Field({ description: 'Start of the bucket.' })
  at!: Date;

  @Field(() => GraphQLSafeInt, { description: 'PUBLISH packets from devices.' })
  messagesIn!: number;

  @Field(() => GraphQLSafeInt, { description: 'Messages delivered to devices (from devices or the platform, e.g. publishToDevice).' })
  messagesOut!: number;

  @Field(() => GraphQLSafeInt, { description: 'Payload bytes of messagesIn.' })
  bytesIn!: number;

  @Field(() => GraphQLSafeInt, { description: 'Payload bytes of messagesOut.' })
  bytesOut!: number;

  @Field(() => GraphQLSafeInt, { description: 'Accepted MQTT connections.' })
  connects!: number;

  @Field(() => GraphQLSafeInt, { description: 'Refused MQTT connections of known devices (wrong key, blocked, bad certificate…).' })
  authFailures!: number;
}

@ObjectType({ description: "An organization's fleet now: device counts from the registry, rates from the counters of every instance." })
export class FleetSummary {
  @Field(() => ID)
  organizationId!: string;

  @Field({ description: 'When these figures were read.' })
  at!: Date;

  @Field(() => Int)
  devices!: number;

  @Field(() => Int, { description: 'Devices connected now (status ONLINE).' })
  online!: number;

  @Field(() => Int)
  offline!: number;

  @Field(() => Int)
  blocked!: number;

  @Field(() => Int, { description: 'Devices not silent past their inactivity timeout (Device.active).' })
  active!: number;

  @Field(() => Float, { description: 'Messages from devices per second, over the last 60 s.' })
  messagesInPerSecond!: number;

  @Field(() => Float, { description: 'Messages delivered to devices per second, over the last 60 s.' })
  messagesOutPerSecond!: number;

  @Field(() => Float, { description: 'Refused connections of known devices in the last 60 s.' })
  authFailuresPerMinute!: number;

  /** `certificatesExpiringWithin` already counted for these day counts (subscriptions compare them too). */
  expiring?: Record<number, number>;
}
