import type { DataSource } from 'typeorm';

import { AccessService } from '../access/index.js';
import { AuditService } from '../audit/index.js';
import { CertificateService } from '../certificates/index.js';
import { CommandService } from '../commands/index.js';
import { childLogger, type Clock, type Logger, RegistryBus } from '../common/index.js';
import type { Config } from '../config/index.js';
import { CredentialService } from '../credentials/index.js';
import { createReadPool, Reader, StorageHealth, storageProbe } from '../db/index.js';
import { DeviceService } from '../devices/index.js';
import { FleetService } from '../fleet/index.js';
import { ConnectionLogService, DeviceEventService, LatestValues, RetainedMessages } from '../history/index.js';
import { DeviceConnections, MessageServer, releaseLostDevices } from '../mqtt/index.js';
import { AppMetrics } from '../observability/index.js';
import { OrganizationService } from '../organizations/index.js';
import { PkiService } from '../pki/index.js';
import { type AppPubSub, ClusterRedis, createAppPubSub, InstanceRpc, Membership, newRunId } from '../realtime/index.js';
import type { Secrets } from '../secrets/index.js';
import { type ConnectThrottle, createThrottles, type Throttles } from '../security/index.js';
import { TestClientRoutes, TestClientService } from '../testclient/index.js';
import { UserService } from '../users/index.js';

/** Every service of one app instance, wired explicitly (no module-level singletons). */
export interface Services {
  config: Config;
  /** This instance's id (scale-out: several instances share one database and Redis). */
  instanceId: string;
  ds: DataSource;
  secrets: Secrets;
  clock: Clock;
  log: Logger;
  bus: RegistryBus;
  /** Whether the database accepts writes now (readiness, error codes). */
  storageHealth: StorageHealth;
  /** Throttles MQTT authentication attempts per client id and address. */
  connectThrottle: ConnectThrottle;
  /** Login and MQTT authentication throttles (close() closes their Redis client). */
  throttles: Throttles;
  /** GraphQL subscription events. */
  pubSub: AppPubSub;
  /** Who may do what: roles in organizations, decided in one place. */
  access: AccessService;
  /** The audit trail of every change. */
  audit: AuditService;
  /** Organizations, members, invitations. */
  organizations: OrganizationService;
  users: UserService;
  credentials: CredentialService;
  devices: DeviceService;
  /** Platform CA (call `pki.init()` before use; createApp does). */
  pki: PkiService;
  /** Device certificates: issuing, binding, revocation, CRL, mutual-TLS authentication. */
  certificates: CertificateService;
  /** Server-side MQTT test clients (Test Center → MQTT Client) of this instance; createApp gives them the listeners' endpoints (useListeners). */
  testClients: TestClientService;
  /** Test client sessions of any instance (scale-out: operations go to the instance holding the session). */
  testClientRoutes: TestClientRoutes;
  /** History queries (connection log, device events) run here, off the event loop; createApp closes it. */
  reader: Reader;
  /** Connection log of the message server (batched writes, queries, live topic per owner). */
  connectionLog: ConnectionLogService;
  /** Upstream messages of devices (batched writes, queries, live topic per owner). */
  deviceEvents: DeviceEventService;
  /** The embedded MQTT message server; createApp starts it. */
  messageServer: MessageServer;
  /** Questions to a named instance (scale-out; createApp starts and closes it). */
  rpc: InstanceRpc;
  /** Device.connection: the live MQTT session from whichever instance holds it. */
  deviceConnections: DeviceConnections;
  /** Retained messages per organization (listing, clearing). */
  retained: RetainedMessages;
  /** The platform publishing to devices (commands, group control). */
  commands: CommandService;
  /** Prometheus metrics of this instance (GET /metrics); createApp adds the series read from the services. */
  metrics: AppMetrics;
  /** Scale-out (with Redis): the cluster's shared state and this run's lease; createApp starts and stops it. */
  cluster: { redis: ClusterRedis; membership: Membership } | null;
  /** Last seen times, counters, fleet summary, inactivity (createApp starts it with the message server). */
  fleet: FleetService;
}

export function createServices(config: Config, ds: DataSource, secrets: Secrets, clock: Clock, log: Logger, instanceId: string): Services {
  const bus = new RegistryBus();
  const metrics = new AppMetrics(instanceId);
  const storageLog = childLogger(log, { component: 'storage' });
  const storageHealth = new StorageHealth(storageProbe(ds, clock));
  let faulted = false;
  storageHealth.on('change', ({ ok, reason }) => {
    if (ok) storageLog.warn('storage available again: writes resume');
    else if (reason !== null && !faulted) storageLog.error('storage unavailable: writes refused until it recovers', { reason });
    faulted = !ok;
  });
  const throttles = createThrottles(config.throttle, config.redisUrl, childLogger(log, { component: 'security' }));
  const connectThrottle: ConnectThrottle = throttles.mqttAuth;
  const pubSub = createAppPubSub(config.redisUrl ? { redisUrl: config.redisUrl, log } : undefined);
  const redis = config.redisUrl ? new ClusterRedis(config.redisUrl, config.scaleOut.redisKeyPrefix, log) : null;
  const cluster = redis ? { redis, membership: new Membership(redis, instanceId, newRunId(instanceId), config.scaleOut.instanceLeaseMs, clock, log) } : null;
  const access = new AccessService(ds, bus);
  const audit = new AuditService(ds, clock, { maxAgeDays: config.mqtt.connectionLogRetention.maxAgeDays, intervalMs: config.mqtt.retentionIntervalMs });
  const organizations = new OrganizationService(ds, secrets, audit, bus, clock);
  const users = new UserService(ds, secrets, config.auth, clock, bus, audit, throttles.login);
  const credentials = new CredentialService(ds, secrets, clock, bus);
  const devices = new DeviceService(ds, credentials, bus, clock, audit, config.fleet.trackingEnabled);
  const pki = new PkiService(ds, secrets, config, clock, childLogger(log, { component: 'pki' }));
  const certificates = new CertificateService(ds, pki, devices, secrets, bus, config.pki, clock, childLogger(log, { component: 'certificates' }), audit);
  const testClients = new TestClientService(config.testClient, config.mqtt.maxPayloadBytes, devices, credentials, certificates, pki, clock, childLogger(log, { component: 'testclient' }), bus, audit);
  const testClientRoutes = new TestClientRoutes(testClients, cluster, pubSub, config.scaleOut.routeTimeoutMs, log);
  const reader = new Reader(ds, createReadPool(config.database, config.reads, storageLog));
  const storeOptions = {
    ds,
    pubSub,
    clock,
    log: storageLog,
    batchSize: config.mqtt.eventBatchSize,
    flushIntervalMs: config.mqtt.eventFlushIntervalMs,
    health: storageHealth,
    reader,
    readYourWritesMs: config.reads.readYourWritesMs,
    observeCommit: (table: string, seconds: number) => metrics.batchCommitted(table, seconds),
  };
  const connectionLog = new ConnectionLogService(storeOptions, { windowMs: config.throttle.authFailedLogWindowMs, maxKeys: config.throttle.authFailedLogMaxKeys });
  const latest = config.mqtt.latestTopicsPerDevice > 0 ? new LatestValues(ds, config.mqtt.latestTopicsPerDevice) : null;
  const deviceEvents = new DeviceEventService(storeOptions, latest);
  const retained = new RetainedMessages(ds, clock, storageLog);
  const messageServer = new MessageServer({
    config: config.mqtt,
    instanceId,
    redisUrl: config.redisUrl,
    ...(cluster ? { cluster } : {}),
    clock,
    log: childLogger(log, { component: 'mqtt' }),
    bus,
    pubSub,
    credentials,
    devices,
    connectionLog,
    deviceEvents,
    connectThrottle,
    retained,
  });
  if (cluster) {
    // A surviving instance takes over the devices of a lost one.
    cluster.membership.onLost(releaseLostDevices(devices, connectionLog, pubSub, clock, log));
  }
  const rpc = new InstanceRpc(pubSub, instanceId, config.scaleOut.routeTimeoutMs, log);
  const deviceConnections = new DeviceConnections(messageServer, rpc, connectionLog, instanceId);
  const commands = new CommandService(devices, messageServer, deviceEvents, pubSub, config.mqtt.maxPayloadBytes, audit, retained);
  const fleet = new FleetService({
    ds,
    config: config.fleet,
    retention: { maxAgeDays: config.mqtt.deviceEventRetention.maxAgeDays, intervalMs: config.mqtt.retentionIntervalMs },
    clock,
    log,
    pubSub,
    bus,
    devices,
    connectionLog,
  });
  return {
    fleet,
    testClientRoutes,
    cluster,
    rpc,
    deviceConnections,
    retained,
    access,
    audit,
    organizations,
    metrics,
    commands,
    config,
    instanceId,
    ds,
    secrets,
    clock,
    log,
    bus,
    storageHealth,
    connectThrottle,
    throttles,
    pubSub,
    users,
    credentials,
    devices,
    pki,
    certificates,
    testClients,
    reader,
    connectionLog,
    deviceEvents,
    messageServer,
  };
}
