import type { DataSource, EntityManager, ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';

import { badInput, type Clock, decodeCursor, encodeCursor, type KeysetOptions, keysetQuery, type Logger, type Page, toPage } from '../common/index.js';
import type { RetentionConfig } from '../config/index.js';
import { bindMark, type EntityColumn, type Reader, type SqliteConnection, sqliteConnection, type SqliteStatement, type StorageHealth } from '../db/index.js';
import type { AppPubSub } from '../realtime/index.js';
import { BatchWriter } from './batch-writer.js';
import { DeviceIndex, type DeviceIndexTables } from './device-index.js';
import { RetentionQueries } from './retention-queries.js';

/** Rows of the connection log and device events: time series per device, owned by a user. */
export interface TimeSeriesRow extends ObjectLiteral {
  id: string;
  time: Date;
  organizationId: string | null;
  deviceId: string | null;
}

export interface TimeRange {
  /** Inclusive. */
  since?: Date | null;
  /** Exclusive. */
  until?: Date | null;
}

export interface ListQuery extends TimeRange {
  deviceId?: string | null;
  first?: number | null;
  after?: string | null;
}

export interface StoreOptions {
  ds: DataSource;
  pubSub: AppPubSub;
  clock: Clock;
  log: Logger;
  batchSize: number;
  flushIntervalMs: number;
  /** Whether the database accepts writes (the writers report to it). */
  health?: StorageHealth;
  /** History queries run on it, off the event loop. */
  reader: Reader;
  /** A history query waits at most this long for rows the writer still buffers (ms). */
  readYourWritesMs: number;
  /** Told how long each committed batch took (seconds), by table. */
  observeCommit?: (table: string, seconds: number) => void;
}

const DAY_MS = 24 * 3600 * 1000;
const REPLAY_CHUNK = 500;
/** Retention: owners with rows newer than the previous pass minus this are checked (late commits, clock skew)... */
const RECENT_MARGIN_MS = 10 * 60_000;
/** ...and every owner on every this many passes. */
const FULL_PASS_EVERY = 12;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Shared machinery of the connection log and device events: a batched writer whose committed rows go to
 * the owner's live topic (`<topicPrefix>:<organizationId>`), newest-first keyset paging, replay after a cursor,
 * and retention.
 */
export abstract class RecordStore<T extends TimeSeriesRow, K extends string = string> {
  protected readonly repo: Repository<T>;
  readonly writer: BatchWriter<T>;
  /** Retention: passes completed, and the time from which rows count as written since the previous one. */
  private readonly retentionState: { passes: number; since: number | null } = { passes: 0, since: null };

  constructor(
    protected readonly o: StoreOptions,
    entity: new () => T,
    /** Cursor kind and live topic prefix, e.g. `connectionLog`. */
    readonly kind: K,
    /** SQLite: the tables of the table's per-device index written in bulk (see DeviceIndex); null: an ordinary index. */
    indexTables: DeviceIndexTables | null = null,
  ) {
    this.repo = o.ds.getRepository(entity);
    this.sqlite = sqliteConnection(o.ds);
    this.index = this.sqlite && indexTables ? new DeviceIndex(o.ds, this.sqlite, o.log, indexTables) : null;
    this.writer = new BatchWriter<T>({
      name: kind,
      batchSize: o.batchSize,
      flushIntervalMs: o.flushIntervalMs,
      log: o.log,
      health: o.health,
      observeCommit: (seconds) => o.observeCommit?.(this.repo.metadata.tableName, seconds),
      insert: (rows) =>
        this.insertRows(rows).catch((err: unknown) => {
          this.index?.rolledBack();
          this.batchFailed();
          throw err;
        }),
      committed: (rows) => this.publish(rows),
    });
  }

  /** The live topic of an owner's rows. */
  topic(organizationId: string): `${K}:${string}` {
    return `${this.kind}:${organizationId}`;
  }

  cursorOf(row: T): string {
    return encodeCursor(this.kind, row.time.getTime(), row.id);
  }

  decode(cursor: string, field = 'after'): { time: number; id: string } {
    try {
      const { value, id } = decodeCursor(this.kind, cursor);
      if (typeof value !== 'number') throw new Error('bad cursor');
      return { time: value, id };
    } catch {
      throw badInput(`${field} is not a valid cursor for this query`, field);
    }
  }

  /** Rows of one owner (one device when `deviceId` is set), newest first; the total counted only when asked for. */
  protected async page(organizationId: string, q: ListQuery, filter: (qb: SelectQueryBuilder<T>) => void): Promise<Page<T>> {
    const { qb, columns } = this.base(organizationId, q.deviceId);
    this.timeRange(qb, q, columns.time);
    filter(qb);
    if (q.after) this.decode(q.after);
    const o: KeysetOptions<T> = {
      kind: this.kind,
      sortSql: columns.time,
      idColumn: columns.id,
      direction: 'DESC',
      keyOf: (row) => row.time.getTime(),
      first: q.first,
      after: q.after,
    };
    const query = keysetQuery(qb, o);
    await this.settleWrites();
    if (q.deviceId) await this.beforeDeviceRead();
    const rows = await this.o.reader.many(this.repo, query);
    return toPage(rows, o, () => this.o.reader.count(qb));
  }

  /**
   * Read your writes, bounded: when the writer holds rows, the query first lets them be written (a flush
   * starts at once), but waits at most `readYourWritesMs` — a slow or failing database, or a stream of new
   * rows that keeps the writer busy, never holds history queries up for longer.
   */
  private async settleWrites(): Promise<void> {
    if (this.o.readYourWritesMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.o.readYourWritesMs);
    });
    try {
      await Promise.race([this.writer.flush().catch(() => undefined), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Rows strictly after the cursor position, oldest first, in chunks (for replay before live delivery). */
  protected async *rowsAfter(organizationId: string, deviceId: string | null, after: { time: number; id: string }, filter: (qb: SelectQueryBuilder<T>) => void): AsyncGenerator<T> {
    let pos = after;
    for (;;) {
      if (deviceId) await this.beforeDeviceRead();
      const { qb, columns: c } = this.base(organizationId, deviceId);
      filter(qb);
      qb.andWhere(`(${c.time} > :pTime OR (${c.time} = :pTime AND ${c.id} > :pId))`, { pTime: pos.time, pId: pos.id }).orderBy(c.time, 'ASC').addOrderBy(c.id, 'ASC').limit(REPLAY_CHUNK);
      const rows = await this.o.reader.many(this.repo, qb);
      for (const row of rows) yield row;
      if (rows.length < REPLAY_CHUNK) return;
      const last = rows.at(-1)!;
      pos = { time: last.time.getTime(), id: last.id };
    }
  }

  /** True when `row` comes strictly after the position (same order as paging, reversed). */
  static isAfter(row: TimeSeriesRow, pos: { time: number; id: string }): boolean {
    const t = row.time.getTime();
    return t > pos.time || (t === pos.time && row.id > pos.id);
  }

  private base(organizationId: string, deviceId?: string | null): { qb: SelectQueryBuilder<T>; columns: { time: string; id: string } } {
    const qb = this.repo.createQueryBuilder('r').where('r.organization_id = :organizationId', { organizationId });
    const columns = deviceId ? this.deviceScope(qb, deviceId) : { time: 'r.time', id: 'r.id' };
    return { qb, columns };
  }

  /** Restricts `qb` (alias `r`) to one device; returns the time and id columns to sort and page on. */
  protected deviceScope(qb: SelectQueryBuilder<T>, deviceId: string): { time: string; id: string } {
    if (this.index) return this.index.scope(qb, deviceId);
    qb.andWhere('r.device_id = :deviceId', { deviceId });
    return { time: 'r.time', id: 'r.id' };
  }

  /** Runs before each per-device read (after buffered rows were written): the bulk-written index catches up. */
  protected async beforeDeviceRead(): Promise<void> {
    await this.index?.catchUp();
  }

  /** Retention deleted the owner's rows before (time, id) (`id` '': before `time`). */
  private async ownerTrimmed(organizationId: string, time: number, id: string): Promise<void> {
    await this.index?.trimOwner(organizationId, time, id);
  }

  private timeRange(qb: SelectQueryBuilder<T>, q: TimeRange, column: string): void {
    const valid = (d: Date | null | undefined, field: string) => {
      if (d == null) return null;
      if (Number.isNaN(d.getTime())) throw badInput(`${field} is not a valid date`, field);
      return d.getTime();
    };
    const since = valid(q.since, 'since');
    const until = valid(q.until, 'until');
    if (since != null) qb.andWhere(`${column} >= :since`, { since });
    if (until != null) qb.andWhere(`${column} < :until`, { until });
  }

  /**
   * Writes a batch in one transaction. SQLite: one prepared single-row INSERT per row. PostgreSQL: one multi-row INSERT
   * per chunk, built by hand (TypeORM's insert builder spends most of a large batch re-scanning its parameter list).
   */
  private async insertRows(rows: T[]): Promise<void> {
    await this.o.ds.transaction(async (m) => {
      if (this.sqlite) {
        const index = this.index;
        index?.beginBatch();
        for (const row of rows) {
          if (index && row.deviceId) index.noteDevice(row.deviceId);
          this.appendRow(row, index ? index.nextRowid() : null); // the index's counter: never reused (see DeviceIndex)
        }
        index?.appended();
      } else {
        await this.insertMultiRow(m, rows);
      }
      await this.alsoInTransaction(m, rows);
    });
  }

  /** SQLite: appends one row with a prepared statement (`rowid`: the rowid it gets, null: SQLite's own). */
  protected appendRow(row: T, rowid: number | null): void {
    const insert = (this.insertStatement ??= this.prepareInsert(rowid !== null));
    // Values spread, not in one array: better-sqlite3 reads an array one V8 property get at a time (~1 µs a row).
    if (rowid === null) insert.run(...this.paramsOf(row));
    else insert.run(rowid, ...this.paramsOf(row));
  }

  /** SQLite: a single-row INSERT (the rowid first when `rowid`); a column in `literals` (database name) takes that SQL. */
  protected prepareInsert(rowid: boolean, literals?: ReadonlyMap<string, string>): SqliteStatement {
    return this.sqlite!.prepare(this.insertSql(1, rowid, literals));
  }

  /** The SQLite connection (null on PostgreSQL) and its prepared INSERT of one row; the per-device index written in bulk. */
  private readonly sqlite: SqliteConnection | null;
  private insertStatement: SqliteStatement | null = null;
  protected readonly index: DeviceIndex | null;

  /** The table's columns in the order of `paramsOf` (default: the entity's columns). */
  protected get insertColumns(): EntityColumn[] {
    return this.repo.metadata.columns;
  }

  /** `INSERT INTO t (columns) VALUES (…), …` for `count` rows, with `?` (SQLite) or `$n` (PostgreSQL) marks or `literals`. */
  private insertSql(count: number, rowid = false, literals?: ReadonlyMap<string, string>): string {
    const driver = this.o.ds.driver;
    const columns = this.insertColumns;
    const postgres = this.o.ds.options.type === 'postgres';
    const names = (rowid ? ['rowid'] : []).concat(columns.map((c) => driver.escape(c.databaseName))).join(', ');
    let n = 0;
    const tuple = () => (rowid ? [bindMark(++n, postgres)] : []).concat(columns.map((c) => literals?.get(c.databaseName) ?? bindMark(++n, postgres)));
    const tuples = Array.from({ length: count }, () => `(${tuple().join(', ')})`);
    return `INSERT INTO ${driver.escape(this.repo.metadata.tableName)} (${names}) VALUES ${tuples.join(', ')}`;
  }

  /** The row's values in `insertColumns` order, as the database stores them (transformers applied). */
  protected paramsOf(row: T): unknown[] {
    const driver = this.o.ds.driver;
    return this.insertColumns.map((c) => driver.preparePersistentValue(c.getEntityValue(row), c));
  }

  private async insertMultiRow(m: EntityManager, rows: T[]): Promise<void> {
    // Stay well below PostgreSQL's bound-parameter limit.
    const chunk = Math.max(1, Math.floor(30000 / this.insertColumns.length));
    for (let i = 0; i < rows.length; i += chunk) {
      const slice = rows.slice(i, i + chunk);
      await m.query(
        this.insertSql(slice.length),
        slice.flatMap((row) => this.paramsOf(row)),
      );
    }
  }

  /** Writes that must commit (or fail) together with a batch of rows, in its transaction. */
  protected async alsoInTransaction(_m: EntityManager, _rows: T[]): Promise<void> {}

  /** Whether the table has an index on time alone (else retention by age goes owner by owner; every row has one). */
  protected readonly timeIndexed: boolean = true;

  /** A batch's transaction failed (rolled back). */
  protected batchFailed(): void {}

  private publish(rows: T[]): void {
    for (const row of rows) {
      if (!row.organizationId) continue;
      try {
        this.o.pubSub.publish(this.topic(row.organizationId), row);
      } catch (err) {
        this.o.log.warn(`${this.kind}: live delivery failed`, err);
      }
    }
  }

  /**
   * Deletes rows older than `maxAgeDays`, each owner's rows beyond its newest `maxRowsPerOwner`, and rows without an
   * owner beyond their own newest `maxUnownedRows` (a budget apart from every owner's); returns how many. Owners are
   * checked when they have rows written since an earlier pass (with a margin), all of them on the first pass and
   * every `FULL_PASS_EVERY` passes.
   */
  async enforceRetention(cfg: RetentionConfig): Promise<number> {
    const now = this.o.clock().getTime();
    let deleted = 0;
    const queries = new RetentionQueries(this.repo);
    if (cfg.maxAgeDays > 0) {
      const cutoff = now - cfg.maxAgeDays * DAY_MS;
      if (this.timeIndexed) {
        deleted += await this.deleteChunked((qb) => qb.where('r.time < :cutoff', { cutoff }));
      } else {
        // No index on time alone: owner by owner, on the (organization, time) index.
        for await (const owner of queries.recentOwners(Number.MIN_SAFE_INTEGER)) {
          deleted += await this.deleteChunked((qb) => qb.where('r.organization_id = :owner AND r.time < :cutoff', { owner, cutoff }));
          await this.ownerTrimmed(owner, cutoff, '');
        }
        deleted += await this.deleteChunked((qb) => qb.where('r.organization_id IS NULL AND r.time < :cutoff', { cutoff }));
      }
    }
    if (cfg.maxUnownedRows) deleted += await this.trimOwner(queries, null, cfg.maxUnownedRows);
    if (cfg.maxRowsPerOwner > 0) {
      const r = this.retentionState;
      const full = r.passes % FULL_PASS_EVERY === 0 || r.since === null || now < r.since;
      const since = full ? Number.MIN_SAFE_INTEGER : r.since!;
      for await (const owner of queries.recentOwners(since)) deleted += await this.trimOwner(queries, owner, cfg.maxRowsPerOwner);
      // Only after a complete pass: a failed one leaves the next to look at the same owners again.
      r.since = now - RECENT_MARGIN_MS;
      r.passes += 1;
    }
    return deleted;
  }

  /** Deletes the owner's rows beyond its newest `keep` (null: the rows without an owner). */
  private async trimOwner(queries: RetentionQueries, owner: string | null, keep: number): Promise<number> {
    const edge = await queries.keepEdge(owner, keep);
    if (!edge) return 0;
    const deleted = await this.deleteChunked((qb) => {
      if (owner === null) qb.where('r.organization_id IS NULL');
      else qb.where('r.organization_id = :owner', { owner });
      qb.andWhere('r.time <= :t AND (r.time < :t OR r.id < :id)', { t: edge.time, id: edge.id });
    });
    if (owner !== null) await this.ownerTrimmed(owner, edge.time, edge.id);
    return deleted;
  }

  /** Deletes every row of a device (after its buffered rows are written). */
  async deleteForDevice(deviceId: string): Promise<void> {
    await this.writer.flush();
    const index = this.index;
    if (!index) {
      await this.deleteChunked((qb) => qb.where('r.device_id = :deviceId', { deviceId }));
      return;
    }
    await index.catchUp();
    await this.deleteChunked((qb) => qb.where(`r.rowid IN (${index.deviceRows})`, { deviceId }));
    await index.deleteDevice(deviceId);
  }

  /**
   * Writes what is buffered and stops the writer; SQLite: copies every row into the per-device index, so that after a
   * clean stop no row waits past the watermark (a VACUUM between two runs can then renumber rowids without losing any).
   */
  async close(): Promise<void> {
    await this.writer.close();
    await this.index?.catchUp().catch((err: unknown) => this.o.log.warn(`${this.kind}: the copy into the per-device index at close failed; the next start copies the rows`, err));
  }

  /**
   * Deletes the matching rows oldest first, one short statement per chunk (`DELETE … WHERE id IN (SELECT … LIMIT n)`:
   * no ids travel, and TypeORM's builder never sees thousands of parameters), letting other work run between chunks.
   * SQLite addresses rows by rowid (device events have no index on id).
   */
  protected async deleteChunked(where: (qb: SelectQueryBuilder<T>) => void): Promise<number> {
    // SQLite runs each statement on the event loop: 1,000 rows ≈ 10–40 ms there. PostgreSQL waits off the loop.
    const postgres = this.o.ds.options.type === 'postgres';
    const chunk = postgres ? 10_000 : 1000;
    const key = postgres ? 'id' : 'rowid';
    let total = 0;
    for (;;) {
      const select = this.repo.createQueryBuilder('r').select(`r.${key}`);
      where(select);
      select.orderBy('r.time', 'ASC').addOrderBy('r.id', 'ASC').limit(chunk);
      const result = await this.repo.createQueryBuilder().delete().where(`${key} IN (${select.getQuery()})`).setParameters(select.getParameters()).execute();
      const count = result.affected ?? 0;
      total += count;
      if (count < chunk) return total;
      await yieldToEventLoop();
    }
  }
}
