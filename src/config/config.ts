import path from 'node:path';

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
}

export interface AuthConfig {
  /** Lifetime of session tokens returned by signUp/logIn, in seconds. */
  tokenTtlSeconds: number;
  /** scrypt cost parameter N for password hashing (power of two). */
  passwordHashCost: number;
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
  /** Log level for the server's own messages. */
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be a boolean, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** Reads configuration from the environment (defaults: embedded SQLite under ./data, HTTP on 4000). */
export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.PORTICO_DATA_DIR || 'data');
  const databaseUrl = env.DATABASE_URL || undefined;
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
    },
    auth: {
      tokenTtlSeconds: int(env, 'PORTICO_TOKEN_TTL_SECONDS', 12 * 3600, 1),
      passwordHashCost: int(env, 'PORTICO_PASSWORD_HASH_COST', 16384, 2),
    },
    logLevel: oneOf(env, 'PORTICO_LOG_LEVEL', ['silent', 'error', 'warn', 'info', 'debug'] as const, 'info'),
  };
}

/** A Config for tests and embedding: defaults, with overrides merged in. */
export function makeConfig(overrides: Partial<Config> & { dataDir: string }): Config {
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
  };
}
