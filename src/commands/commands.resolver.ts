import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, registerEnumType, Resolver } from 'type-graphql';

import { Permission } from '../access/index.js';
import { MessageProperties } from '../common/index.js';
import { ORGANIZATION_ID } from '../devices/index.js';
import type { GraphQLContext } from '../graphql/index.js';
import { DeviceEventEntity } from '../history/index.js';
import { CommandPayloadEncoding, type CommandService } from './commands.service.js';

registerEnumType(CommandPayloadEncoding, {
  name: 'CommandPayloadEncoding',
  description: 'TEXT: the payload string as UTF-8. BASE64: a base64 string (binary payloads). JSON: a JSON text (checked), sent as UTF-8.',
});

@InputType({ description: 'A message the platform publishes to devices.' })
export class PublishInput {
  @Field({ description: 'Topic as devices see it (no wildcards, not $…).' })
  topic!: string;

  @Field()
  payload!: string;

  @Field(() => CommandPayloadEncoding, { defaultValue: CommandPayloadEncoding.TEXT })
  payloadEncoding!: CommandPayloadEncoding;

  @Field(() => Int, { defaultValue: 0 })
  qos!: number;

  @Field({ defaultValue: false, description: 'Kept by the broker for devices that subscribe later.' })
  retain!: boolean;

  @Field(() => MessageProperties, { nullable: true, description: 'MQTT 5 properties (sent to MQTT 5 sessions).' })
  properties?: MessageProperties | null;
}

@ObjectType({ description: 'What a platform publish reached.' })
export class PublishResult {
  @Field()
  topic!: string;

  @Field(() => Int)
  qos!: number;

  @Field(() => Int, {
    description: 'Connected sessions (on this instance) whose subscriptions matched; a shared subscription group counts once. Offline persistent sessions get QoS 1/2 messages queued.',
  })
  matchedSessions!: number;

  @Field(() => Int, { description: 'QoS 1/2: offline persistent sessions the broker queued it for; they get it when they reconnect.' })
  queuedForOfflineSessions!: number;

  @Field(() => DeviceEventEntity, { nullable: true, description: 'The DOWNSTREAM event recorded for the device (publishToDevice).' })
  event!: DeviceEventEntity | null;
}

@ObjectType({ description: "A device's answer to requestDevice." })
export class RequestResult {
  @Field({ description: "Also the request's MQTT 5 Correlation Data." })
  correlationId!: string;

  @Field({ description: 'Where the request was published: `<topic>/<correlationId>`.' })
  requestTopic!: string;

  @Field({ description: 'Where the device answered: `<topic>/reply/<correlationId>` (MQTT 5: the Response Topic).' })
  replyTopic!: string;

  @Field(() => Int, { description: "From the request's publish to the stored answer (ms)." })
  latencyMs!: number;

  @Field(() => DeviceEventEntity, { description: "The answer (payload, json, properties), as the device's event." })
  reply!: DeviceEventEntity;
}

@Resolver()
export class CommandResolver {
  constructor(private readonly commands: CommandService) {}

  @Mutation(() => PublishResult, { description: 'Publishes a message to a device (a command), as the platform; recorded as its DOWNSTREAM event.' })
  publishToDevice(@Ctx() ctx: GraphQLContext, @Arg('deviceId', () => ID) deviceId: string, @Arg('input', () => PublishInput) input: PublishInput): Promise<PublishResult> {
    return this.commands.publishToDevice(ctx.access, deviceId, { ...input, properties: input.properties ?? null });
  }

  @Mutation(() => RequestResult, {
    description:
      'Asks a device and waits for its answer. The request goes to `<topic>/<correlationId>`; the device answers on `<topic>/reply/<correlationId>` (MQTT 5 sessions also get it as Response Topic, with Correlation Data). DEVICE_TIMEOUT when no answer comes within timeoutMs.',
  })
  requestDevice(
    @Ctx() ctx: GraphQLContext,
    @Arg('deviceId', () => ID) deviceId: string,
    @Arg('input', () => PublishInput) input: PublishInput,
    @Arg('timeoutMs', () => Int, { defaultValue: 10_000 }) timeoutMs: number,
  ): Promise<RequestResult> {
    return this.commands.requestDevice(ctx.access, deviceId, { ...input, properties: input.properties ?? null }, timeoutMs);
  }

  @Mutation(() => PublishResult, { description: 'Publishes a message on a topic of an organization\'s namespace, to every device of it subscribed to the topic ("group control").' })
  async publishToTopic(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => PublishInput) input: PublishInput,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
  ): Promise<PublishResult> {
    const scope = await ctx.access.organization(organizationId, Permission.COMMANDS);
    return this.commands.publishToTopic(scope, { ...input, properties: input.properties ?? null });
  }

  @Mutation(() => Boolean, { description: 'Clears the retained message of a topic (publishes an empty retained message there, as MQTT does); false when there was none. DEVELOPER or higher.' })
  async clearRetainedMessage(
    @Ctx() ctx: GraphQLContext,
    @Arg('topic') topic: string,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
  ): Promise<boolean> {
    return this.commands.clearRetained(await ctx.access.organization(organizationId, Permission.COMMANDS), topic);
  }
}
