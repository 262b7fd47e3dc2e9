import type { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';

/**
 * Plain-SQL reads on hot paths: the SELECT is built once with TypeORM's query builder (placeholders and quoting of the
 * database in use) and then run as text, and raw rows become entities the way TypeORM hydrates them (booleans, epoch-ms
 * dates, JSON columns), without the query builder's per-call work.
 */

/** Selects every column of the builder's main entity under its database name (for `hydrate`). */
export function selectAllColumns<T extends ObjectLiteral>(repo: Repository<T>, qb: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
  const select = qb.select([]);
  for (const c of repo.metadata.columns) select.addSelect(`${qb.alias}.${c.databaseName}`, c.databaseName);
  return select;
}

/** The n-th (1-based) bound parameter of a hand-written statement: `$n` on PostgreSQL, `?` on SQLite. */
export const bindMark = (n: number, postgres: boolean): string => (postgres ? `$${n}` : '?');

/** An entity from a raw row whose keys are the entity's column names. */
export function hydrate<T extends ObjectLiteral>(repo: Repository<T>, raw: Record<string, unknown>): T {
  const driver = repo.manager.connection.driver;
  const entity = repo.create();
  for (const c of repo.metadata.columns) c.setEntityValue(entity, driver.prepareHydratedValue(raw[c.databaseName], c));
  return entity;
}
