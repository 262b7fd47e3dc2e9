/**
 * SQLite's WAL is copied back into the database file by a worker thread (src/db/wal-checkpointer.ts), not by the
 * COMMIT that crosses 1,000 pages on the event loop; the writing connection's own checkpoint stays as a safety net.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Logger } from '../src/common/index.js';
import { WalCheckpointer } from '../src/db/index.js';
import { startTestApp, tempDir } from './support/app.js';

const silentLogger: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

test('by default the app checkpoints on a worker; the writing connection only past 4,000 pages', async () => {
  const on = await startTestApp({ db: 'sqlite' });
  const off = await startTestApp({ db: 'sqlite', config: { database: { sqliteCheckpointIntervalMs: 0 } } });
  try {
    expect(await on.services.ds.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 4000 }]);
    expect(await off.services.ds.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
  } finally {
    await Promise.all([on.close(), off.close()]);
  }
});

test('the worker copies every committed page into the database file, and the WAL then starts over', async () => {
  const dataDir = tempDir();
  const app = await startTestApp({ db: 'sqlite', dataDir, config: { database: { sqliteCheckpointIntervalMs: 0 } } });
  const ds = app.services.ds;
  const file = path.join(dataDir, 'portico.sqlite');
  const reports: Array<{ log: number; checkpointed: number }> = [];
  let waiting: { until: (r: { log: number; checkpointed: number }) => boolean; resolve: () => void } | null = null;
  // The worker reports a state once: the latest report may already be the one awaited.
  const reported = (until: (r: { log: number; checkpointed: number }) => boolean) => {
    const latest = reports.at(-1);
    return latest && until(latest) ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { until, resolve }));
  };
  const checkpointer = (await WalCheckpointer.start(ds, { intervalMs: 10 }, silentLogger))!;
  checkpointer.onCheckpoint = (r) => {
    reports.push(r);
    if (waiting?.until(r)) waiting.resolve();
  };
  try {
    await ds.query('CREATE TABLE wal_probe (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const before = fs.statSync(file).size;
    const [{ page_size: PAGE }] = (await ds.query('PRAGMA page_size')) as Array<{ page_size: number }>;
    // 400 rows of 2.5 pages in 40 transactions: about 1,000 pages (8 MB with 8 KiB pages), all copied by the worker.
    const rows = 400;
    const body = Buffer.alloc(2.5 * PAGE, 7);
    for (let t = 0; t < 40; t++) {
      await ds.transaction(async (m) => {
        for (let i = 0; i < rows / 40; i++) await m.query('INSERT INTO wal_probe (id, body) VALUES (?, ?)', [t * 1000 + i, body]);
      });
    }
    // Every page reaches the database file itself (the writing connection would checkpoint only past 4,000 pages).
    const [{ page_count: pages }] = (await ds.query('PRAGMA page_count')) as Array<{ page_count: number }>;
    expect(pages * PAGE - before).toBeGreaterThanOrEqual(rows * body.length * 0.9);
    await reported((r) => r.checkpointed === r.log && fs.statSync(file).size >= pages * PAGE);
    expect(reports.some((r) => r.log > 0 && r.checkpointed === r.log)).toBe(true);
    // Everything was copied back: the next write transaction starts the WAL from its beginning (it does not grow).
    const restarted = reported((r) => r.log < 50);
    await ds.query('INSERT INTO wal_probe (id, body) VALUES (?, ?)', [999_999, Buffer.from('small')]);
    await restarted;
  } finally {
    await checkpointer.close();
    await app.close();
  }
  // Nothing committed was lost on the way: a server started again on the file finds every row.
  const again = await startTestApp({ db: 'sqlite', dataDir });
  try {
    expect(await again.services.ds.query('SELECT COUNT(*) AS n FROM wal_probe')).toEqual([{ n: 401 }]);
  } finally {
    await again.close();
  }
});

test('on PostgreSQL, or with the interval 0, there is no worker', async () => {
  const sqlite = await startTestApp({ db: 'sqlite', config: { database: { sqliteCheckpointIntervalMs: 0 } } });
  const postgres = await startTestApp({ db: 'postgres' });
  try {
    expect(await WalCheckpointer.start(sqlite.services.ds, { intervalMs: 0 }, silentLogger)).toBeNull();
    expect(await WalCheckpointer.start(postgres.services.ds, { intervalMs: 100 }, silentLogger)).toBeNull();
  } finally {
    await Promise.all([sqlite.close(), postgres.close()]);
  }
});
