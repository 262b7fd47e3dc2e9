import type { ObjectLiteral, Repository } from 'typeorm';

/**
 * The reads behind per-owner retention, on the (organization_id, time, id) index only. Every statement reads a bounded
 * number of index entries (the SQLite connection is synchronous: a long statement blocks the server), however
 * large the table: owners are listed by skipping through the index (a batch of owners per statement, no
 * GROUP BY over the whole table), and an owner's keep-edge is found in steps of at most `probeStep` rows.
 */

/** Index entries read by one step of `keepEdge`. */
export const PROBE_STEP = 10_000;
/** Owners listed by one statement of `ownersAfter`. */
export const OWNER_BATCH = 200;

export interface RowPosition {
  time: number;
  id: string;
}

export interface OwnerEntry {
  organizationId: string;
  /** Whether the owner has rows with time ≥ `since` (rows written since an earlier pass). */
  recent: boolean;
}

/** Where the rows of one owner are (`null`: the rows without an owner). */
export type OwnerKey = string | null;

export interface RetentionQuerySizes {
  ownerBatch: number;
  probeStep: number;
}

export class RetentionQueries {
  private readonly table: string;

  constructor(
    private readonly repo: Repository<ObjectLiteral>,
    private readonly sizes: RetentionQuerySizes = { ownerBatch: OWNER_BATCH, probeStep: PROBE_STEP },
  ) {
    this.table = repo.manager.connection.driver.escape(repo.metadata.tableName);
  }

  /** Every owner with rows at or after `since`, batch after batch, letting other work run between batches. */
  async *recentOwners(since: number): AsyncGenerator<string> {
    for (let after = ''; ;) {
      const owners = await this.ownersAfter(after, since);
      for (const o of owners) if (o.recent) yield o.organizationId;
      if (owners.length < this.sizes.ownerBatch) return;
      after = owners.at(-1)!.organizationId;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Up to `ownerBatch` distinct owners after `after` (in organization_id order; '' to start), each with whether it has
   * rows at or after `since`. A recursive query jumps from one owner to the next through the index (a "loose
   * index scan"), so the cost is one index lookup per owner, not one per row.
   */
  async ownersAfter(after: string, since: number): Promise<OwnerEntry[]> {
    const t = this.table;
    // The newest row of each owner is one index lookup (ORDER BY … LIMIT 1, which PostgreSQL cannot turn into a
    // hashed scan of every recent row).
    const sql = `WITH RECURSIVE o(organization_id, n) AS (
        SELECT (SELECT organization_id FROM ${t} WHERE organization_id > :after ORDER BY organization_id LIMIT 1), 1
        UNION ALL
        SELECT (SELECT x.organization_id FROM ${t} x WHERE x.organization_id > o.organization_id ORDER BY x.organization_id LIMIT 1), o.n + 1
          FROM o WHERE o.organization_id IS NOT NULL AND o.n < :batch
      )
      SELECT o.organization_id AS "organizationId",
        (SELECT y.time FROM ${t} y WHERE y.organization_id = o.organization_id ORDER BY y.time DESC LIMIT 1) AS "newest"
      FROM o WHERE o.organization_id IS NOT NULL ORDER BY o.n`;
    const rows = await this.query<{ organizationId: string; newest: number | string }>(sql, { after, batch: this.sizes.ownerBatch });
    return rows.map((r) => ({ organizationId: r.organizationId, recent: Number(r.newest) >= since }));
  }

  /**
   * The position of the owner's `keep`-th newest row (rows strictly older than it are beyond the limit), or null
   * when the owner has fewer than `keep` rows.
   */
  async keepEdge(owner: OwnerKey, keep: number): Promise<RowPosition | null> {
    let pos: RowPosition | null = null;
    for (let remaining = keep; remaining > 0;) {
      const step = Math.min(this.sizes.probeStep, remaining);
      const params: Record<string, unknown> = owner === null ? { skip: step - 1 } : { owner, skip: step - 1 };
      let where = owner === null ? 'organization_id IS NULL' : 'organization_id = :owner';
      if (pos) {
        // Written so that both engines bound the index range by time (a row-value comparison is not always used).
        where += ' AND time <= :t AND (time < :t OR id < :id)';
        Object.assign(params, { t: pos.time, id: pos.id });
      }
      const rows = await this.query<{ time: number | string; id: string }>(
        `SELECT time AS "time", id AS "id" FROM ${this.table} WHERE ${where} ORDER BY time DESC, id DESC LIMIT 1 OFFSET :skip`,
        params,
      );
      const row = rows[0];
      if (!row) return null;
      pos = { time: Number(row.time), id: row.id };
      remaining -= step;
    }
    return pos;
  }

  private query<R>(sql: string, params: Record<string, unknown>): Promise<R[]> {
    const driver = this.repo.manager.connection.driver;
    const [text, values] = driver.escapeQueryWithParameters(sql, params);
    return this.repo.manager.query(text, values) as Promise<R[]>;
  }
}
