import type { DataSource, ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';

import type { ReadPool } from './read-pool.js';
import { hydrate, selectAllColumns } from './rows.js';

/**
 * Runs TypeORM-built SELECTs on a ReadPool (off the event loop) and turns the raw rows into entities the
 * way TypeORM would (the driver's hydration: booleans, bigint epoch-ms dates, JSON columns...). The SQL
 * is built on the main thread with the query builder; only its text and parameters cross to the pool.
 */
export class Reader {
  constructor(
    readonly ds: DataSource,
    readonly pool: ReadPool,
  ) {}

  /** Every column of the query's main entity, hydrated; `qb` itself is left unchanged. */
  async many<T extends ObjectLiteral>(repo: Repository<T>, qb: SelectQueryBuilder<T>): Promise<T[]> {
    const [sql, params] = selectAllColumns(repo, qb.clone()).getQueryAndParameters();
    const rows = await this.pool.all(sql, params);
    return rows.map((raw) => hydrate(repo, raw));
  }

  /** COUNT(*) of the query's rows (its order and limit dropped). */
  async count(qb: SelectQueryBuilder<ObjectLiteral>): Promise<number> {
    const [sql, params] = qb.clone().select('COUNT(*)', 'n').orderBy().limit(undefined).offset(undefined).getQueryAndParameters();
    const rows = await this.pool.all(sql, params);
    return Number(rows[0]?.n ?? 0);
  }
}
