/**
 * The SQLite write guard (src/db/sqlite-writes.ts): TypeORM's better-sqlite3 driver shares one connection, so a
 * statement of one flow issued while another flow's transaction is open would run inside that transaction. Each
 * caller gets its own runner; the one that opened a transaction holds the lock and the others wait.
 */
import type { DataSource } from 'typeorm';

import { startTestApp, type TestApp } from './support/app.js';

let app: TestApp;
let ds: DataSource;

beforeAll(async () => {
  app = await startTestApp({ db: 'sqlite' });
  ds = app.services.ds;
  await ds.query('CREATE TABLE guard_probe (id TEXT PRIMARY KEY)');
});

afterAll(async () => {
  await app?.close();
});

const ids = async (): Promise<string[]> => ((await ds.query('SELECT id FROM guard_probe ORDER BY id')) as Array<{ id: string }>).map((r) => r.id);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('a write issued while another transaction is open is not rolled back with it', async () => {
  const inside = deferred();
  const proceed = deferred();
  const failing = ds
    .transaction(async (m) => {
      await m.query('INSERT INTO guard_probe (id) VALUES (?)', ['a-rolled-back']);
      inside.resolve();
      await proceed.promise;
      throw new Error('rolled back on purpose');
    })
    .catch((err: Error) => err.message);
  await inside.promise;
  // Outside the transaction: a plain query and a transaction of its own, both started while the first is open.
  const plain = ds.query('INSERT INTO guard_probe (id) VALUES (?)', ['b-plain']);
  const other = ds.transaction((m) => m.query('INSERT INTO guard_probe (id) VALUES (?)', ['c-own-transaction']));
  proceed.resolve();
  expect(await failing).toBe('rolled back on purpose');
  await Promise.all([plain, other]);
  expect(await ids()).toEqual(['b-plain', 'c-own-transaction']);
});

test('statements of the transaction itself pass, nested transactions become savepoints', async () => {
  await ds.query('DELETE FROM guard_probe');
  await ds.transaction(async (m) => {
    await m.query('INSERT INTO guard_probe (id) VALUES (?)', ['outer']);
    await m
      .transaction(async (inner) => {
        await inner.query('INSERT INTO guard_probe (id) VALUES (?)', ['inner']);
        throw new Error('inner only');
      })
      .catch(() => undefined);
  });
  expect(await ids()).toEqual(['outer']);
});

test('a new database is made with 16 KiB pages, in WAL mode with synchronous=NORMAL', async () => {
  const pragma = async (name: string) => Object.values(((await ds.query(`PRAGMA ${name}`)) as Array<Record<string, unknown>>)[0]!)[0];
  expect(await pragma('page_size')).toBe(16384);
  expect(await pragma('journal_mode')).toBe('wal');
  // NORMAL is 1.
  expect(await pragma('synchronous')).toBe(1);
});
