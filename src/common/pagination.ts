import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { badInput } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export type SortDirection = 'ASC' | 'DESC';
type Key = string | number;

export interface Page<T> {
  items: T[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: number;
}

/** Opaque cursor: base64url of `[kind, sortValue, id]`; the kind keeps a cursor from being reused with another sort. */
export function encodeCursor(kind: string, value: Key, id: string): string {
  return Buffer.from(JSON.stringify([kind, value, id])).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string): { value: Key; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed[0] === kind &&
      (typeof parsed[1] === 'string' || typeof parsed[1] === 'number') &&
      typeof parsed[2] === 'string'
    ) {
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

/**
 * Keyset (cursor) paging over a filtered query: stable under inserts, no OFFSET scans.
 * `qb` carries the filters; it is cloned for the total count.
 */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(qb: SelectQueryBuilder<T>, o: KeysetOptions<T>): Promise<Page<T>> {
  const limit = pageSize(o.first);
  const totalCount = await qb.clone().getCount();
  const page = qb.clone();
  if (o.after) {
    const { value, id } = decodeCursor(o.kind, o.after);
    const op = o.direction === 'ASC' ? '>' : '<';
    page.andWhere(`(${o.sortSql} ${op} :cursorValue OR (${o.sortSql} = :cursorValue AND ${o.idColumn} ${op} :cursorId))`, {
      cursorValue: value,
      cursorId: id,
    });
  }
  page.orderBy(o.sortSql, o.direction).addOrderBy(o.idColumn, o.direction).limit(limit + 1);
  const rows = await page.getMany();
  const items = rows.slice(0, limit);
  return {
    items,
    cursors: items.map((row) => encodeCursor(o.kind, o.keyOf(row), row.id)),
    hasNextPage: rows.length > limit,
    totalCount,
  };
}

/** Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => '\\' + c);
