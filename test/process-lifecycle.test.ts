import fs from 'node:fs';
import path from 'node:path';

import { tempDir } from './support/app';
import { type ChildServer, startChildServer } from './support/child-server';
import { AckCounter, Publisher } from './support/publisher';
import { subscribe } from './support/ws';

/**
 * Issue #10: the server as a real process, killed (`kill -9`) or stopped (SIGTERM) under QoS 1 load. Counted:
 * what devices were told (PUBACK) against what the SQLite file holds after a restart.
 */
jest.setTimeout(120_000);

const DEVICES = 20;
const WINDOW = 100;

interface Device {
  id: string;
  deviceNumber: string;
  username: string;
  key: string;
}

async function provision(server: ChildServer, n: number): Promise<{ token: string; devices: Device[] }> {
  const up = await server.gql('mutation($e:String!,$p:String!){ signUp(email:$e,password:$p){ token } }', { e: `crash-${Date.now()}@example.com`, p: 'correct horse battery' });
  const token = up.data.signUp.token as string;
  const devices: Device[] = [];
  for (let i = 0; i < n; i++) {
    const r = await server.gql('mutation($i:CreateDeviceInput!){ createDevice(input:$i){ id deviceNumber username credentials { deviceKey } } }', { i: { name: `d${i}` } }, token);
    const d = r.data.createDevice;
    devices.push({ id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey });
  }
  return { token, devices };
}

function startPublishers(server: ChildServer, devices: Device[], round: number, counter: AckCounter): Publisher[] {
  return devices.map(
    (d, n) =>
      new Publisher(
        `${round}.${n}`,
        { port: server.mqttPort, clientId: d.deviceNumber, username: d.username, password: d.key, protocolVersion: n % 2 ? 5 : 4, window: WINDOW, reconnectPeriod: 0 },
        counter,
      ),
  );
}

interface SqliteDb {
  prepare(sql: string): { all(): unknown[]; get(): unknown };
  close(): void;
}
// better-sqlite3 (a dependency of the server) has no type declarations installed: only these three calls are used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDb;

/** What the database file holds (read with a connection of the test's own; WAL lets it read beside the server). */
function readStore(dataDir: string) {
  const db = new Database(path.join(dataDir, 'portico.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const payloads = new Set((db.prepare('SELECT payload FROM device_events').all() as Array<{ payload: string }>).map((r) => r.payload));
    const online = (db.prepare("SELECT COUNT(*) AS n FROM devices WHERE status = 'ONLINE'").get() as { n: number }).n;
    const log = db.prepare('SELECT device_id AS deviceId, event_type AS eventType, reason FROM connection_logs WHERE device_id IS NOT NULL ORDER BY time, id').all() as Array<{
      deviceId: string;
      eventType: string;
      reason: string | null;
    }>;
    return { payloads, online, log };
  } finally {
    db.close();
  }
}

/** CONNECTED rows with no DISCONNECTED/TAKEN_OVER after them, per device. */
function unclosedSessions(log: Array<{ deviceId: string; eventType: string }>): number {
  const open = new Map<string, number>();
  for (const row of log) {
    if (row.eventType === 'CONNECTED') open.set(row.deviceId, (open.get(row.deviceId) ?? 0) + 1);
    else if (row.eventType === 'DISCONNECTED' || row.eventType === 'TAKEN_OVER') open.set(row.deviceId, Math.max(0, (open.get(row.deviceId) ?? 0) - 1));
  }
  return [...open.values()].reduce((a, b) => a + b, 0);
}

describe('the server process under QoS 1 load', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('kill -9, repeated: every acknowledged message is stored, no device is left ONLINE, every CONNECTED row is closed', async () => {
    const dataDir = tempDir('portico-kill-');
    dirs.push(dataDir);
    let server = await startChildServer(dataDir);
    const { devices } = await provision(server, DEVICES);
    const acked: string[] = [];
    const rates: number[] = [];
    for (let round = 0; round < 3; round++) {
      const counter = new AckCounter();
      const publishers = startPublishers(server, devices, round, counter);
      await counter.atLeast(2000);
      const t0 = Date.now();
      const c0 = counter.count;
      await counter.atLeast(c0 + 3000);
      rates.push(Math.round(((counter.count - c0) * 1000) / (Date.now() - t0)));
      server.proc.kill('SIGKILL');
      await server.exited;
      for (const p of publishers) {
        p.kill();
        acked.push(...p.acked);
      }
      server = await startChildServer(dataDir);
      const store = readStore(dataDir);
      const lost = acked.filter((p) => !store.payloads.has(p));

      console.log(
        `kill -9 round ${round + 1}: ${acked.length} acknowledged so far, ${lost.length} of them not stored; ingest ${rates.at(-1)} msg/s acknowledged; ${store.online} ONLINE, ${unclosedSessions(store.log)} sessions unclosed`,
      );
      expect(lost).toEqual([]);
      expect(store.online).toBe(0);
      expect(unclosedSessions(store.log)).toBe(0);
      expect(store.log.some((r) => r.reason === 'server restarted')).toBe(true);
    }
    server.proc.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('SIGTERM with graphql-ws subscribers and MQTT traffic exits within the deadline and loses nothing acknowledged', async () => {
    const dataDir = tempDir('portico-term-');
    dirs.push(dataDir);
    const server = await startChildServer(dataDir, { PORTICO_SHUTDOWN_TIMEOUT_MS: '5000' });
    const { token, devices } = await provision(server, 10);
    const subs = [0, 1, 2].map(() => subscribe(server.graphqlUrl, token, 'subscription { deviceEventAdded { id topic } }'));
    const counter = new AckCounter();
    const publishers = startPublishers(server, devices, 0, counter);
    await counter.atLeast(2000);
    await subs[0]!.next();
    const t0 = Date.now();
    server.proc.kill('SIGTERM');
    const { code } = await server.exited;
    const exitMs = Date.now() - t0;
    const acked = publishers.flatMap((p) => {
      p.kill();
      return [...p.acked];
    });
    for (const s of subs) void s.close();
    const store = readStore(dataDir);
    const lost = acked.filter((p) => !store.payloads.has(p));

    console.log(`SIGTERM: exited with ${code} after ${exitMs} ms (deadline 5000 ms); ${acked.length} acknowledged, ${lost.length} not stored; ${store.online} ONLINE`);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(6000);
    expect(lost).toEqual([]);
    expect(store.online).toBe(0);
    expect(unclosedSessions(store.log)).toBe(0);
  });
});
