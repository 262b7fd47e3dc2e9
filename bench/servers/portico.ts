import fs from 'node:fs';
import path from 'node:path';

import { repoRoot } from '../lib/env.js';
import { gql } from '../lib/graphql.js';
import { pool } from '../lib/mqtt-raw.js';
import { makeTempDir, removeTempDir, startChild } from '../lib/procs.js';
import type { DeviceCredentials, Target } from './target.js';

export interface PorticoTarget extends Target {
  name: 'portico';
  httpUrl: string;
  graphqlUrl: string;
  /** Bearer token of the bench user (owner of every bench device). */
  token: string;
  dataDir: string;
  sqlitePath: string;
  /** Device events stored in the SQLite file whose topic starts with `topicPrefix`. */
  countEvents(topicPrefix: string): number;
}

interface ReadyLine {
  ready: true;
  http: number;
  mqtt: number | null;
  mqtts: number | null;
}

interface Sqlite {
  prepare(sql: string): { get(...params: unknown[]): unknown };
  pragma(sql: string): unknown;
  close(): void;
}

const DEVICE_FIELDS = 'id deviceNumber username credentials { deviceKey }';
interface CreatedDevice {
  id: string;
  deviceNumber: string;
  username: string;
  credentials: { deviceKey: string | null };
}

/**
 * The Node.js flags `npm start` runs Portico with (package.json's start script: `node <flags> dist/src/main.js`), read
 * from this bench's own checkout: every Portico the bench starts, a `--gql-baseline` build too, runs as operators run it.
 */
export function startFlags(root = repoRoot()): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const m = /\bnode\s+((?:--\S+\s+)*)dist\/src\/main\.js/.exec(pkg.scripts?.start ?? '');
  return m?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/**
 * Starts `node <startFlags> dist/src/main.js` on ephemeral ports with a fresh data directory, signs up the bench
 * user and fetches the platform CA. `extraEnv` overrides Portico settings (e.g. PORTICO_EVENT_FLUSH_INTERVAL_MS).
 */
export async function startPortico(root: string, extraEnv: Record<string, string> = {}, nodeArgs: string[] = []): Promise<PorticoTarget> {
  const main = path.join(root, 'dist', 'src', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const dataDir = makeTempDir('portico-bench-data-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    PORTICO_MQTT_PORT: '0',
    PORTICO_MQTTS_PORT: '0',
    PORTICO_MQTTS_MUTUAL_PORT: 'off',
    PORTICO_HOST: '127.0.0.1',
    PORTICO_MQTT_HOST: '127.0.0.1',
    PORTICO_DATA_DIR: dataDir,
    PORTICO_LOG_LEVEL: 'warn',
    // The fan-out scenario subscribes 1,000 graphql-ws clients of one bench user: above the per-user default of 100.
    PORTICO_GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER: '2000',
    // One sign-up only; keep the default cost (it is not measured).
    ...extraEnv,
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  let started: Awaited<ReturnType<typeof startChild<ReadyLine>>>;
  try {
    started = await startChild<ReadyLine>('portico', process.execPath, [...startFlags(), ...nodeArgs, main], {
      cwd: root,
      env,
      readyTimeoutMs: 120_000,
      ready: (line) => {
        const msg = JSON.parse(line) as Partial<ReadyLine>;
        return msg.ready ? (msg as ReadyLine) : undefined;
      },
    });
  } catch (err) {
    removeTempDir(dataDir);
    throw err;
  }
  const { server, ready } = started;
  let db: Sqlite | null = null;
  const sqlitePath = path.join(dataDir, 'portico.sqlite');
  const stop = async () => {
    db?.close();
    db = null;
    await server.stop(15_000);
    removeTempDir(dataDir);
  };
  try {
    if (ready.mqtt == null) throw new Error('Portico started without its MQTT listener');
    const httpUrl = `http://127.0.0.1:${ready.http}`;
    const graphqlUrl = `${httpUrl}/graphql`;
    const email = `bench-${Date.now()}@example.com`;
    const { signUp } = await gql<{ signUp: { token: string } }>(graphqlUrl, 'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { token } }', {
      email,
      password: 'bench password, long enough',
    });
    const token = signUp.token;
    const { platformCa } = await gql<{ platformCa: { certificatePem: string } }>(graphqlUrl, '{ platformCa { certificatePem } }', undefined, token);
    const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
    let created = 0;
    return {
      name: 'portico',
      label: `Portico ${version}`,
      server,
      host: '127.0.0.1',
      mqttPort: ready.mqtt,
      mqttsPort: ready.mqtts ?? undefined,
      caPem: platformCa.certificatePem,
      authenticates: true,
      httpUrl,
      graphqlUrl,
      token,
      dataDir,
      sqlitePath,
      async devices(count: number, tag: string): Promise<DeviceCredentials[]> {
        // Many createDevice mutations per request (aliases, within the server's default alias limit of 30), a few
        // requests at a time.
        const perRequest = 25;
        const batches = Math.ceil(count / perRequest);
        const results = await pool(batches, 2, async (b) => {
          const n = Math.min(perRequest, count - b * perRequest);
          const fields = Array.from({ length: n }, (_, i) => `d${i}: createDevice(input: { name: ${JSON.stringify(`${tag} ${created + b * perRequest + i}`)} }) { ${DEVICE_FIELDS} }`);
          const data = await gql<Record<string, CreatedDevice>>(graphqlUrl, `mutation { ${fields.join('\n')} }`, undefined, token, 120_000);
          return Array.from({ length: n }, (_, i) => data[`d${i}`]);
        });
        created += count;
        return results.flat().map((d) => ({ id: d.id, clientId: d.deviceNumber, username: d.username, password: d.credentials.deviceKey ?? '' }));
      },
      countEvents(topicPrefix: string): number {
        if (!db) {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const Database = require('better-sqlite3') as new (file: string, opts: { fileMustExist: boolean; timeout: number }) => Sqlite;
          db = new Database(sqlitePath, { fileMustExist: true, timeout: 10_000 });
        }
        const row = db.prepare('SELECT COUNT(*) AS n FROM device_events WHERE substr(topic, 1, ?) = ?').get(topicPrefix.length, topicPrefix) as { n: number };
        return row.n;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
