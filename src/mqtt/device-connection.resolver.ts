import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { DeviceEntity } from '../devices/device.entity.js';
import type { GraphQLContext } from '../graphql/context.js';
import { DeviceConnectionInfo } from './device-connection.js';

/** `Device.connection`, kept with the message server. */
@Resolver(() => DeviceEntity)
export class DeviceConnectionResolver {
  @FieldResolver(() => DeviceConnectionInfo, { description: 'The MQTT session: live facts from whichever instance holds it (remote address, listener, protocol, keepalive, subscriptions), and how the last one ended.' })
  async connection(@Root() device: DeviceEntity, @Ctx() ctx: GraphQLContext): Promise<DeviceConnectionInfo> {
    return { ...(await ctx.services.deviceConnections.of(device)), lastSeenAt: ctx.services.fleet.lastSeenAt(device) };
  }
}
