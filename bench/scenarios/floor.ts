import crypto from 'node:crypto';
import { createRequire } from 'node:module';

import { log } from '../lib/measure.js';

/** The part of better-sqlite3's API used here. */
interface Sqlite {
  pragma(s: string): unknown;
  prepare(sql: string): { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}

export interface FloorResult {
  publishers: number;
  payloadBytes: number;
  rows: number;
  /** CPU of one prepared INSERT per message (user + system of this process), µs per row. */
  cpuMicrosPerRow: number;
}

/**
 * The physical floor of storing a message: one prepared INSERT per message into Portico's own SQLite file (its
 * device_events table with its indexes, WAL, synchronous=NORMAL), in transactions of `batch` rows, rows spread over
 * `publishers` devices like the throughput cells; where the schema has the per-device index written in bulk
 * (device_event_index), the same sorted copy Portico makes, every 16,384 rows. Nothing else: no id generation beyond a
 * counter, no broker.
 */
export function measureAppendFloor(sqlitePath: string, cells: Array<{ publishers: number; payloadBytes: number }>, rows: number, batch: number): FloorResult[] {
  const Database = createRequire(__filename)('better-sqlite3') as new (file: string) => Sqlite;
  const db = new Database(sqlitePath);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const columns = (db.prepare('PRAGMA table_info(device_events)').all() as Array<{ name: string }>).map((c) => c.name);
    const insert = db.prepare(`INSERT INTO device_events (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    const bulkIndex = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'device_event_index'").all().length > 0;
    // Where the index holds rowids too (migration 1764002800000), the copy writes them as Portico's does.
    const rowKey = bulkIndex && (db.prepare('PRAGMA table_info(device_event_index)').all() as Array<{ name: string }>).some((c) => c.name === 'rid');
    const [keyInto, keyFrom] = rowKey ? [', rid', ', rowid'] : ['', ''];
    const copy = bulkIndex
      ? db.prepare(`INSERT OR IGNORE INTO device_event_index (device_id, time, id${keyInto}) SELECT device_id, time, id${keyFrom} FROM device_events WHERE rowid > ? ORDER BY device_id, time, id`)
      : null;
    const maxRowid = db.prepare('SELECT COALESCE(MAX(rowid), 0) AS m FROM device_events');
    let copiedUpTo = (maxRowid.all()[0] as { m: number }).m;
    let sinceCopy = 0;
    const out: FloorResult[] = [];
    const prefix = crypto.randomBytes(4).toString('hex');
    let seq = 0;
    for (const cell of cells) {
      const payload = 'a'.repeat(cell.payloadBytes);
      const values = (device: string, time: number): unknown[] =>
        columns.map((c) => {
          switch (c) {
            case 'id':
              return `${time.toString(16).padStart(12, '0')}-${prefix}-${(seq++).toString(16).padStart(16, '0')}`;
            case 'organization_id':
              return 'bench-floor';
            case 'device_id':
              return device;
            case 'topic':
            case 'topic_prefix':
              return 'bench/floor';
            case 'payload':
              return payload;
            case 'payload_encoding':
              return 'UTF8';
            case 'size':
              return cell.payloadBytes;
            case 'time':
              return time;
            case 'direction':
              return 'UPSTREAM';
            case 'properties':
            case 'seq': // the rowid (1764002800000): SQLite numbers the row
              return null;
            default:
              return 0;
          }
        });
      const write = db.transaction((from: number, count: number) => {
        const time = Date.now();
        for (let i = from; i < from + count; i++) insert.run(...values(`bench-floor-${i % cell.publishers}`, time));
        sinceCopy += count;
        if (copy && sinceCopy >= 16_384) {
          copy.run(copiedUpTo);
          copiedUpTo = (maxRowid.all()[0] as { m: number }).m;
          sinceCopy = 0;
        }
      });
      const c0 = process.cpuUsage();
      for (let done = 0; done < rows; done += batch) write(done, Math.min(batch, rows - done));
      const c = process.cpuUsage(c0);
      const r = { ...cell, rows, cpuMicrosPerRow: (c.user + c.system) / rows };
      log(`  floor: ${cell.publishers} devices, ${cell.payloadBytes} B: ${r.cpuMicrosPerRow.toFixed(1)} CPU-µs per appended row`);
      out.push(r);
    }
    db.prepare("DELETE FROM device_events WHERE organization_id = 'bench-floor'").run();
    if (bulkIndex) db.prepare("DELETE FROM device_event_index WHERE device_id LIKE 'bench-floor-%'").run();
    return out;
  } finally {
    db.close();
  }
}
