import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

import { badInput } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export type SortDirection = 'ASC' | 'DESC';
type Key = string | number;

export interface Page<T> {
  items: T[];
  /** The cursor of `items[i]`, encoded when asked for (most list queries select no cursor). */
  cursor: (i: number) => string;
  hasNextPage: boolean;
  /** Matching items across all pages: counted only when called (once; later calls share the answer). */
  totalCount: () => Promise<number>;
}

/** Opaque cursor: base64url of `[kind, sortValue, id]`; the kind keeps a cursor from being reused with another sort. */
export function encodeCursor(kind: string, value: Key, id: string): string {
  return Buffer.from(JSON.stringify([kind, value, id])).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string): { value: Key; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 3 && parsed[0] === kind && (typeof parsed[1] === 'string' || typeof parsed[1] === 'number') && typeof parsed[2] === 'string') {
      return { value: parsed[1], id: parsed[2] };
    }
  } catch {
    // fall through
  }
  throw badInput('after is not a valid cursor for this query', 'after');
}

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}

export interface KeysetOptions<T> {
  /** Distinguishes cursors of different sorts/queries. */
  kind: string;
  /** SQL expression of the sort key (e.g. `d.name`); ties are broken by `idColumn`. */
  sortSql: string;
  idColumn: string;
  direction: SortDirection;
  /** The sort key of a loaded row, as stored in the cursor. */
  keyOf: (row: T) => Key;
  first?: number | null;
  after?: string | null;
}

/** Runs `count` at most once, on first call. */
export function lazyCount(count: () => Promise<number>): () => Promise<number> {
  let answer: Promise<number> | null = null;
  return () => (answer ??= count());
}

/** The page query: `qb`'s filters (cloned) plus the cursor position, the order and `limit + 1` rows. */
export function keysetQuery<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, o: KeysetOptions<T>): SelectQueryBuilder<T> {
  const limit = pageSize(o.first);
  const page = qb.clone();
  if (o.after) {
    const { value, id } = decodeCursor(o.kind, o.after);
    const op = o.direction === 'ASC' ? '>' : '<';
    page.andWhere(`(${o.sortSql} ${op} :cursorValue OR (${o.sortSql} = :cursorValue AND ${o.idColumn} ${op} :cursorId))`, {
      cursorValue: value,
      cursorId: id,
    });
  }
  return page
    .orderBy(o.sortSql, o.direction)
    .addOrderBy(o.idColumn, o.direction)
    .limit(limit + 1);
}

/** The page of the rows `keysetQuery` loaded. */
export function toPage<T extends { id: string }>(rows: T[], o: KeysetOptions<T>, totalCount: () => Promise<number>): Page<T> {
  const items = rows.slice(0, pageSize(o.first));
  return {
    items,
    cursor: (i) => encodeCursor(o.kind, o.keyOf(items[i]!), items[i]!.id),
    hasNextPage: rows.length > items.length,
    totalCount: lazyCount(totalCount),
  };
}

/**
 * Keyset (cursor) paging over a filtered query: stable under inserts, no OFFSET scans.
 * `qb` carries the filters; the total count (a clone of it) runs only when asked for.
 */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(qb: SelectQueryBuilder<T>, o: KeysetOptions<T>): Promise<Page<T>> {
  const rows = await keysetQuery(qb, o).getMany();
  const count = qb.clone();
  return toPage(rows, o, () => count.getCount());
}

/** Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => '\\' + c);
