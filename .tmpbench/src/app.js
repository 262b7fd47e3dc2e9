"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.createApp = createApp;
require("reflect-metadata");
const node_http_1 = __importDefault(require("node:http"));
const server_1 = require("@apollo/server");
const disabled_1 = require("@apollo/server/plugin/disabled");
const drainHttpServer_1 = require("@apollo/server/plugin/drainHttpServer");
const express5_1 = require("@as-integrations/express5");
const express_1 = __importDefault(require("express"));
const errors_js_1 = require("./common/errors.js");
const storage_errors_js_1 = require("./common/storage-errors.js");
const runtime_js_1 = require("./common/runtime.js");
const data_source_js_1 = require("./db/data-source.js");
const http_js_1 = require("./certificates/http.js");
const context_js_1 = require("./graphql/context.js");
const address_js_1 = require("./security/address.js");
const graphiql_js_1 = require("./graphql/graphiql.js");
const http_js_2 = require("./graphql/http.js");
const schema_js_1 = require("./graphql/schema.js");
const ws_js_1 = require("./graphql/ws.js");
const secrets_js_1 = require("./secrets/secrets.js");
const scale_out_js_1 = require("./realtime/scale-out.js");
const registry_sync_js_1 = require("./realtime/registry-sync.js");
const registry_generation_js_1 = require("./db/registry-generation.js");
const services_js_1 = require("./services.js");
const logger_js_1 = require("./observability/logger.js");
const request_log_js_1 = require("./observability/request-log.js");
const observability_plugin_js_1 = require("./graphql/observability-plugin.js");
const connection_log_entity_js_1 = require("./broker/connection-log.entity.js");
const websocket_js_1 = require("./mqtt/websocket.js");
/** An address this process can reach a listener bound to `bindHost` on (a wildcard bind means loopback). */
const localAddressOf = (bindHost) => (bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost);
function withTimeout(promise, ms, message) {
    let timer;
    const timeout = new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
/** Starts everything (database + migrations, GraphQL over HTTP and WebSocket); `close()` stops everything. */
async function createApp(config, options = {}) {
    const clock = options.clock ?? runtime_js_1.systemClock;
    const instanceId = (0, scale_out_js_1.loadInstanceId)(config.dataDir, config.instanceId);
    const log = (0, runtime_js_1.childLogger)(options.log ?? (0, logger_js_1.createLogger)({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) }), { instanceId });
    const secrets = (0, secrets_js_1.loadSecrets)(config.dataDir, config.serverSecret);
    const ds = await (0, data_source_js_1.openDatabase)(config.database);
    const cleanups = [async () => void (await ds.destroy())];
    let closing = null;
    /**
     * Stops everything in reverse order of start (HTTP and subscriptions, test clients, MQTT and the event writers,
     * Redis, the database) and completes within `shutdownTimeoutMs`: once the deadline has passed, each remaining
     * step gets a short grace period, so the database is still flushed and closed when something earlier hangs.
     */
    const close = () => (closing ??= (async () => {
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
            }
            catch (err) {
                log.error('error during shutdown', err);
            }
        }
        log.info('shut down', { durationMs: Date.now() - started });
    })());
    try {
        const services = (0, services_js_1.createServices)(config, ds, secrets, clock, log, instanceId);
        cleanups.push(() => services.pubSub.close());
        cleanups.push(async () => services.storageHealth.close());
        cleanups.push(() => services.throttles.close());
        cleanups.push(() => services.reader.pool.close());
        if (config.redisUrl) {
            // Registry events missed while Redis was down (or lost on the way) are noticed through the database.
            const sync = new registry_sync_js_1.RegistrySync(services.bus, () => (0, registry_generation_js_1.readRegistryGeneration)(ds), config.scaleOut.registryCheckIntervalMs, log);
            const bridge = (0, scale_out_js_1.bridgeRegistryBus)(services.bus, config.redisUrl, instanceId, log, () => void sync.check(true));
            cleanups.push(bridge.close);
            // Redis is required in scale-out: fail the start with a clear message rather than wait for it forever.
            const timeoutMs = config.redisStartTimeoutMs;
            const unreachable = `Redis at ${new URL(config.redisUrl).host} did not answer within ${timeoutMs} ms`;
            await withTimeout(Promise.all([bridge.ready, services.pubSub.ready()]), timeoutMs, unreachable);
            await sync.start();
            cleanups.push(() => sync.stop());
        }
        await services.pki.init();
        services.audit.startRetention((err) => log.error('audit trail retention failed', err));
        cleanups.push(async () => services.audit.stopRetention());
        // The message server stops after the test clients (cleanups run in reverse) and before the database.
        cleanups.push(() => services.messageServer.close());
        const mqtt = await services.messageServer.start({ pki: services.pki, certificates: services.certificates });
        if (config.mqtt.enabled) {
            services.mqttEndpoints.current = { host: localAddressOf(config.mqtt.host), ...mqtt, tlsServerName: config.mqtt.tlsHosts[0] ?? 'localhost' };
        }
        cleanups.push(() => services.testClients.close());
        const schema = await (0, schema_js_1.createSchema)(services);
        const expressApp = (0, express_1.default)();
        expressApp.disable('x-powered-by');
        const httpLog = (0, runtime_js_1.childLogger)(log, { component: 'http' });
        expressApp.use((0, request_log_js_1.requestLog)(httpLog));
        const httpServer = node_http_1.default.createServer(expressApp);
        const subscriptions = (0, ws_js_1.attachSubscriptions)(httpServer, schema, services);
        let disposed = null;
        const disposeSubscriptions = () => (disposed ??= subscriptions.dispose());
        // MQTT over WebSocket shares the HTTP server (after graphql-ws, whose upgrades it passes on).
        let endMqttWebSockets = () => undefined;
        if (config.mqtt.enabled && config.mqtt.wsEnabled) {
            const accept = (socket, listener) => services.messageServer.accept(socket, listener);
            const mqttWss = (0, websocket_js_1.mqttWebSocketServer)(accept, connection_log_entity_js_1.MqttListener.WS, (config.mqtt.maxPayloadBytes + 8 * 1024) * 2);
            endMqttWebSockets = (0, websocket_js_1.routeMqttUpgrades)(httpServer, config.mqtt.wsPath, mqttWss);
        }
        cleanups.push(disposeSubscriptions);
        const graphqlLog = (0, runtime_js_1.childLogger)(log, { component: 'graphql' });
        const internalErrors = new observability_plugin_js_1.InternalErrors();
        const apollo = new server_1.ApolloServer({
            schema,
            introspection: true,
            includeStacktraceInErrorResponses: false,
            // main.ts handles SIGINT/SIGTERM with app.close(); Apollo's own handler would stop it concurrently and
            // re-raise the signal, leaving app.close() hung (the MQTT listeners never closed, buffered events never written).
            stopOnTerminationSignals: false,
            formatError: (formatted, error) => (0, errors_js_1.formatError)(formatted, error, (err) => {
                if ((0, storage_errors_js_1.isStorageUnavailable)(err))
                    services.storageHealth.markFailed(err instanceof Error ? err.message : 'storage unavailable');
                // Logged with its request id by the observability plugin once the response is ready.
                internalErrors.note(error, err);
            }),
            plugins: [
                (0, drainHttpServer_1.ApolloServerPluginDrainHttpServer)({ httpServer }),
                (0, disabled_1.ApolloServerPluginLandingPageDisabled)(),
                // No HTTP caching of GraphQL answers; without it Apollo wraps no field resolver (measured: ~1 % CPU per field-heavy request).
                (0, disabled_1.ApolloServerPluginCacheControlDisabled)(),
                (0, observability_plugin_js_1.observabilityPlugin)(services.metrics, graphqlLog, internalErrors),
                (0, http_js_2.costLimitPlugin)(config.graphql),
            ],
        });
        await apollo.start();
        cleanups.push(() => apollo.stop());
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
        expressApp.use((0, http_js_1.certificatesRouter)(services));
        const graphiql = (0, graphiql_js_1.graphiqlRouter)(config.graphiqlDir);
        expressApp.use('/graphiql', graphiql.assets);
        expressApp.get('/graphql', graphiql.page);
        expressApp.use('/graphql', express_1.default.json({ limit: config.graphql.maxBodyBytes }), (0, express5_1.expressMiddleware)(apollo, {
            context: async ({ req, res }) => {
                const requestId = (0, request_log_js_1.requestIdOf)(res);
                try {
                    const address = (0, address_js_1.httpClientAddress)(req.socket.remoteAddress, req.headers['x-forwarded-for'], config.throttle.trustProxy);
                    return { ...(await (0, context_js_1.buildContext)(services, req.headers.authorization, address)), ...(requestId ? { requestId } : {}) };
                }
                catch (err) {
                    graphqlLog.error('could not build the GraphQL context', { requestId, err });
                    throw err;
                }
            },
        }));
        expressApp.use(http_js_2.jsonNotFound);
        expressApp.use((0, http_js_2.jsonErrorHandler)(httpLog, config.graphql.maxBodyBytes));
        await new Promise((resolve, reject) => {
            httpServer.once('error', reject);
            httpServer.listen(config.port, config.host, () => {
                httpServer.off('error', reject);
                resolve();
            });
        });
        // Stop accepting, end idle and in-flight HTTP connections, close graphql-ws sockets (1001): upgraded sockets
        // would otherwise keep httpServer.close() waiting for ever.
        cleanups.push(async () => {
            const closed = new Promise((resolve) => httpServer.close(() => resolve()));
            httpServer.closeAllConnections();
            await disposeSubscriptions();
            endMqttWebSockets();
            await closed;
        });
        const port = httpServer.address().port;
        const host = localAddressOf(config.host);
        const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
        log.info(`Portico listening on ${url}/graphql`, { http: url, mqtt: { host: config.mqtt.host, ...mqtt } });
        return { url, graphqlUrl: `${url}/graphql`, port, mqtt, services, close };
    }
    catch (err) {
        await close();
        throw err;
    }
}
//# sourceMappingURL=app.js.map