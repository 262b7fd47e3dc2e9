import { Field, Int, ObjectType } from 'type-graphql';

import { type DeviceEntity, DeviceStatus } from '../devices/index.js';
import { ConnectionEventType, type ConnectionLogService, MqttListener } from '../history/index.js';
import type { InstanceRpc } from '../realtime/index.js';
import type { MessageServer } from './message-server.js';
import { subscriptionsOf } from './session-tracking.js';

@ObjectType('MqttSubscription')
export class SubscriptionInfo {
  @Field({ description: 'As the device sent it (its namespace is invisible to it).' })
  topicFilter!: string;

  @Field(() => Int, { description: 'The QoS granted.' })
  qos!: number;
}

@ObjectType('MqttConnection', { description: "A device's MQTT session: the live one, from whichever instance holds it, else how the last one ended." })
export class DeviceConnectionInfo {
  @Field()
  online!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the live session started.' })
  since!: Date | null;

  @Field(() => String, { nullable: true })
  remoteAddress!: string | null;

  @Field(() => MqttListener, { nullable: true })
  listener!: MqttListener | null;

  @Field(() => Int, { nullable: true, description: '3 (3.1), 4 (3.1.1) or 5.' })
  protocolVersion!: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds.' })
  keepalive!: number | null;

  @Field(() => Boolean, { nullable: true })
  cleanSession!: boolean | null;

  @Field(() => [SubscriptionInfo], { nullable: true, description: "The live session's subscriptions; null when the instance holding it did not answer." })
  subscriptions!: SubscriptionInfo[] | null;

  @Field(() => Date, { nullable: true, description: 'The last packet from the device (any packet), as Device.lastSeenAt.' })
  lastSeenAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'How the last session ended (as in the connection log).' })
  lastDisconnectReason!: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether the last session ended without DISCONNECT while it had a will (so the will went out); null when not known (it ended on another instance, or before a restart).',
  })
  willPublished!: boolean | null;
}

/** What the instance holding a live session says of it (also over the instance RPC). */
interface LiveFacts {
  since: string | null;
  remoteAddress: string | null;
  listener: MqttListener;
  protocolVersion: number | null;
  keepalive: number | null;
  cleanSession: boolean | null;
  subscriptions: SubscriptionInfo[];
}

const ENDS = [ConnectionEventType.DISCONNECTED, ConnectionEventType.TAKEN_OVER];

/** `Device.connection`: the live session from whichever instance holds it (asked over Redis), the rest from the log. */
export class DeviceConnections {
  constructor(
    private readonly server: MessageServer,
    private readonly rpc: InstanceRpc,
    private readonly connectionLog: ConnectionLogService,
    private readonly instanceId: string,
  ) {
    rpc.handle('deviceConnection', (deviceId) => this.local(String(deviceId)));
  }

  /** The newest live session of the device on this instance. */
  private local(deviceId: string): LiveFacts | null {
    const s = this.server.liveSessions(deviceId).at(-1);
    if (!s) return null;
    const d = s.details();
    return {
      since: s.connectedAt?.toISOString() ?? null,
      remoteAddress: d.remoteAddress,
      listener: s.listener,
      protocolVersion: d.protocolVersion,
      keepalive: d.keepalive,
      cleanSession: d.cleanSession,
      subscriptions: subscriptionsOf(s),
    };
  }

  async of(device: DeviceEntity): Promise<DeviceConnectionInfo> {
    const online = device.status === DeviceStatus.ONLINE;
    const holder = device.connectedInstance ?? this.instanceId;
    const live = online ? await this.rpc.call<LiveFacts | null>(holder, 'deviceConnection', device.id) : null;
    const rows = async (eventTypes: ConnectionEventType[]) => (await this.connectionLog.list(device.organizationId, { deviceId: device.id, eventTypes, first: 1 })).items[0] ?? null;
    const [lastEnd, connected] = await Promise.all([rows(ENDS), online && !live ? rows([ConnectionEventType.CONNECTED]) : null]);
    // Known where the last session ended (this instance, since it started); null elsewhere.
    const willPublished = this.server.observer.willPublished(device.id) ?? null;
    return {
      online,
      since: live?.since ? new Date(live.since) : online ? device.lastConnectedAt : null,
      remoteAddress: live?.remoteAddress ?? connected?.remoteAddress ?? null,
      listener: live?.listener ?? connected?.listener ?? null,
      protocolVersion: live?.protocolVersion ?? connected?.protocolVersion ?? null,
      keepalive: live?.keepalive ?? connected?.keepalive ?? null,
      cleanSession: live?.cleanSession ?? connected?.cleanSession ?? null,
      subscriptions: live ? live.subscriptions : null,
      lastSeenAt: null,
      lastDisconnectReason: lastEnd?.reason ?? null,
      willPublished,
    };
  }
}
