import fs from 'node:fs';
import path from 'node:path';

import { bool, ConfigError, type Env, int, list, oneOf, port, wsPath } from './env.js';
import { type FleetConfig, fleetConfig } from './fleet.js';
import { type ScaleOutConfig, scaleOutConfig } from './scale-out.js';

export type { ScaleOutConfig } from './scale-out.js';

/**
 * The one place that reads the environment. Everything else receives a Config.
 */
export interface DatabaseConfig {
  /** `sqlite` (better-sqlite3, embedded default) or `postgres`. */
  type: 'sqlite' | 'postgres';
  /** SQLite file path (type sqlite). */
  sqlitePath: string;
  /** PostgreSQL connection string (type postgres). */
  url?: string;
  /** Log SQL statements. */
  logging: boolean;
  /** SQLite: a worker thread copies the WAL into the database file every this many ms (0: SQLite's own, in COMMITs). */
  sqliteCheckpointIntervalMs: number;
}

export interface AuthConfig {
  /** Lifetime of session tokens returned by signUp/logIn, in seconds. */
  tokenTtlSeconds: number;
  /** scrypt cost parameter N for password hashing (power of two). */
  passwordHashCost: number;
}

/**
 * Retention applies per owner: one owner's rows never push out another's. There is no global row cap on purpose
 * (any cap over all owners deletes the quietest owners' rows to make room for the busiest one's): storage is
 * bounded by owners × `maxRowsPerOwner` + `maxUnownedRows`, and by `maxAgeDays`.
 */
export interface RetentionConfig {
  /** Rows older than this are deleted; 0 keeps them forever. */
  maxAgeDays: number;
  /** Each owner keeps at most this many rows (its newest); 0 means no limit. */
  maxRowsPerOwner: number;
  /**
   * Rows without an owner (connection log: AUTH_FAILED of unknown client ids) keep at most this many (the newest),
   * a budget of their own apart from every owner's; 0 or absent means no limit.
   */
  maxUnownedRows?: number;
}

export interface MqttConfig {
  /** Start the embedded message server. */
  enabled: boolean;
  host: string;
  /** Plain MQTT, Token authentication. 0 = ephemeral port; null = listener off. */
  port: number | null;
  /** One-way TLS, Token authentication. */
  tlsPort: number | null;
  /** Two-way TLS, Certificate authentication. */
  mutualTlsPort: number | null;
  /** MQTT over WebSocket on the HTTP server, at `wsPath` (Token authentication). */
  wsEnabled: boolean;
  /** Path of MQTT over WebSocket (HTTP server and the TLS WebSocket listener). */
  wsPath: string;
  /** MQTT over a TLS WebSocket listener of its own (Token authentication; server certificate like the TLS port); null = off. */
  wssPort: number | null;
  /** Host names / IPs the platform-issued server certificate is valid for. */
  tlsHosts: string[];
  /** Use this server certificate/key (PEM files) instead of issuing one from the platform CA. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /**
   * Largest PUBLISH payload accepted, in bytes. The largest packet accepted (and advertised as MQTT 5 Maximum
   * Packet Size) is this plus 8 KiB for the topic and properties.
   */
  maxPayloadBytes: number;
  /** Before authentication: a larger CONNECT closes the socket (bytes). */
  connectMaxBytes: number;
  /** Before authentication: a CONNECT not complete after this long closes the socket (ms). */
  connectTimeoutMs: number;
  /** MQTT 5: topic aliases a client may set per connection (advertised in CONNACK); 0 = none. */
  topicAliasMaximum: number;
  /** At most this many disconnected sessions wait for their expiry or delayed will (timers). */
  pendingSessionsLimit: number;
  /**
   * Messages the broker routes at once (aedes/mqemitter `concurrency`); beyond it they wait in a queue that is
   * drained by this many per event-loop turn (each delivery releases its slot on the next turn). One instance;
   * scale-out's Redis emitter has no such limit.
   */
  routingConcurrency: number;
  /**
   * A client with more than this many bytes waiting to be sent to it (it does not read) is disconnected; at least
   * twice the largest packet.
   */
  maxOutgoingBufferBytes: number;
  /** How long a successful credential lookup is cached (ms). */
  authCacheTtlMs: number;
  /** Device events are written in batches of at most this many rows... */
  eventBatchSize: number;
  /** ...or after this many ms, whichever comes first. */
  eventFlushIntervalMs: number;
  connectionLogRetention: RetentionConfig;
  deviceEventRetention: RetentionConfig;
  /** How often retention is enforced (ms). */
  retentionIntervalMs: number;
  /** Latest value per device and topic: at most this many topics per device (0 = latest values are not kept). */
  latestTopicsPerDevice: number;
  /** MQTT 5: the Server Reference sent with DISCONNECT 0x8B when this instance shuts down (another server to use); null = none. */
  serverReference: string | null;
}

/** History queries (connection log, device events): run off the event loop, bounded in time. */
export interface ReadsConfig {
  /** SQLite: worker threads running history queries (each with its own read-only connection); PostgreSQL: read pool connections. */
  workers: number;
  /** A history query running longer than this is stopped with QUERY_TIMEOUT (ms). */
  queryTimeoutMs: number;
  /** A history query waits at most this long for rows still buffered by the batch writer (read your writes; ms, 0 = never). */
  readYourWritesMs: number;
}

export interface PkiConfig {
  /** Key algorithm of a generated platform CA. */
  caKeyAlgorithm: 'ECDSA' | 'RSA';
  caValidityDays: number;
  /** Load an existing CA (PEM files) instead of generating one. */
  caCertFile?: string;
  caKeyFile?: string;
  /** Default validity of issued device certificates. */
  defaultCertValidityDays: number;
}

export interface TestClientConfig {
  /** At most this many server-side test client sessions per user. */
  maxSessionsPerUser: number;
  /** A session with no activity for this long is stopped (ms). */
  idleTimeoutMs: number;
  /** Messages kept per session (reported + received); older ones are dropped and counted. */
  bufferSize: number;
  /** Give up connecting after this long (ms). */
  connectTimeoutMs: number;
}

/** How many failed attempts one key may make before it is refused for a while. */
export interface FailureLimit {
  /** Failures allowed per account / client id within `windowSeconds`; 0 switches the throttle off. */
  maxFailures: number;
  /** Failures per remote address within `windowSeconds` (whatever the account) that block it; 0 = no address limit. */
  maxFailuresPerAddress: number;
  /** Failures are counted over this many seconds. */
  windowSeconds: number;
  /** Once the limit is exceeded, attempts are refused for this many seconds. */
  blockSeconds: number;
}

export interface ThrottleConfig {
  /** GraphQL `logIn`: failures per account (e-mail) and per remote address. */
  login: FailureLimit;
  /** MQTT authentication: failures per client id and per remote address. */
  mqttAuth: FailureLimit;
  /** Take the login's remote address from X-Forwarded-For (last entry): only behind a trusted reverse proxy. */
  trustProxy: boolean;
  /** Prefix of the throttle counters in Redis (with REDIS_URL; shared by every instance). */
  redisKeyPrefix: string;
  /** AUTH_FAILED rows of one client id and reason are folded into one row (with a count) per this many ms. */
  authFailedLogWindowMs: number;
  /** At most this many (client id, reason) keys are being folded at once; the oldest is written early beyond. */
  authFailedLogMaxKeys: number;
}

/** Limits of the GraphQL API (HTTP and graphql-ws), checked before an operation runs. */
export interface GraphQLLimitsConfig {
  /** Deepest field nesting of an operation (introspection's `ofType` chains do not count). */
  maxDepth: number;
  /** Aliased fields in an operation. */
  maxAliases: number;
  /** Field selections in an operation, fragments expanded. */
  maxFields: number;
  /** Objects an operation may ask for: each object field counts the rows above it (`first` multiplied along the nesting). */
  maxCost: number;
  /** Largest POST /graphql body, in bytes. */
  maxBodyBytes: number;
  /** Open graphql-ws subscriptions per user on this instance (all of the user's sockets). */
  maxSubscriptionsPerUser: number;
  /** Open graphql-ws subscriptions per socket. */
  maxSubscriptionsPerSocket: number;
  /** A subscription socket whose unsent data exceeds this many bytes is closed (slow reader). */
  maxSocketBufferedBytes: number;
}

export interface Config {
  /** HTTP host to bind. */
  host: string;
  /** HTTP port; 0 picks an ephemeral one (tests). */
  port: number;
  /** Directory for embedded state: SQLite file, generated server secret. */
  dataDir: string;
  /**
   * Server secret (base64 or hex, ≥ 32 bytes) used to encrypt device keys at rest and sign tokens.
   * When absent, one is generated into `<dataDir>/server-secret` on first start.
   */
  serverSecret?: string;
  database: DatabaseConfig;
  auth: AuthConfig;
  mqtt: MqttConfig;
  reads: ReadsConfig;
  pki: PkiConfig;
  testClient: TestClientConfig;
  /** Throttling of failed logins and MQTT authentications; aggregation of AUTH_FAILED log rows. */
  throttle: ThrottleConfig;
  graphql: GraphQLLimitsConfig;
  /** Last seen times, counters and inactivity of devices (src/fleet). */
  fleet: FleetConfig;
  /** Redis for scale-out (MQTT message fan-out, GraphQL subscription events across instances). */
  redisUrl?: string;
  /** This instance's id; generated into `<dataDir>/instance-id` when not configured. */
  instanceId?: string;
  /** With Redis configured, the start fails when Redis has not answered within this many ms. */
  redisStartTimeoutMs: number;
  scaleOut: ScaleOutConfig;
  /** Directory of the GraphiQL bundle built by `npm run build` (served at GET /graphql to browsers). */
  graphiqlDir: string;
  /** Log level for the server's own messages. */
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** `close()` (SIGTERM) completes within this many ms, whatever clients are connected. */
  shutdownTimeoutMs: number;
}

/** The directory holding package.json, from src/config or dist/src/config alike. */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Reads configuration from the environment (defaults: embedded SQLite under ./data, HTTP on 4000). */
export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.PORTICO_DATA_DIR || 'data');
  const databaseUrl = env.DATABASE_URL || undefined;
  if (env.PORTICO_INSTANCE_ID && !/^[A-Za-z0-9_.:-]{1,64}$/.test(env.PORTICO_INSTANCE_ID)) {
    throw new ConfigError('PORTICO_INSTANCE_ID may only use letters, digits and _ . : - (at most 64)');
  }
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  for (const name of ['PORTICO_CONNECTION_LOG_MAX_ROWS', 'PORTICO_DEVICE_EVENT_MAX_ROWS']) {
    // A global cap is gone (retention is per owner); refuse rather than silently ignore an operator's setting.
    if (env[name]) throw new ConfigError(`${name} is no longer supported: retention is per owner, set ${name}_PER_OWNER`);
  }
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return {
    host: env.PORTICO_HOST || '0.0.0.0',
    port: int(env, 'PORT', 4000),
    dataDir,
    serverSecret: env.PORTICO_SERVER_SECRET || undefined,
    database: {
      type: databaseUrl ? 'postgres' : 'sqlite',
      sqlitePath: path.resolve(dataDir, env.PORTICO_SQLITE_FILE || 'portico.sqlite'),
      url: databaseUrl,
      logging: bool(env, 'PORTICO_SQL_LOGGING', false),
      sqliteCheckpointIntervalMs: int(env, 'PORTICO_SQLITE_CHECKPOINT_INTERVAL_MS', 100, 0),
    },
    auth: {
      tokenTtlSeconds: int(env, 'PORTICO_TOKEN_TTL_SECONDS', 12 * 3600, 1),
      passwordHashCost: int(env, 'PORTICO_PASSWORD_HASH_COST', 16384, 2),
    },
    mqtt: {
      enabled: bool(env, 'PORTICO_MQTT_ENABLED', true),
      host: env.PORTICO_MQTT_HOST || '0.0.0.0',
      port: port(env, 'PORTICO_MQTT_PORT', 1883),
      tlsPort: port(env, 'PORTICO_MQTTS_PORT', 8883),
      mutualTlsPort: port(env, 'PORTICO_MQTTS_MUTUAL_PORT', 8884),
      wsEnabled: bool(env, 'PORTICO_MQTT_WS_ENABLED', true),
      wsPath: wsPath(env),
      wssPort: port(env, 'PORTICO_MQTT_WSS_PORT', null),
      tlsHosts: list(env, 'PORTICO_TLS_HOSTS', ['localhost', '127.0.0.1']),
      tlsCertFile: env.PORTICO_TLS_CERT_FILE || undefined,
      tlsKeyFile: env.PORTICO_TLS_KEY_FILE || undefined,
      maxPayloadBytes: int(env, 'PORTICO_MQTT_MAX_PAYLOAD_BYTES', 256 * 1024, 1),
      connectMaxBytes: int(env, 'PORTICO_MQTT_CONNECT_MAX_BYTES', 64 * 1024, 64),
      connectTimeoutMs: int(env, 'PORTICO_MQTT_CONNECT_TIMEOUT_MS', 10_000, 1),
      topicAliasMaximum: int(env, 'PORTICO_MQTT_TOPIC_ALIAS_MAXIMUM', 32),
      pendingSessionsLimit: int(env, 'PORTICO_MQTT_PENDING_SESSIONS_LIMIT', 100_000),
      routingConcurrency: int(env, 'PORTICO_MQTT_ROUTING_CONCURRENCY', 10_000),
      maxOutgoingBufferBytes: int(env, 'PORTICO_MQTT_MAX_OUTGOING_BUFFER_BYTES', 8 * 1024 * 1024, 1),
      authCacheTtlMs: int(env, 'PORTICO_MQTT_AUTH_CACHE_TTL_MS', 60_000),
      eventBatchSize: int(env, 'PORTICO_EVENT_BATCH_SIZE', 500, 1),
      eventFlushIntervalMs: int(env, 'PORTICO_EVENT_FLUSH_INTERVAL_MS', 10, 1),
      connectionLogRetention: {
        maxAgeDays: int(env, 'PORTICO_CONNECTION_LOG_MAX_AGE_DAYS', 90),
        maxRowsPerOwner: int(env, 'PORTICO_CONNECTION_LOG_MAX_ROWS_PER_OWNER', 100_000),
        maxUnownedRows: int(env, 'PORTICO_CONNECTION_LOG_MAX_UNOWNED_ROWS', 10_000),
      },
      deviceEventRetention: {
        maxAgeDays: int(env, 'PORTICO_DEVICE_EVENT_MAX_AGE_DAYS', 30),
        maxRowsPerOwner: int(env, 'PORTICO_DEVICE_EVENT_MAX_ROWS_PER_OWNER', 1_000_000),
      },
      retentionIntervalMs: int(env, 'PORTICO_RETENTION_INTERVAL_MS', 10 * 60_000, 1),
      latestTopicsPerDevice: int(env, 'PORTICO_LATEST_TOPICS_PER_DEVICE', 100),
      serverReference: env.PORTICO_MQTT_SERVER_REFERENCE || null,
    },
    reads: {
      workers: int(env, 'PORTICO_READ_WORKERS', 2, 1),
      queryTimeoutMs: int(env, 'PORTICO_QUERY_TIMEOUT_MS', 5000, 1),
      readYourWritesMs: int(env, 'PORTICO_READ_YOUR_WRITES_MS', 200),
    },
    pki: {
      caKeyAlgorithm: oneOf(env, 'PORTICO_CA_KEY_ALGORITHM', ['ECDSA', 'RSA'] as const, 'ECDSA'),
      caValidityDays: int(env, 'PORTICO_CA_VALIDITY_DAYS', 20 * 365, 1),
      caCertFile: env.PORTICO_CA_CERT_FILE || undefined,
      caKeyFile: env.PORTICO_CA_KEY_FILE || undefined,
      defaultCertValidityDays: int(env, 'PORTICO_CERT_VALIDITY_DAYS', 365, 1),
    },
    testClient: {
      maxSessionsPerUser: int(env, 'PORTICO_TEST_CLIENT_MAX_SESSIONS', 5, 1),
      idleTimeoutMs: int(env, 'PORTICO_TEST_CLIENT_IDLE_TIMEOUT_MS', 30 * 60_000, 1),
      bufferSize: int(env, 'PORTICO_TEST_CLIENT_BUFFER_SIZE', 1000, 1),
      connectTimeoutMs: int(env, 'PORTICO_TEST_CLIENT_CONNECT_TIMEOUT_MS', 10_000, 1),
    },
    throttle: {
      login: {
        maxFailures: int(env, 'PORTICO_LOGIN_MAX_FAILURES', 10),
        maxFailuresPerAddress: int(env, 'PORTICO_LOGIN_MAX_FAILURES_PER_ADDRESS', 100),
        windowSeconds: int(env, 'PORTICO_LOGIN_WINDOW_SECONDS', 600, 1),
        blockSeconds: int(env, 'PORTICO_LOGIN_BLOCK_SECONDS', 300, 1),
      },
      mqttAuth: {
        maxFailures: int(env, 'PORTICO_MQTT_AUTH_MAX_FAILURES', 10),
        maxFailuresPerAddress: int(env, 'PORTICO_MQTT_AUTH_MAX_FAILURES_PER_ADDRESS', 200),
        windowSeconds: int(env, 'PORTICO_MQTT_AUTH_WINDOW_SECONDS', 60, 1),
        blockSeconds: int(env, 'PORTICO_MQTT_AUTH_BLOCK_SECONDS', 60, 1),
      },
      trustProxy: bool(env, 'PORTICO_TRUST_PROXY', false),
      redisKeyPrefix: env.PORTICO_THROTTLE_REDIS_PREFIX || 'portico:throttle',
      authFailedLogWindowMs: int(env, 'PORTICO_AUTH_FAILED_LOG_WINDOW_MS', 60_000),
      authFailedLogMaxKeys: int(env, 'PORTICO_AUTH_FAILED_LOG_MAX_KEYS', 10_000, 1),
    },
    graphql: {
      maxDepth: int(env, 'PORTICO_GRAPHQL_MAX_DEPTH', 12, 1),
      maxAliases: int(env, 'PORTICO_GRAPHQL_MAX_ALIASES', 30),
      maxFields: int(env, 'PORTICO_GRAPHQL_MAX_FIELDS', 1000, 1),
      maxCost: int(env, 'PORTICO_GRAPHQL_MAX_COST', 10_000, 1),
      maxBodyBytes: int(env, 'PORTICO_GRAPHQL_MAX_BODY_BYTES', 1024 * 1024, 1024),
      maxSubscriptionsPerUser: int(env, 'PORTICO_GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER', 100, 1),
      maxSubscriptionsPerSocket: int(env, 'PORTICO_GRAPHQL_MAX_SUBSCRIPTIONS_PER_SOCKET', 100, 1),
      maxSocketBufferedBytes: int(env, 'PORTICO_GRAPHQL_MAX_SOCKET_BUFFERED_BYTES', 4 * 1024 * 1024, 1024),
    },
    fleet: fleetConfig(env),
    redisUrl: env.REDIS_URL || undefined,
    instanceId: env.PORTICO_INSTANCE_ID || undefined,
    redisStartTimeoutMs: int(env, 'PORTICO_REDIS_START_TIMEOUT_MS', 10_000, 1),
    scaleOut: scaleOutConfig(env),
    graphiqlDir: path.resolve(env.PORTICO_GRAPHIQL_DIR || path.join(packageRoot(), 'dist', 'graphiql')),
    logLevel: oneOf(env, 'PORTICO_LOG_LEVEL', ['silent', 'error', 'warn', 'info', 'debug'] as const, 'info'),
    shutdownTimeoutMs: int(env, 'PORTICO_SHUTDOWN_TIMEOUT_MS', 10_000, 100),
  };
}

/** Settings to change from the defaults (sections merged field by field). */
export type ConfigOverrides = Partial<Omit<Config, 'scaleOut' | 'database'>> & { scaleOut?: Partial<ScaleOutConfig>; database?: Partial<DatabaseConfig> };

/** A Config for tests and embedding: defaults, with overrides merged in. */
export function makeConfig(overrides: ConfigOverrides & { dataDir: string }): Config {
  const base = loadConfig({});
  const dataDir = path.resolve(overrides.dataDir);
  return {
    ...base,
    ...overrides,
    dataDir,
    database: {
      ...base.database,
      sqlitePath: path.join(dataDir, 'portico.sqlite'),
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
    fleet: { ...base.fleet, ...overrides.fleet },
  };
}
