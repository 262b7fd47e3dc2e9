import 'reflect-metadata';

import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express from 'express';
import type { DataSource } from 'typeorm';

import { certificatesRouter } from '../certificates/index.js';
import { childLogger, type Clock, formatError, isStorageUnavailable, type Logger, systemClock } from '../common/index.js';
import type { Config } from '../config/index.js';
import { openDatabase, readRegistryGeneration, WalCheckpointer } from '../db/index.js';
import {
  apolloHandler,
  attachSubscriptions,
  buildContext,
  type Callers,
  CompiledExecution,
  costLimitPlugin,
  graphiqlRouter,
  type GraphQLContext,
  InternalErrors,
  isPlainJsonPost,
  jsonErrorHandler,
  jsonNotFound,
  jsonPostHandler,
  observabilityPlugin,
  ParsedDocumentStore,
} from '../graphql/index.js';
import { MqttListener } from '../history/index.js';
import { browserClientRouter, type ByteSocket, type MessageServerPorts, mqttWebSocketServer, routeMqttUpgrades } from '../mqtt/index.js';
import { createLogger, logRequest, requestIdOf, requestLog } from '../observability/index.js';
import { bridgeRegistryBus, loadInstanceId, RegistrySync } from '../realtime/index.js';
import { loadSecrets } from '../secrets/index.js';
import { httpClientAddress } from '../security/index.js';
import type { MqttEndpoints } from '../testclient/index.js';
import { entities } from './entities.js';
import { createSchema } from './schema.js';
import { createServices, type Services } from './services.js';

export interface AppOptions {
  clock?: Clock;
  /** The logger to use instead of one made from `config.logLevel`; the app adds `instanceId` to its lines. */
  log?: Logger;
  /** Where the app's JSON log lines go (default stdout); ignored with `log`. */
  logDestination?: { write(line: string): void };
}

export interface App {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:4000 */
  url: string;
  /** The GraphQL endpoint (HTTP and graphql-ws). */
  graphqlUrl: string;
  port: number;
  /** Bound MQTT listener ports (null = off): plain, one-way TLS, two-way TLS. */
  mqtt: MessageServerPorts;
  /** Where this process reaches the embedded message server (null: MQTT off). */
  mqttEndpoints: MqttEndpoints | null;
  services: Services;
  close(): Promise<void>;
}

/** An address this process can reach a listener bound to `bindHost` on (a wildcard bind means loopback). */
const localAddressOf = (bindHost: string): string => (bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost);

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts everything (database + migrations, GraphQL over HTTP and WebSocket); `close()` stops everything. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const instanceId = loadInstanceId(config.dataDir, config.instanceId);
  const log = childLogger(options.log ?? createLogger({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) }), { instanceId });
  const secrets = loadSecrets(config.dataDir, config.serverSecret);
  const ds: DataSource = await openDatabase(config.database, entities);
  const cleanups: Array<() => Promise<void>> = [async () => void (await ds.destroy())];
  // SQLite: the WAL is copied into the database file on a thread of its own, not in the COMMITs of the event loop.
  const checkpointer = await WalCheckpointer.start(ds, { intervalMs: config.database.sqliteCheckpointIntervalMs }, log);
  if (checkpointer) cleanups.push(() => checkpointer.close());
  let closing: Promise<void> | null = null;
  /**
   * Stops everything in reverse order of start (HTTP and subscriptions, test clients, MQTT and the event writers,
   * Redis, the database) and completes within `shutdownTimeoutMs`: once the deadline has passed, each remaining
   * step gets a short grace period, so the database is still flushed and closed when something earlier hangs.
   */
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const started = Date.now();
      const deadline = started + config.shutdownTimeoutMs;
      log.info('shutting down');
      const steps = cleanups.splice(0).reverse();
      for (const [i, cleanup] of steps.entries()) {
        const left = deadline - Date.now();
        // What is left of the deadline is shared by the remaining steps; the last one (the database) gets the rest.
        const budget = Math.max(100, i === steps.length - 1 ? left : left - 200 * (steps.length - 1 - i));
        try {
          await withTimeout(cleanup(), budget, `shutdown step ${i + 1}/${steps.length} did not finish within ${budget} ms`);
        } catch (err) {
          log.error('error during shutdown', err);
        }
      }
      log.info('shut down', { durationMs: Date.now() - started });
    })());
  try {
    const services = createServices(config, ds, secrets, clock, log, instanceId);
    cleanups.push(() => services.pubSub.close());
    services.rpc.start();
    cleanups.push(async () => services.rpc.close());
    cleanups.push(async () => services.storageHealth.close());
    cleanups.push(() => services.throttles.close());
    cleanups.push(() => services.reader.pool.close());
    if (config.redisUrl) {
      // Registry events missed while Redis was down (or lost on the way) are noticed through the database.
      const sync = new RegistrySync(services.bus, () => readRegistryGeneration(ds), config.scaleOut.registryCheckIntervalMs, log);
      const bridge = bridgeRegistryBus(services.bus, config.redisUrl, instanceId, log, () => void sync.check(true));
      cleanups.push(bridge.close);
      const redis = services.cluster!.redis;
      cleanups.push(() => redis.close());
      // Redis is required in scale-out: fail the start with a clear message rather than wait for it forever.
      const timeoutMs = config.redisStartTimeoutMs;
      const unreachable = `Redis at ${new URL(config.redisUrl).host} did not answer within ${timeoutMs} ms`;
      await withTimeout(Promise.all([bridge.ready, services.pubSub.ready(), redis.ready()]), timeoutMs, unreachable);
      await sync.start();
      cleanups.push(() => sync.stop());
    }
    await services.pki.init();
    services.audit.startRetention((err) => log.error('audit trail retention failed', err));
    cleanups.push(async () => services.audit.stopRetention());
    // The lease is given up once the message server has stopped: a surviving instance then takes over what is left.
    const membership = services.cluster?.membership;
    if (membership) cleanups.push(() => membership.stop());
    // The message server stops after the test clients (cleanups run in reverse) and before the database.
    // The fleet view writes what it buffered after the message server has ended every session.
    cleanups.push(() => services.fleet.close());
    cleanups.push(() => services.messageServer.close());
    const mqtt = await services.messageServer.start({ pki: services.pki, certificates: services.certificates });
    // Takes over this instance's previous run (wills, sessions), then watches for lost instances (the message server
    // has done so already when it runs).
    await membership?.start();
    services.fleet.start(config.mqtt.enabled ? services.messageServer : null);
    const mqttEndpoints: MqttEndpoints | null = config.mqtt.enabled ? { host: localAddressOf(config.mqtt.host), ...mqtt, tlsServerName: config.mqtt.tlsHosts[0] ?? 'localhost' } : null;
    // The test clients connect to the listeners now bound.
    services.testClients.useListeners(mqttEndpoints);
    cleanups.push(() => services.testClientRoutes.close());
    await services.testClientRoutes.listen();
    const { schema, root } = await createSchema(services);
    const callers: Callers = { authenticate: (authorization) => services.users.authenticate(authorization), access: services.access };

    const expressApp = express();
    expressApp.disable('x-powered-by');
    // GraphQL answers are not cached by HTTP (POST, cache control disabled): no ETag hashed over every response body.
    expressApp.disable('etag');
    const httpLog = childLogger(log, { component: 'http' });
    expressApp.use(requestLog(httpLog));
    // Plain JSON POSTs to /graphql (nearly every request) skip express once Apollo has started (jsonPostHandler).
    let graphqlPost: http.RequestListener | null = null;
    const httpServer = http.createServer((req, res) => {
      if (graphqlPost && isPlainJsonPost(req, '/graphql')) graphqlPost(req, res);
      else expressApp(req, res);
    });

    const subscriptions = attachSubscriptions(httpServer, schema, { limits: config.graphql, callers, bus: services.bus, root, clock: services.clock, log: services.log });
    let disposed: Promise<void> | null = null;
    const disposeSubscriptions = () => (disposed ??= subscriptions.dispose());
    // MQTT over WebSocket shares the HTTP server (after graphql-ws, whose upgrades it passes on).
    let endMqttWebSockets = () => undefined as void;
    if (config.mqtt.enabled && config.mqtt.wsEnabled) {
      const accept = (socket: ByteSocket, listener: MqttListener) => services.messageServer.accept(socket, listener);
      const mqttWss = mqttWebSocketServer(accept, MqttListener.WS, (config.mqtt.maxPayloadBytes + 8 * 1024) * 2);
      endMqttWebSockets = routeMqttUpgrades(httpServer, config.mqtt.wsPath, mqttWss);
    }
    cleanups.push(disposeSubscriptions);

    const graphqlLog = childLogger(log, { component: 'graphql' });
    const internalErrors = new InternalErrors();
    const apollo = new ApolloServer<GraphQLContext>({
      // Apollo's executor interface: repeated queries run compiled (graphql-jit), the rest through graphql-js.
      gateway: new CompiledExecution(schema),
      introspection: true,
      // Parsed documents bounded by the heap they keep (Apollo's default store, sized by JSON, held ~4x its 30 MiB).
      documentStore: new ParsedDocumentStore(),
      includeStacktraceInErrorResponses: false,
      // main.ts handles SIGINT/SIGTERM with app.close(); Apollo's own handler would stop it concurrently and
      // re-raise the signal, leaving app.close() hung (the MQTT listeners never closed, buffered events never written).
      stopOnTerminationSignals: false,
      formatError: (formatted, error) =>
        formatError(formatted, error, (err) => {
          if (isStorageUnavailable(err)) services.storageHealth.markFailed(err instanceof Error ? err.message : 'storage unavailable');
          // Logged with its request id by the observability plugin once the response is ready.
          internalErrors.note(error, err);
        }),
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer }),
        ApolloServerPluginLandingPageDisabled(),
        // No HTTP caching of GraphQL answers; without it Apollo wraps no field resolver (measured: ~1 % CPU per field-heavy request).
        ApolloServerPluginCacheControlDisabled(),
        observabilityPlugin(services.metrics, graphqlLog, internalErrors),
        costLimitPlugin(config.graphql),
      ],
    });
    await apollo.start();
    cleanups.push(() => apollo.stop());

    const graphqlContext = async (req: http.IncomingMessage, requestId: string | undefined): Promise<GraphQLContext> => {
      try {
        const address = httpClientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], config.throttle.trustProxy);
        return { ...(await buildContext(callers, req.headers.authorization, address)), ...(requestId ? { requestId } : {}) };
      } catch (err) {
        graphqlLog.error('could not build the GraphQL context', { requestId, err });
        throw err;
      }
    };
    const graphiql = graphiqlRouter(config.graphiqlDir);
    // /graphql first: express tries the routes in order, and nearly every request is a GraphQL one (behind the health,
    // certificate and test-client routes it cost ~4 % more CPU per `{ me { id } }`).
    expressApp.get('/graphql', graphiql.page);
    expressApp.use(
      '/graphql',
      express.json({ limit: config.graphql.maxBodyBytes }),
      apolloHandler(apollo, (req, res) => graphqlContext(req, requestIdOf(res))),
    );
    graphqlPost = jsonPostHandler(apollo, {
      maxBodyBytes: config.graphql.maxBodyBytes,
      log: httpLog,
      begin: (req, res) => logRequest(httpLog, req, res, '/graphql'),
      context: graphqlContext,
    });
    expressApp.use('/graphiql', graphiql.assets);
    // Liveness: answers while the process serves HTTP (no database access).
    expressApp.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    const metrics = services.metrics;
    metrics.observe({ services, openSubscriptions: subscriptions.openSubscriptions });
    cleanups.push(async () => metrics.close());
    expressApp.get('/metrics', async (_req, res) => {
      res.type(metrics.contentType).send(await metrics.metrics());
    });
    // Readiness for a load balancer: false while the database cannot write, and while shutting down.
    expressApp.get('/readyz', (_req, res) => {
      const storage = services.storageHealth.ok;
      const ready = storage && !closing;
      res.status(ready ? 200 : 503).json({ ready, storage: storage ? 'ok' : 'unavailable', shuttingDown: Boolean(closing) });
    });
    expressApp.use(certificatesRouter({ pki: services.pki, certificates: services.certificates, callers, trustProxy: config.throttle.trustProxy, clock: services.clock, log: services.log }));
    expressApp.use(browserClientRouter());
    expressApp.use(jsonNotFound);
    expressApp.use(jsonErrorHandler(httpLog, config.graphql.maxBodyBytes));

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    // Stop accepting, end idle and in-flight HTTP connections, close graphql-ws sockets (1001): upgraded sockets
    // would otherwise keep httpServer.close() waiting for ever.
    cleanups.push(async () => {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      await disposeSubscriptions();
      endMqttWebSockets();
      await closed;
    });
    const port = (httpServer.address() as AddressInfo).port;
    const host = localAddressOf(config.host);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    log.info(`Portico listening on ${url}/graphql`, { http: url, mqtt: { host: config.mqtt.host, ...mqtt } });
    return { url, graphqlUrl: `${url}/graphql`, port, mqtt, mqttEndpoints, services, close };
  } catch (err) {
    await close();
    throw err;
  }
}
