import 'reflect-metadata';

import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';

import { AuditResolver } from '../audit/index.js';
import { CertificateResolver, DeviceCertificatesResolver } from '../certificates/index.js';
import { CommandResolver } from '../commands/index.js';
import { DeviceCredentialsResolver } from '../credentials/index.js';
import { DeviceResolver } from '../devices/index.js';
import { DeviceFleetResolver, FLEET_ROOT_SUBSCRIPTIONS, FleetResolver } from '../fleet/index.js';
import { resolveToRoot, SubscriptionRoot } from '../graphql/index.js';
import {
  ConnectionLogResolver,
  DeviceConnectionLogResolver,
  DeviceEventResolver,
  DeviceLatestResolver,
  DeviceStatusResolver,
  HISTORY_ROOT_SUBSCRIPTIONS,
  LatestValueResolver,
  RetainedMessageResolver,
} from '../history/index.js';
import { DeviceConnectionResolver } from '../mqtt/index.js';
import { MemberResolver, OrganizationResolver } from '../organizations/index.js';
import { PkiResolver } from '../pki/index.js';
import { createAppPubSub } from '../realtime/index.js';
import { TestClientResolver } from '../testclient/index.js';
import { UserResolver } from '../users/index.js';
import type { Services } from './services.js';

export const resolverClasses = [
  UserResolver,
  DeviceResolver,
  PkiResolver,
  CertificateResolver,
  DeviceCertificatesResolver,
  TestClientResolver,
  ConnectionLogResolver,
  DeviceEventResolver,
  DeviceStatusResolver,
  DeviceConnectionLogResolver,
  DeviceLatestResolver,
  LatestValueResolver,
  CommandResolver,
  DeviceCredentialsResolver,
  OrganizationResolver,
  MemberResolver,
  AuditResolver,
  RetainedMessageResolver,
  DeviceConnectionResolver,
  DeviceFleetResolver,
  FleetResolver,
] as const;

/** Subscription fields that resolve to their event unchanged (each feature lists its own). */
export const ROOT_SUBSCRIPTIONS: readonly string[] = [...HISTORY_ROOT_SUBSCRIPTIONS, ...FLEET_ROOT_SUBSCRIPTIONS];

/** Constructs each resolver with the services it needs (no global container): the one place services reach resolvers. */
function resolverInstances(s: Services): Map<unknown, unknown> {
  return new Map<unknown, unknown>([
    [UserResolver, new UserResolver(s.users)],
    [DeviceResolver, new DeviceResolver(s.devices)],
    [PkiResolver, new PkiResolver(s.pki)],
    [CertificateResolver, new CertificateResolver(s.certificates, s.pki)],
    [DeviceCertificatesResolver, new DeviceCertificatesResolver(s.certificates)],
    [TestClientResolver, new TestClientResolver(s.testClientRoutes, s.devices)],
    [ConnectionLogResolver, new ConnectionLogResolver(s.connectionLog, s.devices, s.pubSub, s.clock)],
    [DeviceEventResolver, new DeviceEventResolver(s.deviceEvents, s.devices, s.pubSub, s.clock)],
    [DeviceStatusResolver, new DeviceStatusResolver(s.devices, s.pubSub)],
    [DeviceConnectionLogResolver, new DeviceConnectionLogResolver(s.connectionLog, s.deviceEvents)],
    [DeviceLatestResolver, new DeviceLatestResolver(s.deviceEvents)],
    [LatestValueResolver, new LatestValueResolver(s.deviceEvents, s.devices, s.pubSub)],
    [CommandResolver, new CommandResolver(s.commands)],
    [DeviceCredentialsResolver, new DeviceCredentialsResolver(s.credentials)],
    [OrganizationResolver, new OrganizationResolver(s.organizations, s.devices)],
    [MemberResolver, new MemberResolver(s.users)],
    [AuditResolver, new AuditResolver(s.audit)],
    [RetainedMessageResolver, new RetainedMessageResolver(s.retained, s.devices)],
    [DeviceConnectionResolver, new DeviceConnectionResolver(s.deviceConnections, (device) => s.fleet.lastSeenAt(device))],
    [DeviceFleetResolver, new DeviceFleetResolver(s.fleet)],
    [FleetResolver, new FleetResolver(s.fleet, s.devices, s.pubSub, s.clock, s.log)],
  ]);
}

/** The app's executable schema, and the root value its subscriptions run with (see SubscriptionRoot). */
export async function createSchema(services: Services): Promise<{ schema: GraphQLSchema; root: SubscriptionRoot }> {
  const instances = resolverInstances(services);
  const container = {
    get(cls: unknown) {
      const instance = instances.get(cls);
      if (!instance) throw new Error(`no resolver instance for ${String((cls as { name?: string }).name)}`);
      return instance;
    },
  };
  const schema = await buildSchema({ resolvers: resolverClasses, container, validate: false, pubSub: services.pubSub });
  resolveToRoot(schema, ROOT_SUBSCRIPTIONS);
  return { schema, root: new SubscriptionRoot(container) };
}

/** The schema without services: good for printing the SDL only. */
export function printableSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: resolverClasses,
    container: {
      get: () => {
        throw new Error('schema built without services');
      },
    },
    validate: false,
    pubSub: createAppPubSub(),
  });
}
