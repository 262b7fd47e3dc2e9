import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, registerEnumType, Resolver, Root, Subscription } from 'type-graphql';

import { Permission } from '../access/index.js';
import { badInput, MessageProperties } from '../common/index.js';
import { DeviceEntity, type DeviceService, loadDevice, ORGANIZATION_ID } from '../devices/index.js';
import { type GraphQLContext, resolverOf } from '../graphql/index.js';
import type { TestClientRoutes } from './test-client.routes.js';
import { MessageDirection, TestClientState, TestClientTransport, type TestMessage } from './test-client.session.js';
import type { TestClientSessionLike } from './test-client.view.js';

registerEnumType(TestClientState, { name: 'TestClientState' });
registerEnumType(TestClientTransport, {
  name: 'TestClientTransport',
  valuesConfig: {
    MQTT: { description: 'Plain MQTT (1883), Token authentication.' },
    MQTTS: { description: 'One-way TLS (8883), Token authentication.' },
    MQTTS_MUTUAL: { description: 'Two-way TLS (8884), Certificate authentication.' },
  },
});
registerEnumType(MessageDirection, { name: 'MessageDirection' });

@InputType()
export class WillInput {
  @Field()
  topic!: string;

  @Field({ description: 'JSON text.' })
  payload!: string;

  @Field(() => Int, { nullable: true, defaultValue: 0 })
  qos?: number;

  @Field({ nullable: true, defaultValue: false })
  retain?: boolean;
}

@InputType()
export class TestClientOptions {
  @Field(() => TestClientTransport, { nullable: true, description: 'Default: MQTT for Token devices, MQTTS_MUTUAL for Certificate devices.' })
  transport?: TestClientTransport | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  cleanSession?: boolean | null;

  @Field(() => Int, { nullable: true, defaultValue: 60, description: 'Seconds; 0 disables keepalive.' })
  keepalive?: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 4, description: '4 = MQTT 3.1.1, 5 = MQTT 5, 3 = MQTT 3.1.' })
  mqttVersion?: number | null;

  @Field(() => WillInput, { nullable: true })
  will?: WillInput | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Required when the device is online now: the same client id will disconnect the real device.',
  })
  force?: boolean | null;
}

@ObjectType('TestMessage')
export class TestMessageType {
  @Field(() => ID, { description: 'Increasing within the session; pass as `after` to resume.' })
  id!: string;

  @Field(() => MessageDirection)
  direction!: MessageDirection;

  @Field()
  topic!: string;

  @Field({ description: 'The payload as UTF-8 text.' })
  payload!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The payload parsed, when it is JSON.' })
  json!: unknown;

  @Field(() => Int)
  qos!: number;

  @Field()
  retain!: boolean;

  @Field(() => MessageProperties, { nullable: true, description: 'MQTT 5 properties sent or received; null when none.' })
  properties!: MessageProperties | null;

  @Field()
  at!: Date;
}

@ObjectType('TestSubscription')
export class TestSubscriptionType {
  @Field()
  topicFilter!: string;

  @Field(() => Int, { description: 'QoS granted by the server.' })
  qos!: number;
}

const toMessage = (m: TestMessage): TestMessageType => ({ ...m, id: String(m.seq) });

function parseAfter(after: string | null | undefined): number {
  if (after == null) return 0;
  const n = Number(after);
  if (!Number.isInteger(n) || n < 0) throw badInput('after must be a TestMessage id', 'after');
  return n;
}

@ObjectType('TestClientSession', { description: "A server-side MQTT client connected as one of your devices (the seed's Test Center → MQTT Client)." })
export class TestClientSessionType {
  @Field(() => ID)
  id!: string;

  @Field(() => TestClientState)
  state!: TestClientState;

  @Field(() => TestClientTransport)
  transport!: TestClientTransport;

  @Field(() => String, { nullable: true, description: 'Why the session is in ERROR or DISCONNECTED.' })
  error!: string | null;

  @Field()
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  connectedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;

  @Field({ description: 'The device was online and was disconnected when this session took over its client id.' })
  tookOverOnlineDevice!: boolean;

  @Field()
  cleanSession!: boolean;

  @Field(() => Int)
  keepalive!: number;

  @Field(() => Int)
  mqttVersion!: number;

  @Field(() => Int, { description: 'Messages dropped from the bounded buffer (oldest first).' })
  droppedCount!: number;
}

@Resolver(() => TestClientSessionType)
export class TestClientResolver {
  constructor(
    private readonly service: TestClientRoutes,
    private readonly devices: DeviceService,
  ) {}

  @Query(() => [TestClientSessionType], { description: "An organization's test client sessions, on every instance." })
  async testClientSessions(
    @Ctx() ctx: GraphQLContext,
    @Arg('organizationId', () => ID, { nullable: true, description: ORGANIZATION_ID }) organizationId?: string | null,
  ): Promise<TestClientSessionLike[]> {
    return this.service.list((await ctx.access.organization(organizationId, Permission.READ)).organizationId);
  }

  @Query(() => TestClientSessionType)
  testClientSession(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<TestClientSessionLike> {
    return this.service.get(ctx.access, id);
  }

  @Mutation(() => TestClientSessionType, {
    description: "Connects to the message server as the device, with the device's own credentials; resolves once connected or refused.",
  })
  startTestClient(
    @Ctx() ctx: GraphQLContext,
    @Arg('deviceId', () => ID) deviceId: string,
    @Arg('options', () => TestClientOptions, { nullable: true }) options?: TestClientOptions | null,
  ): Promise<TestClientSessionLike> {
    return this.service.start(ctx.access, deviceId, options ?? {});
  }

  @Mutation(() => TestMessageType, { description: 'Publishes JSON as the device; errors are BAD_USER_INPUT and nothing is sent.' })
  async testClientPublish(
    @Ctx() ctx: GraphQLContext,
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('topic') topic: string,
    @Arg('payload', { description: 'JSON text.' }) payload: string,
    @Arg('qos', () => Int, { defaultValue: 0 }) qos: number,
    @Arg('retain', { defaultValue: false }) retain: boolean,
    @Arg('properties', () => MessageProperties, { nullable: true, description: 'MQTT 5 properties (MQTT 5 sessions only).' }) properties: MessageProperties | null,
  ): Promise<TestMessageType> {
    return toMessage(await this.service.publish(ctx.access, sessionId, topic, payload, qos, retain, properties));
  }

  @Mutation(() => TestClientSessionType)
  testClientSubscribe(
    @Ctx() ctx: GraphQLContext,
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('topicFilter') topicFilter: string,
    @Arg('qos', () => Int, { defaultValue: 0 }) qos: number,
  ): Promise<TestClientSessionLike> {
    return this.service.subscribe(ctx.access, sessionId, topicFilter, qos);
  }

  @Mutation(() => TestClientSessionType)
  testClientUnsubscribe(@Ctx() ctx: GraphQLContext, @Arg('sessionId', () => ID) sessionId: string, @Arg('topicFilter') topicFilter: string): Promise<TestClientSessionLike> {
    return this.service.unsubscribe(ctx.access, sessionId, topicFilter);
  }

  @Mutation(() => TestClientSessionType, { description: 'Disconnects and forgets the session; returns its final state.' })
  stopTestClient(
    @Ctx() ctx: GraphQLContext,
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('abrupt', {
      defaultValue: false,
      description: 'Close the connection without DISCONNECT, as a device losing power would: the broker publishes the will message.',
    })
    abrupt: boolean,
  ): Promise<TestClientSessionLike> {
    return this.service.stop(ctx.access, sessionId, abrupt);
  }

  @Subscription(() => TestMessageType, {
    description: 'Reported and received messages of a session: first those buffered after `after`, then live ones.',
    subscribe: ({ source, args, context }) => {
      const ctx = context as GraphQLContext;
      const svc = resolverOf(source, TestClientResolver).service;
      return svc.messages(ctx.access, String(args.sessionId), parseAfter(args.after as string | null));
    },
  })
  testClientMessages(@Root() message: TestMessage, @Arg('sessionId', () => ID) _sessionId: string, @Arg('after', () => String, { nullable: true }) _after?: string | null): TestMessageType {
    return toMessage(message);
  }

  @Subscription(() => TestClientSessionType, {
    description: 'The session now, then whenever its state or subscriptions change; completes when it has ended.',
    subscribe: ({ source, args, context }) => {
      const ctx = context as GraphQLContext;
      return resolverOf(source, TestClientResolver).service.stateChanges(ctx.access, String(args.sessionId));
    },
  })
  testClientStateChanged(@Root() session: TestClientSessionLike, @Arg('sessionId', () => ID) _sessionId: string): TestClientSessionLike {
    return session;
  }

  @FieldResolver(() => DeviceEntity)
  device(@Root() session: TestClientSessionLike, @Ctx() ctx: GraphQLContext): Promise<DeviceEntity> {
    return loadDevice(ctx.loaders, this.devices, session.device.id).then((d) => d ?? (session.device as DeviceEntity));
  }

  @FieldResolver(() => [TestSubscriptionType])
  subscriptions(@Root() session: TestClientSessionLike): TestSubscriptionType[] {
    return [...session.subscriptions].map(([topicFilter, qos]) => ({ topicFilter, qos }));
  }

  @FieldResolver(() => [TestMessageType], { description: 'Messages the device reported (published) since the session connected.' })
  reported(@Root() session: TestClientSessionLike): TestMessageType[] {
    return session.list(MessageDirection.REPORTED).map(toMessage);
  }

  @FieldResolver(() => [TestMessageType], { description: 'Messages the device received on its subscriptions since the session connected.' })
  received(@Root() session: TestClientSessionLike): TestMessageType[] {
    return session.list(MessageDirection.RECEIVED).map(toMessage);
  }
}
