import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { type App, type AppOptions, createApp } from '../../src/app';
import { type Config, type ConfigOverrides, makeConfig } from '../../src/config/config';
import { dropRedisPrefix } from './redis';

export type DbKind = 'sqlite' | 'postgres';

/** The machine's PostgreSQL (trust auth); each test app gets a database of its own. */
const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestApp extends App {
  dataDir: string;
  config: Config;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  stop(): Promise<void>;
}

export interface GqlResult<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }>;
}

export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `portico_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: async () => {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** This machine's Redis. */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * What instances that act as one share: a PostgreSQL database of the test's own, Redis with every key under a
 * prefix of the test's own, one server secret (plus `extra`). `drop` removes the database and the keys.
 */
export async function clusterConfig(extra: ConfigOverrides = {}, redisUrl = REDIS_URL): Promise<{ config: ConfigOverrides; drop: () => Promise<void> }> {
  const pg = await createPgDatabase();
  const prefix = `portico-test:${crypto.randomBytes(6).toString('hex')}`;
  const config = {
    ...extra,
    database: { type: 'postgres' as const, url: pg.url, sqlitePath: '', logging: false },
    redisUrl,
    serverSecret: crypto.randomBytes(32).toString('base64'),
    scaleOut: { redisKeyPrefix: prefix, ...extra.scaleOut },
  };
  return {
    config,
    drop: async () => {
      await pg.drop();
      await dropRedisPrefix(redisUrl, prefix);
    },
  };
}

export function tempDir(prefix = 'portico-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startTestApp(opts: { db?: DbKind; dataDir?: string; config?: ConfigOverrides; app?: AppOptions } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? tempDir();
  let dropDb: (() => Promise<void>) | undefined;
  let database: Partial<Config['database']> = {};
  if (opts.db === 'postgres') {
    const pg = await createPgDatabase();
    dropDb = pg.drop;
    database = { type: 'postgres', url: pg.url };
  }
  const config = makeConfig({
    host: '127.0.0.1',
    port: 0,
    // Keeps jest's output clean; a test that reads the logs passes its own level and app.logDestination.
    logLevel: 'silent',
    ...opts.config,
    dataDir,
    database: { ...makeConfig({ dataDir }).database, ...database, ...opts.config?.database },
    auth: { tokenTtlSeconds: 3600, passwordHashCost: 1024, ...opts.config?.auth },
    // Mosquitto holds 1883 on this machine: every listener takes an ephemeral port.
    mqtt: { ...makeConfig({ dataDir }).mqtt, host: '127.0.0.1', port: 0, tlsPort: 0, mutualTlsPort: 0, ...opts.config?.mqtt },
  });
  const app = await createApp(config, opts.app);
  const gql = async <T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>> => {
    const res = await fetch(app.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: GqlResult<T>['errors'] };
    return { status: res.status, ...body };
  };
  return {
    ...app,
    dataDir,
    config,
    gql,
    stop: async () => {
      await app.close();
      if (dropDb) await dropDb();
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** Signs up a fresh user and returns its token. */
/** A new user; `orgId`: their personal organization (where operations that name none act). */
export async function signUp(app: TestApp, email = `user${++counter}-${Date.now()}@example.com`): Promise<{ token: string; email: string; id: string; orgId: string }> {
  const r = await app.gql<{ signUp: { token: string; user: { id: string; personalOrganizationId: string } } }>(
    'mutation($e:String!,$p:String!){ signUp(email:$e,password:$p){ token user { id personalOrganizationId } } }',
    { e: email, p: 'correct horse battery' },
  );
  if (!r.data) throw new Error(`signUp failed: ${JSON.stringify(r.errors)}`);
  return { token: r.data.signUp.token, email, id: r.data.signUp.user.id, orgId: r.data.signUp.user.personalOrganizationId };
}

/** Asserts a GraphQL error with the given code and returns its message. */
export function errorCode(r: GqlResult<unknown>): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}

/** Runs a GraphQL operation as `token` and returns its data; any error fails the test with the errors. */
export async function gqlOk<T = any>(app: TestApp, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const r = await app.gql<T>(query, variables, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data as T;
}

/** A Token device and what it logs in with. */
export interface TokenDevice {
  id: string;
  deviceNumber: string;
  username: string;
  key: string;
}

/** Creates a Token device for the user of `token`. */
export async function createTokenDevice(app: TestApp, token: string, input: Record<string, unknown> = {}): Promise<TokenDevice> {
  const data = await gqlOk(app, 'mutation($i:CreateDeviceInput!){ createDevice(input:$i){ id deviceNumber username credentials { deviceKey } } }', { i: { name: 'device', ...input } }, token);
  const d = data.createDevice;
  return { id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
}
