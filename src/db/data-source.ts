import fs from 'node:fs';
import path from 'node:path';

import { DataSource, type DataSourceOptions } from 'typeorm';

import { migrations } from '../../migrations/index.js';
import type { DatabaseConfig } from '../config/index.js';
import { guardSqliteWrites } from './sqlite-writes.js';

/** Every entity class of the app (the composition root lists them; db/ knows no feature). */
export type EntityList = NonNullable<DataSourceOptions['entities']>;

/**
 * Page cache of the writing connection (KiB; SQLite's default is 2 MiB). Every registry lookup, status write and
 * latest-value upsert runs on this connection: with the registry of 10,000 devices past 2 MiB, a connect storm read
 * most of its pages back from the OS (a token lookup took 40 µs on average). Pages are only held once read.
 */
const WRITER_CACHE_KIB = 64 * 1024;

/** Builds (does not open) the DataSource for the configured database. Schema changes only through migrations. */
export function createDataSource(db: DatabaseConfig, entities: EntityList): DataSource {
  const common = { entities, migrations, synchronize: false, migrationsRun: false, logging: db.logging } as const;
  let options: DataSourceOptions;
  if (db.type === 'postgres') {
    if (!db.url) throw new Error('database.url is required for postgres');
    options = { type: 'postgres', url: db.url, ...common, extra: { max: 10 } };
  } else {
    fs.mkdirSync(path.dirname(db.sqlitePath), { recursive: true });
    options = {
      type: 'better-sqlite3',
      database: db.sqlitePath,
      ...common,
      // TypeORM's default (100, first in first out) is smaller than the app's set of statements: it re-prepared them.
      statementCacheSize: 1000,
      // WAL lets readers proceed while the writer commits; foreign keys are on by default in the driver.
      prepareDatabase: (sqlite: { pragma(s: string): unknown }) => {
        // A new database gets 16 KiB pages (an existing one keeps its own; a WAL database cannot change it): a batch of
        // device events commits fewer WAL frames, each written with its own system calls (8 KiB: d2a4ab2; 16 KiB: QoS 0
        // 1 -> 1 256 B 0.75-0.9x CPU per message in three sittings, other cells and the connect storm within the noise).
        sqlite.pragma('page_size = 16384');
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('busy_timeout = 5000');
        sqlite.pragma('synchronous = NORMAL');
        sqlite.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
      },
    };
  }
  return new DataSource(options);
}

/** Opens the DataSource and applies pending migrations. */
export async function openDatabase(db: DatabaseConfig, entities: EntityList): Promise<DataSource> {
  const ds = createDataSource(db, entities);
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    guardSqliteWrites(ds);
  } catch (err) {
    await ds.destroy();
    throw err;
  }
  return ds;
}
