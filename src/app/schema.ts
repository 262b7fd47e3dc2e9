import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType } from 'type-graphql';
import { ConnectionLogResolver, DeviceConnectionLogResolver, DeviceEventResolver, DeviceStatusResolver } from '../history/connection-log-and-events.resolver.js';
import { DeviceLatestResolver, LatestValueResolver } from '../history/latest.resolver.js';
import { RetainedMessageResolver } from '../history/retained.resolver.js';
import { DeviceConnectionResolver } from '../mqtt/device-connection.resolver.js';
import { CommandResolver } from '../commands/commands.resolver.js';
import { CertificateResolver, DeviceCertificatesResolver } from '../certificates/certificate.resolver.js';
import { AuditResolver } from '../audit/index.js';
import { DeviceCredentialsResolver, DeviceResolver } from '../devices/device.resolver.js';
import { DeviceFleetResolver, FleetResolver } from '../fleet/index.js';
import { MemberResolver, OrganizationResolver } from '../organizations/index.js';
import { PkiResolver } from '../pki/pki.resolver.js';
import { createAppPubSub } from '../realtime/pubsub.js';
import type { Services } from './services.js';
import { TestClientResolver } from '../testclient/test-client.resolver.js';
import { UserResolver } from '../users/user.resolver.js';

export const resolverClasses = [UserResolver, DeviceResolver, PkiResolver, CertificateResolver, DeviceCertificatesResolver, TestClientResolver, ConnectionLogResolver, DeviceEventResolver, DeviceStatusResolver, DeviceConnectionLogResolver, DeviceLatestResolver, LatestValueResolver, CommandResolver, DeviceCredentialsResolver, OrganizationResolver, MemberResolver, AuditResolver, RetainedMessageResolver, DeviceConnectionResolver, DeviceFleetResolver, FleetResolver] as const;

/** Constructs each resolver with the services it needs (no global container). */
function containerFor(services: Services): ContainerType {
  const instances = new Map<unknown, unknown>([
    [UserResolver, new UserResolver(services.users)],
    [DeviceResolver, new DeviceResolver(services.devices)],
    [PkiResolver, new PkiResolver(services.pki)],
    [CertificateResolver, new CertificateResolver(services.certificates)],
    [DeviceCertificatesResolver, new DeviceCertificatesResolver()],
    [TestClientResolver, new TestClientResolver(services.testClientRoutes)],
    [ConnectionLogResolver, new ConnectionLogResolver()],
    [DeviceEventResolver, new DeviceEventResolver()],
    [DeviceStatusResolver, new DeviceStatusResolver()],
    [DeviceConnectionLogResolver, new DeviceConnectionLogResolver()],
    [DeviceLatestResolver, new DeviceLatestResolver()],
    [LatestValueResolver, new LatestValueResolver()],
    [CommandResolver, new CommandResolver(services.commands)],
    [DeviceCredentialsResolver, new DeviceCredentialsResolver()],
    [OrganizationResolver, new OrganizationResolver(services.organizations)],
    [MemberResolver, new MemberResolver()],
    [AuditResolver, new AuditResolver(services.audit)],
    [RetainedMessageResolver, new RetainedMessageResolver()],
    [DeviceConnectionResolver, new DeviceConnectionResolver()],
    [DeviceFleetResolver, new DeviceFleetResolver(services.fleet)],
    [FleetResolver, new FleetResolver(services.fleet)],
  ]);
  return {
    get(cls: unknown) {
      const instance = instances.get(cls);
      if (!instance) throw new Error(`no resolver instance for ${String((cls as { name?: string }).name)}`);
      return instance;
    },
  };
}

/** Builds the executable schema; without services it is good for printing the SDL only. */
export function createSchema(services?: Services): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: resolverClasses,
    container: services ? containerFor(services) : { get: () => { throw new Error('schema built without services'); } },
    validate: false,
    pubSub: services ? services.pubSub : createAppPubSub(),
  });
}
