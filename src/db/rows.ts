import type { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';

import type { SqliteConnection, SqliteStatement } from './sqlite-writes.js';

/**
 * Plain-SQL reads on hot paths: the SELECT is built once with TypeORM's query builder (placeholders and quoting of the
 * database in use) and then run as text, and raw rows become entities the way TypeORM hydrates them (booleans, epoch-ms
 * dates, JSON columns), without the query builder's per-call work.
 */

/**
 * Selects every column of the builder's main entity under its database name (for `hydrate`), or only those of
 * `columns` (database names): `hydrate` then leaves the other properties unset.
 */
export function selectAllColumns<T extends ObjectLiteral>(repo: Repository<T>, qb: SelectQueryBuilder<T>, columns?: ReadonlySet<string>): SelectQueryBuilder<T> {
  const select = qb.select([]);
  for (const c of repo.metadata.columns) if (!columns || columns.has(c.databaseName)) select.addSelect(`${qb.alias}.${c.databaseName}`, c.databaseName);
  return select;
}

/** The n-th (1-based) bound parameter of a hand-written statement: `$n` on PostgreSQL, `?` on SQLite. */
export const bindMark = (n: number, postgres: boolean): string => (postgres ? `$${n}` : '?');

/** An entity from a raw row whose keys are the entity's column names (columns the row lacks stay unset). */
export function hydrate<T extends ObjectLiteral>(repo: Repository<T>, raw: Record<string, unknown>): T {
  const driver = repo.manager.connection.driver;
  const entity = repo.create();
  for (const c of repo.metadata.columns) if (c.databaseName in raw) c.setEntityValue(entity, driver.prepareHydratedValue(raw[c.databaseName], c));
  return entity;
}

/** A column of an entity's metadata. */
export type EntityColumn = Repository<ObjectLiteral>['metadata']['columns'][number];

/** The entity's columns named by `names` (database names, e.g. a statement's result columns), in that order. */
export function columnsNamed<T extends ObjectLiteral>(repo: Repository<T>, names: readonly string[]): EntityColumn[] {
  return names.map((name) => {
    const column = repo.metadata.columns.find((c) => c.databaseName === name);
    if (!column) throw new Error(`${repo.metadata.tableName} has no column ${name}`);
    return column;
  });
}

/**
 * Every column of an entity, in the order of `properties` (a hand-written statement whose values are built in that
 * order). Throws when a property is not a column or a column is left out, so a schema change cannot leave the
 * statement behind.
 */
export function allColumnsInOrder(metadata: Repository<ObjectLiteral>['metadata'], properties: readonly string[]): EntityColumn[] {
  const columns = properties.map((p) => metadata.findColumnWithPropertyName(p));
  if (columns.some((c) => !c) || columns.length !== metadata.columns.length) throw new Error(`${metadata.tableName} columns changed: update the column list of its hand-written statement`);
  return columns as EntityColumn[];
}

/** A statement prepared in raw mode (rows as arrays of values), and the entity's columns its rows hold, in order. */
export interface RawEntityStatement {
  statement: SqliteStatement;
  columns: EntityColumn[];
}

/**
 * Prepares `sql` (a SELECT or an UPDATE … RETURNING of `repo`'s columns under their database names) on the SQLite
 * connection in raw mode, for `hydrateValues`; the last `extra` result columns are not the entity's (the caller reads
 * them by position) and are left out of `columns`.
 */
export function prepareRawEntityStatement<T extends ObjectLiteral>(sqlite: SqliteConnection, repo: Repository<T>, sql: string, extra = 0): RawEntityStatement {
  const statement = sqlite.prepare(sql).raw(true);
  const names = statement.columns().map((c) => c.name);
  return { statement, columns: columnsNamed(repo, names.slice(0, names.length - extra)) };
}

/** An entity from a raw row given as values in the order of `columns` (better-sqlite3's raw mode). */
export function hydrateValues<T extends ObjectLiteral>(repo: Repository<T>, columns: readonly EntityColumn[], values: readonly unknown[]): T {
  const driver = repo.manager.connection.driver;
  const entity = repo.create();
  for (let i = 0; i < columns.length; i++) columns[i]!.setEntityValue(entity, driver.prepareHydratedValue(values[i], columns[i]!));
  return entity;
}

/**
 * Rows in chunks of `max` (a power of two), the rest in descending powers of two: a multi-row statement built per
 * chunk then has one of a few texts, which the prepared-statement cache keeps. (One text per batch size was
 * prepared anew at every flush, ~1 ms per statement, and pushed hot statements out of the cache.)
 */
export function cacheableChunks<T>(rows: readonly T[], max = 256): T[][] {
  const chunks: T[][] = [];
  let i = 0;
  for (let size = max; size >= 1; size >>= 1) {
    while (rows.length - i >= size) {
      chunks.push(rows.slice(i, i + size));
      i += size;
      if (size < max) break;
    }
  }
  return chunks;
}
