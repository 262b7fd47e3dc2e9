"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.loadConfig = loadConfig;
exports.makeConfig = makeConfig;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const env_js_1 = require("./env.js");
/** The directory holding package.json, from src/config or dist/src/config alike. */
function packageRoot() {
    let dir = __dirname;
    while (!node_fs_1.default.existsSync(node_path_1.default.join(dir, 'package.json')) && node_path_1.default.dirname(dir) !== dir)
        dir = node_path_1.default.dirname(dir);
    return dir;
}
/** Reads configuration from the environment (defaults: embedded SQLite under ./data, HTTP on 4000). */
function loadConfig(env = process.env) {
    const dataDir = node_path_1.default.resolve(env.PORTICO_DATA_DIR || 'data');
    const databaseUrl = env.DATABASE_URL || undefined;
    if (env.PORTICO_INSTANCE_ID && !/^[A-Za-z0-9_.:-]{1,64}$/.test(env.PORTICO_INSTANCE_ID)) {
        throw new env_js_1.ConfigError('PORTICO_INSTANCE_ID may only use letters, digits and _ . : - (at most 64)');
    }
    if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL))
        throw new env_js_1.ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
    for (const name of ['PORTICO_CONNECTION_LOG_MAX_ROWS', 'PORTICO_DEVICE_EVENT_MAX_ROWS']) {
        // A global cap is gone (retention is per owner); refuse rather than silently ignore an operator's setting.
        if (env[name])
            throw new env_js_1.ConfigError(`${name} is no longer supported: retention is per owner, set ${name}_PER_OWNER`);
    }
    if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
        throw new env_js_1.ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
    }
    return {
        host: env.PORTICO_HOST || '0.0.0.0',
        port: (0, env_js_1.int)(env, 'PORT', 4000),
        dataDir,
        serverSecret: env.PORTICO_SERVER_SECRET || undefined,
        database: {
            type: databaseUrl ? 'postgres' : 'sqlite',
            sqlitePath: node_path_1.default.resolve(dataDir, env.PORTICO_SQLITE_FILE || 'portico.sqlite'),
            url: databaseUrl,
            logging: (0, env_js_1.bool)(env, 'PORTICO_SQL_LOGGING', false),
        },
        auth: {
            tokenTtlSeconds: (0, env_js_1.int)(env, 'PORTICO_TOKEN_TTL_SECONDS', 12 * 3600, 1),
            passwordHashCost: (0, env_js_1.int)(env, 'PORTICO_PASSWORD_HASH_COST', 16384, 2),
        },
        mqtt: {
            enabled: (0, env_js_1.bool)(env, 'PORTICO_MQTT_ENABLED', true),
            host: env.PORTICO_MQTT_HOST || '0.0.0.0',
            port: (0, env_js_1.port)(env, 'PORTICO_MQTT_PORT', 1883),
            tlsPort: (0, env_js_1.port)(env, 'PORTICO_MQTTS_PORT', 8883),
            mutualTlsPort: (0, env_js_1.port)(env, 'PORTICO_MQTTS_MUTUAL_PORT', 8884),
            wsEnabled: (0, env_js_1.bool)(env, 'PORTICO_MQTT_WS_ENABLED', true),
            wsPath: (0, env_js_1.wsPath)(env),
            wssPort: (0, env_js_1.port)(env, 'PORTICO_MQTT_WSS_PORT', null),
            tlsHosts: (0, env_js_1.list)(env, 'PORTICO_TLS_HOSTS', ['localhost', '127.0.0.1']),
            tlsCertFile: env.PORTICO_TLS_CERT_FILE || undefined,
            tlsKeyFile: env.PORTICO_TLS_KEY_FILE || undefined,
            maxPayloadBytes: (0, env_js_1.int)(env, 'PORTICO_MQTT_MAX_PAYLOAD_BYTES', 256 * 1024, 1),
            connectMaxBytes: (0, env_js_1.int)(env, 'PORTICO_MQTT_CONNECT_MAX_BYTES', 64 * 1024, 64),
            connectTimeoutMs: (0, env_js_1.int)(env, 'PORTICO_MQTT_CONNECT_TIMEOUT_MS', 10_000, 1),
            topicAliasMaximum: (0, env_js_1.int)(env, 'PORTICO_MQTT_TOPIC_ALIAS_MAXIMUM', 32),
            pendingSessionsLimit: (0, env_js_1.int)(env, 'PORTICO_MQTT_PENDING_SESSIONS_LIMIT', 100_000),
            authCacheTtlMs: (0, env_js_1.int)(env, 'PORTICO_MQTT_AUTH_CACHE_TTL_MS', 60_000),
            eventBatchSize: (0, env_js_1.int)(env, 'PORTICO_EVENT_BATCH_SIZE', 500, 1),
            eventFlushIntervalMs: (0, env_js_1.int)(env, 'PORTICO_EVENT_FLUSH_INTERVAL_MS', 10, 1),
            connectionLogRetention: {
                maxAgeDays: (0, env_js_1.int)(env, 'PORTICO_CONNECTION_LOG_MAX_AGE_DAYS', 90),
                maxRowsPerOwner: (0, env_js_1.int)(env, 'PORTICO_CONNECTION_LOG_MAX_ROWS_PER_OWNER', 100_000),
                maxUnownedRows: (0, env_js_1.int)(env, 'PORTICO_CONNECTION_LOG_MAX_UNOWNED_ROWS', 10_000),
            },
            deviceEventRetention: {
                maxAgeDays: (0, env_js_1.int)(env, 'PORTICO_DEVICE_EVENT_MAX_AGE_DAYS', 30),
                maxRowsPerOwner: (0, env_js_1.int)(env, 'PORTICO_DEVICE_EVENT_MAX_ROWS_PER_OWNER', 1_000_000),
            },
            retentionIntervalMs: (0, env_js_1.int)(env, 'PORTICO_RETENTION_INTERVAL_MS', 10 * 60_000, 1),
            latestTopicsPerDevice: (0, env_js_1.int)(env, 'PORTICO_LATEST_TOPICS_PER_DEVICE', 100),
        },
        reads: {
            workers: (0, env_js_1.int)(env, 'PORTICO_READ_WORKERS', 2, 1),
            queryTimeoutMs: (0, env_js_1.int)(env, 'PORTICO_QUERY_TIMEOUT_MS', 5000, 1),
            readYourWritesMs: (0, env_js_1.int)(env, 'PORTICO_READ_YOUR_WRITES_MS', 200),
        },
        pki: {
            caKeyAlgorithm: (0, env_js_1.oneOf)(env, 'PORTICO_CA_KEY_ALGORITHM', ['ECDSA', 'RSA'], 'ECDSA'),
            caValidityDays: (0, env_js_1.int)(env, 'PORTICO_CA_VALIDITY_DAYS', 20 * 365, 1),
            caCertFile: env.PORTICO_CA_CERT_FILE || undefined,
            caKeyFile: env.PORTICO_CA_KEY_FILE || undefined,
            defaultCertValidityDays: (0, env_js_1.int)(env, 'PORTICO_CERT_VALIDITY_DAYS', 365, 1),
        },
        testClient: {
            maxSessionsPerUser: (0, env_js_1.int)(env, 'PORTICO_TEST_CLIENT_MAX_SESSIONS', 5, 1),
            idleTimeoutMs: (0, env_js_1.int)(env, 'PORTICO_TEST_CLIENT_IDLE_TIMEOUT_MS', 30 * 60_000, 1),
            bufferSize: (0, env_js_1.int)(env, 'PORTICO_TEST_CLIENT_BUFFER_SIZE', 1000, 1),
            connectTimeoutMs: (0, env_js_1.int)(env, 'PORTICO_TEST_CLIENT_CONNECT_TIMEOUT_MS', 10_000, 1),
        },
        throttle: {
            login: {
                maxFailures: (0, env_js_1.int)(env, 'PORTICO_LOGIN_MAX_FAILURES', 10),
                maxFailuresPerAddress: (0, env_js_1.int)(env, 'PORTICO_LOGIN_MAX_FAILURES_PER_ADDRESS', 100),
                windowSeconds: (0, env_js_1.int)(env, 'PORTICO_LOGIN_WINDOW_SECONDS', 600, 1),
                blockSeconds: (0, env_js_1.int)(env, 'PORTICO_LOGIN_BLOCK_SECONDS', 300, 1),
            },
            mqttAuth: {
                maxFailures: (0, env_js_1.int)(env, 'PORTICO_MQTT_AUTH_MAX_FAILURES', 10),
                maxFailuresPerAddress: (0, env_js_1.int)(env, 'PORTICO_MQTT_AUTH_MAX_FAILURES_PER_ADDRESS', 200),
                windowSeconds: (0, env_js_1.int)(env, 'PORTICO_MQTT_AUTH_WINDOW_SECONDS', 60, 1),
                blockSeconds: (0, env_js_1.int)(env, 'PORTICO_MQTT_AUTH_BLOCK_SECONDS', 60, 1),
            },
            trustProxy: (0, env_js_1.bool)(env, 'PORTICO_TRUST_PROXY', false),
            redisKeyPrefix: env.PORTICO_THROTTLE_REDIS_PREFIX || 'portico:throttle',
            authFailedLogWindowMs: (0, env_js_1.int)(env, 'PORTICO_AUTH_FAILED_LOG_WINDOW_MS', 60_000),
            authFailedLogMaxKeys: (0, env_js_1.int)(env, 'PORTICO_AUTH_FAILED_LOG_MAX_KEYS', 10_000, 1),
        },
        graphql: {
            maxDepth: (0, env_js_1.int)(env, 'PORTICO_GRAPHQL_MAX_DEPTH', 12, 1),
            maxAliases: (0, env_js_1.int)(env, 'PORTICO_GRAPHQL_MAX_ALIASES', 30),
            maxFields: (0, env_js_1.int)(env, 'PORTICO_GRAPHQL_MAX_FIELDS', 1000, 1),
            maxCost: (0, env_js_1.int)(env, 'PORTICO_GRAPHQL_MAX_COST', 10_000, 1),
            maxBodyBytes: (0, env_js_1.int)(env, 'PORTICO_GRAPHQL_MAX_BODY_BYTES', 1024 * 1024, 1024),
            maxSubscriptionsPerUser: (0, env_js_1.int)(env, 'PORTICO_GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER', 100, 1),
            maxSubscriptionsPerSocket: (0, env_js_1.int)(env, 'PORTICO_GRAPHQL_MAX_SUBSCRIPTIONS_PER_SOCKET', 100, 1),
            maxSocketBufferedBytes: (0, env_js_1.int)(env, 'PORTICO_GRAPHQL_MAX_SOCKET_BUFFERED_BYTES', 4 * 1024 * 1024, 1024),
        },
        redisUrl: env.REDIS_URL || undefined,
        instanceId: env.PORTICO_INSTANCE_ID || undefined,
        redisStartTimeoutMs: (0, env_js_1.int)(env, 'PORTICO_REDIS_START_TIMEOUT_MS', 10_000, 1),
        scaleOut: {
            registryCheckIntervalMs: (0, env_js_1.int)(env, 'PORTICO_REGISTRY_CHECK_INTERVAL_MS', 5000, 10),
        },
        graphiqlDir: node_path_1.default.resolve(env.PORTICO_GRAPHIQL_DIR || node_path_1.default.join(packageRoot(), 'dist', 'graphiql')),
        logLevel: (0, env_js_1.oneOf)(env, 'PORTICO_LOG_LEVEL', ['silent', 'error', 'warn', 'info', 'debug'], 'info'),
        shutdownTimeoutMs: (0, env_js_1.int)(env, 'PORTICO_SHUTDOWN_TIMEOUT_MS', 10_000, 100),
    };
}
/** A Config for tests and embedding: defaults, with overrides merged in. */
function makeConfig(overrides) {
    const base = loadConfig({});
    const dataDir = node_path_1.default.resolve(overrides.dataDir);
    return {
        ...base,
        ...overrides,
        dataDir,
        database: {
            ...base.database,
            sqlitePath: node_path_1.default.join(dataDir, 'portico.sqlite'),
            ...overrides.database,
        },
        auth: { ...base.auth, ...overrides.auth },
        mqtt: {
            ...base.mqtt,
            ...overrides.mqtt,
            connectionLogRetention: { ...base.mqtt.connectionLogRetention, ...overrides.mqtt?.connectionLogRetention },
            deviceEventRetention: { ...base.mqtt.deviceEventRetention, ...overrides.mqtt?.deviceEventRetention },
        },
        reads: { ...base.reads, ...overrides.reads },
        pki: { ...base.pki, ...overrides.pki },
        testClient: { ...base.testClient, ...overrides.testClient },
        scaleOut: { ...base.scaleOut, ...overrides.scaleOut },
        throttle: {
            ...base.throttle,
            ...overrides.throttle,
            login: { ...base.throttle.login, ...overrides.throttle?.login },
            mqttAuth: { ...base.throttle.mqttAuth, ...overrides.throttle?.mqttAuth },
        },
        graphql: { ...base.graphql, ...overrides.graphql },
    };
}
//# sourceMappingURL=config.js.map