"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createServices = createServices;
const index_js_1 = require("./access/index.js");
const index_js_2 = require("./audit/index.js");
const events_js_1 = require("./common/events.js");
const index_js_3 = require("./organizations/index.js");
const runtime_js_1 = require("./common/runtime.js");
const connection_log_service_js_1 = require("./broker/connection-log.service.js");
const device_event_service_js_1 = require("./broker/device-event.service.js");
const latest_values_js_1 = require("./broker/latest-values.js");
const message_server_js_1 = require("./mqtt/message-server.js");
const commands_service_js_1 = require("./commands/commands.service.js");
const certificate_service_js_1 = require("./certificates/certificate.service.js");
const credential_service_js_1 = require("./credentials/credential.service.js");
const device_service_js_1 = require("./devices/device.service.js");
const pki_service_js_1 = require("./pki/pki.service.js");
const health_js_1 = require("./db/health.js");
const read_pool_js_1 = require("./db/read-pool.js");
const reads_js_1 = require("./db/reads.js");
const throttles_js_1 = require("./security/throttles.js");
const pubsub_js_1 = require("./realtime/pubsub.js");
const test_client_service_js_1 = require("./testclient/test-client.service.js");
const user_service_js_1 = require("./users/user.service.js");
const metrics_js_1 = require("./observability/metrics.js");
function createServices(config, ds, secrets, clock, log, instanceId) {
    const bus = new events_js_1.RegistryBus();
    const metrics = new metrics_js_1.AppMetrics(instanceId);
    const storageLog = (0, runtime_js_1.childLogger)(log, { component: 'storage' });
    const storageHealth = new health_js_1.StorageHealth((0, health_js_1.storageProbe)(ds, clock));
    let faulted = false;
    storageHealth.on('change', ({ ok, reason }) => {
        if (ok)
            storageLog.warn('storage available again: writes resume');
        else if (reason !== null && !faulted)
            storageLog.error('storage unavailable: writes refused until it recovers', { reason });
        faulted = !ok;
    });
    const throttles = (0, throttles_js_1.createThrottles)(config.throttle, config.redisUrl, (0, runtime_js_1.childLogger)(log, { component: 'security' }));
    const connectThrottle = throttles.mqttAuth;
    const pubSub = (0, pubsub_js_1.createAppPubSub)(config.redisUrl ? { redisUrl: config.redisUrl, log } : undefined);
    const access = new index_js_1.AccessService(ds, bus);
    const audit = new index_js_2.AuditService(ds, clock, { maxAgeDays: config.mqtt.connectionLogRetention.maxAgeDays, intervalMs: config.mqtt.retentionIntervalMs });
    const organizations = new index_js_3.OrganizationService(ds, secrets, audit, bus, clock);
    const users = new user_service_js_1.UserService(ds, secrets, config.auth, clock, bus, audit, throttles.login);
    const credentials = new credential_service_js_1.CredentialService(ds, secrets, clock);
    const devices = new device_service_js_1.DeviceService(ds, credentials, bus, clock, audit);
    const pki = new pki_service_js_1.PkiService(ds, secrets, config, clock, (0, runtime_js_1.childLogger)(log, { component: 'pki' }));
    const certificates = new certificate_service_js_1.CertificateService(ds, pki, devices, secrets, bus, config.pki, clock, (0, runtime_js_1.childLogger)(log, { component: 'certificates' }), audit);
    const mqttEndpoints = { current: null };
    const testClients = new test_client_service_js_1.TestClientService(config.testClient, config.mqtt.maxPayloadBytes, devices, credentials, certificates, pki, () => mqttEndpoints.current, clock, (0, runtime_js_1.childLogger)(log, { component: 'testclient' }), bus, audit);
    const reader = new reads_js_1.Reader(ds, (0, read_pool_js_1.createReadPool)(config.database, config.reads, storageLog));
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
        observeCommit: (table, seconds) => metrics.batchCommitted(table, seconds),
    };
    const connectionLog = new connection_log_service_js_1.ConnectionLogService(storeOptions, { windowMs: config.throttle.authFailedLogWindowMs, maxKeys: config.throttle.authFailedLogMaxKeys });
    const latest = config.mqtt.latestTopicsPerDevice > 0 ? new latest_values_js_1.LatestValues(ds, config.mqtt.latestTopicsPerDevice) : null;
    const deviceEvents = new device_event_service_js_1.DeviceEventService(storeOptions, latest);
    const messageServer = new message_server_js_1.MessageServer({ config: config.mqtt, instanceId, redisUrl: config.redisUrl, clock, log: (0, runtime_js_1.childLogger)(log, { component: 'mqtt' }), bus, pubSub, credentials, devices, connectionLog, deviceEvents, connectThrottle });
    const commands = new commands_service_js_1.CommandService(devices, messageServer, deviceEvents, pubSub, config.mqtt.maxPayloadBytes, audit);
    return { access, audit, organizations, metrics, commands, config, instanceId, ds, secrets, clock, log, bus, storageHealth, connectThrottle, throttles, pubSub, users, credentials, devices, pki, certificates, mqttEndpoints, testClients, reader, connectionLog, deviceEvents, messageServer };
}
//# sourceMappingURL=services.js.map