/**
 * Migration 1764002800000 (SQLite): device events keyed by their rowid (`seq INTEGER PRIMARY KEY`), no index on the
 * event id, the per-device index holding each row's rowid in `rid`. Rows, rowids and index entries survive it both ways.
 */
import path from 'node:path';

import { DataSource } from 'typeorm';

import { migrations } from '../migrations';
import { EventRowKey1764002800000 } from '../migrations/1764002800000-EventRowKey';
import { entities } from '../src/app/entities';
import { makeConfig } from '../src/config/config';
import { createDataSource } from '../src/db/data-source';
import { tempDir } from './support/app';

const ORG = '00000000-0000-4000-8000-00000000000a';
const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;

test('up keeps every row and its rowid, fills rid, drops stale index entries; down restores the primary key', async () => {
  const dataDir = tempDir();
  const options = createDataSource({ ...makeConfig({ dataDir }).database, type: 'sqlite', sqlitePath: path.join(dataDir, 'portico.sqlite') }, entities).options;
  const old = new DataSource({ ...options, migrations: migrations.slice(0, migrations.indexOf(EventRowKey1764002800000)) });
  await old.initialize();
  try {
    await old.runMigrations({ transaction: 'each' });
    // Rows 1..6 over two devices with gaps in the rowids (as deletes leave them), each copied into the index, and one
    // index entry whose row is gone.
    for (const [rowid, n, device] of [
      [3, 1, 'd1'],
      [4, 2, 'd2'],
      [7, 3, 'd1'],
      [8, 4, 'd2'],
      [12, 5, 'd1'],
    ] as const) {
      await old.query(
        `INSERT INTO device_events (rowid, id, organization_id, device_id, topic, topic_prefix, payload, payload_encoding, qos, retain, size, time)
         VALUES (?, ?, ?, ?, 't', 't', ?, 'UTF8', 0, 0, 1, ?)`,
        [rowid, id(n), ORG, device, `p${n}`, 1000 + n],
      );
    }
    await old.query('INSERT INTO device_event_index (device_id, time, id) SELECT device_id, time, id FROM device_events');
    await old.query("INSERT INTO device_event_index (device_id, time, id) VALUES ('d1', 999, ?)", [id(99)]);
  } finally {
    await old.destroy();
  }
  const ds = new DataSource({ ...options, migrations });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const table = (await ds.query("SELECT sql FROM sqlite_master WHERE name = 'device_events'"))[0].sql as string;
    expect(table).toContain('"seq" integer PRIMARY KEY');
    const indexes = (await ds.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'device_events'")).map((r: { name: string }) => r.name);
    expect(indexes).toEqual(['ix_device_events_owner_time']);
    expect(await ds.query('SELECT seq, id, payload FROM device_events ORDER BY seq')).toEqual([
      { seq: 3, id: id(1), payload: 'p1' },
      { seq: 4, id: id(2), payload: 'p2' },
      { seq: 7, id: id(3), payload: 'p3' },
      { seq: 8, id: id(4), payload: 'p4' },
      { seq: 12, id: id(5), payload: 'p5' },
    ]);
    expect(await ds.query("SELECT rid, id FROM device_event_index WHERE device_id = 'd1' ORDER BY time")).toEqual([
      { rid: 3, id: id(1) },
      { rid: 7, id: id(3) },
      { rid: 12, id: id(5) },
    ]);

    await ds.undoLastMigration({ transaction: 'each' });
    const restored = (await ds.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'device_events'")).map((r: { name: string }) => r.name);
    expect(restored.sort()).toEqual(['ix_device_events_owner_time', 'sqlite_autoindex_device_events_1']);
    expect(await ds.query('SELECT rowid AS r, id FROM device_events ORDER BY rowid')).toEqual([3, 4, 7, 8, 12].map((r, i) => ({ r, id: id(i + 1) })));
    expect((await ds.query('PRAGMA table_info(device_event_index)')).map((c: { name: string }) => c.name)).toEqual(['device_id', 'time', 'id']);
  } finally {
    await ds.destroy();
  }
});
