import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';

import { Permission } from '../access/index.js';
import { DeviceAuthType, DeviceCredentials } from '../devices/index.js';
import type { GraphQLContext } from '../graphql/index.js';
import type { CredentialService } from './credential.service.js';

/** `DeviceCredentials.deviceKey`, kept with the credentials feature. */
@Resolver(() => DeviceCredentials)
export class DeviceCredentialsResolver {
  constructor(private readonly credentials: CredentialService) {}

  @FieldResolver(() => String, { nullable: true, description: 'The MQTT password (DEVELOPER or higher; FORBIDDEN for VIEWER); null for CERTIFICATE devices.' })
  async deviceKey(@Root() credentials: DeviceCredentials, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    const { device } = credentials;
    await ctx.access.within(device.organizationId, Permission.SECRETS, 'Device');
    if (device.authType !== DeviceAuthType.TOKEN) return null;
    return ctx.loaders
      .get('credentials.deviceKey', async (ids: readonly string[]) => {
        const keys = await this.credentials.keysFor(ids);
        return ids.map((id) => keys.get(id) ?? null);
      })
      .load(device.id);
  }
}
