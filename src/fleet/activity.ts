import type { EntityManager } from 'typeorm';

import { bindMark as mark, cacheableChunks } from '../db/index.js';

/** Device id → the time (epoch ms) of its last packet on this instance, not yet written. */
export type Seen = Map<string, number>;

/** Rows of `UPDATE … RETURNING`: TypeORM answers [rows, count] on PostgreSQL, the rows on SQLite. */
function returned<R>(result: unknown): R[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as R[];
  return (Array.isArray(result) ? result : []) as R[];
}

export interface Flipped {
  id: string;
  organizationId: string;
}

/**
 * Writes last seen times (they only move forward) and flags the devices that were inactive active again; returns those
 * (each flipped by exactly one writer: the `active = false` condition is checked on the row being updated).
 */
export async function writeSeen(m: EntityManager, seen: Seen, postgres: boolean): Promise<Flipped[]> {
  const ids = [...seen.keys()].sort();
  const flipped: Flipped[] = [];
  const greatest = postgres ? 'GREATEST' : 'MAX';
  const time = (n: number) => `CAST(${mark(n, postgres)} AS ${postgres ? 'BIGINT' : 'INTEGER'})`;
  for (const chunk of cacheableChunks(ids)) {
    const marks = chunk.map((_id, j) => mark(j + 1, postgres)).join(', ');
    const rows = returned<Flipped>(await m.query(`UPDATE devices SET active = true WHERE active = false AND id IN (${marks}) RETURNING id AS "id", organization_id AS "organizationId"`, chunk));
    flipped.push(...rows);
    const cases = chunk.map((_id, j) => `WHEN ${mark(2 * j + 1, postgres)} THEN ${time(2 * j + 2)}`).join(' ');
    const idList = chunk.map((_id, j) => mark(2 * chunk.length + j + 1, postgres)).join(', ');
    const params = [...chunk.flatMap((id) => [id, Math.trunc(seen.get(id)!)]), ...chunk];
    await m.query(`UPDATE devices SET last_seen_at = ${greatest}(COALESCE(last_seen_at, 0), CASE id ${cases} END) WHERE id IN (${idList})`, params);
  }
  return flipped;
}

/** Devices flagged inactive per statement (SQLite runs each on the event loop). */
const SWEEP_CHUNK = 1000;

/**
 * Flags inactive the active devices silent for longer than their timeout (null: `defaultTimeoutSeconds`; 0: never)
 * plus `graceMs` (last seen times reach the database up to a flush interval late); returns them. Chunked; each device
 * is flipped by exactly one sweeper, also when several instances sweep at once.
 */
export async function sweepInactive(run: (sql: string, params: unknown[]) => Promise<unknown>, now: number, defaultTimeoutSeconds: number, graceMs: number): Promise<Flipped[]> {
  const timeout = `COALESCE(inactivity_timeout, ${Math.trunc(defaultTimeoutSeconds)})`;
  const silent = `active = true AND last_seen_at IS NOT NULL AND ${timeout} > 0 AND last_seen_at + ${timeout} * 1000 + ${Math.trunc(graceMs)} <= ${Math.trunc(now)}`;
  const all: Flipped[] = [];
  for (;;) {
    const rows = returned<Flipped>(
      await run(
        `UPDATE devices SET active = false WHERE active = true AND id IN (SELECT id FROM devices WHERE ${silent} LIMIT ${SWEEP_CHUNK}) RETURNING id AS "id", organization_id AS "organizationId"`,
        [],
      ),
    );
    all.push(...rows);
    if (rows.length < SWEEP_CHUNK) return all;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
