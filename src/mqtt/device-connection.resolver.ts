import { FieldResolver, Resolver, Root } from 'type-graphql';

import { DeviceEntity } from '../devices/index.js';
import { DeviceConnectionInfo, type DeviceConnections } from './device-connection.js';

/** `Device.connection`, kept with the message server. */
@Resolver(() => DeviceEntity)
export class DeviceConnectionResolver {
  constructor(
    private readonly connections: DeviceConnections,
    /** When the device last sent a packet (the fleet view knows, on any instance). */
    private readonly lastSeenAt: (device: DeviceEntity) => Date | null,
  ) {}

  @FieldResolver(() => DeviceConnectionInfo, {
    description: 'The MQTT session: live facts from whichever instance holds it (remote address, listener, protocol, keepalive, subscriptions), and how the last one ended.',
  })
  async connection(@Root() device: DeviceEntity): Promise<DeviceConnectionInfo> {
    return { ...(await this.connections.of(device)), lastSeenAt: this.lastSeenAt(device) };
  }
}
