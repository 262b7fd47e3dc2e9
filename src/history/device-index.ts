import type { DataSource, ObjectLiteral, SelectQueryBuilder } from 'typeorm';

import type { Logger } from '../common/index.js';
import type { SqliteConnection, SqliteStatement } from '../db/index.js';

/**
 * Rows appended since the last copy that start a copy from the write path... A copy dirties about one index page per
 * device, however many rows it moves: fewer, larger copies cost less in all and stall less often. Measured (prepared
 * appends + copies, 1,000 devices, 50 rows per transaction): every 4,096 rows 15.1 CPU-µs per row, 16 ms per copy;
 * every 16,384 rows 9.1 µs per row, 28 ms per copy (4× rarer). With 100 devices: 7.3 → 6.0 µs, 5.7 → 14.9 ms.
 */
const COPY_EVERY_ROWS = 16_384;
/** ...or this long after the previous copy, when rows are waiting (ms). */
const COPY_EVERY_MS = 5000;
/**
 * A copy of at least this many rows is made in slices of the device-id space, each in a batch's transaction
 * (device ids are UUIDs; the bounds split them by their first hex digit): each device's rows still go in together,
 * and the event loop is held ~4 short times, `SLICE_GAP_MS` apart, instead of once for 30-70 ms (the p99 of live
 * delivery in the fan-in bench). Each slice scans the copied rowid range again, ~1 CPU-µs per row in all.
 */
const SLICE_FROM_ROWS = 4096;
const SLICE_BOUNDS = ['4', '8', 'c'];
/**
 * ...unless the rows came from at most this many devices (as noted by the batch writer): then each slice would scan the
 * whole range again for the few devices it holds. Measured (16,384 rows of 256 B, prepared copies, this machine): 100
 * devices 1.2 CPU-µs per row at once against 1.85 in four slices, one device 1.44 against 2.04 (16 B rows: 1.7 against
 * 1.8); 1,000 devices 3.0 against 3.2. At once, such a copy holds the event loop ~20-25 ms.
 */
const COPY_AT_ONCE_DEVICES = 128;
/**
 * Between two slices of one copy (ms). A slice and its batch's COMMIT hold the event loop ~10-30 ms with 1,000
 * devices; four in consecutive batches (10 ms apart) made one ~90 ms stall, the p99 of fan-in at 10,000 msg/s. Spaced
 * out, the loop catches up in between.
 */
const SLICE_GAP_MS = 250;

interface Statements {
  state: { get(): { upto: number; upto_id: string | null } | undefined };
  maxRowid: { get(): { m: number | null } | undefined };
  idAt: { get(rowid: number): { id: string } | undefined };
  copy: SqliteStatement;
  setState: SqliteStatement;
  deleteDevice: SqliteStatement;
  trimOwner: SqliteStatement;
}

/** The tables of one deferred per-device index: the rows' table, the index and its one-row watermark. */
export interface DeviceIndexTables {
  rows: string;
  index: string;
  state: string;
  /**
   * The index's column holding each row's rowid, when `rows` has no index on `id` (device events, 1764002800000: the
   * rowid is their `INTEGER PRIMARY KEY`, kept by VACUUM): the index joins on it. Without it, the index joins on `id`.
   */
  rowKey?: string;
}

/**
 * SQLite's per-device index of a time series (device events: migration 1764002500000; the connection log:
 * 1764002700000), written in bulk: rows are appended to their table (`rows`) without a per-device index, and the rows
 * past the watermark (`state.upto`, a rowid) are copied into `index` sorted by device: every 16,384 rows (rows of many
 * devices in four slices of the device ids, spaced out over batch transactions), every 5 seconds (inside a batch's transaction) and
 * before any per-device read (at once). A per-device query joins the index, so it sees exactly the committed rows; rows
 * deleted by retention leave index entries that the join ignores and that retention removes per owner. The connection
 * log's index holds ids, so its rowids matter only for the rows not copied yet; device events' holds their rowid as well
 * (`rowKey`), which their INTEGER PRIMARY KEY keeps through a VACUUM.
 */
export class DeviceIndex {
  static readonly EVENTS: DeviceIndexTables = { rows: 'device_events', index: 'device_event_index', state: 'device_event_index_state', rowKey: 'rid' };
  static readonly CONNECTION_LOG: DeviceIndexTables = { rows: 'connection_logs', index: 'connection_log_index', state: 'connection_log_index_state' };
  private readonly st: Statements;
  private lastCopy = Date.now();
  /** The next row's rowid. */
  private rowid: number;
  /** The watermark as of the last copy this process made (or read at start); rows past it wait for a copy. */
  private upto: number;
  /** Devices of the rows appended since the last copy, up to one more than COPY_AT_ONCE_DEVICES. */
  private readonly devices = new Set<string>();
  /** A copy under way in slices: the rowid range (from, to] and the next slice. */
  private slicing: { from: number; to: number; next: number; at: number } | null = null;

  constructor(
    private readonly ds: DataSource,
    sqlite: SqliteConnection,
    log: Logger,
    private readonly tables: DeviceIndexTables,
    /** Between two slices of a copy (ms). */
    private readonly sliceGapMs = SLICE_GAP_MS,
  ) {
    const { rows, index, state, rowKey } = tables;
    const p = <T>(sql: string) => sqlite.prepare(sql) as unknown as T;
    const [keyInto, keyFrom] = rowKey ? [`, ${rowKey}`, ', rowid'] : ['', ''];
    this.st = {
      state: p(`SELECT upto, upto_id FROM ${state} WHERE id = 1`),
      maxRowid: p(`SELECT MAX(rowid) AS m FROM ${rows}`),
      idAt: p(`SELECT id FROM ${rows} WHERE rowid = ?`),
      // The rows of (from, to] whose device id is in [low, high) (high null: no upper bound).
      copy: p(
        `INSERT OR IGNORE INTO ${index} (device_id, time, id${keyInto}) SELECT device_id, time, id${keyFrom} FROM ${rows} WHERE rowid > ? AND rowid <= ? AND device_id >= ? AND (? IS NULL OR device_id < ?) ORDER BY device_id, time, id`,
      ),
      setState: p(`UPDATE ${state} SET upto = ?, upto_id = (SELECT id FROM ${rows} WHERE rowid = ?) WHERE id = 1`),
      deleteDevice: p(`DELETE FROM ${index} WHERE device_id = ?`),
      trimOwner: p(`DELETE FROM ${index} WHERE device_id IN (SELECT id FROM devices WHERE organization_id = ?) AND (time < ? OR (time = ? AND id < ?))`),
    };
    const s = this.st.state.get();
    if (!s) throw new Error(`${state} has no row: run the migrations`);
    // The watermark is a rowid; a VACUUM may renumber rowids. Then the index is rebuilt from the table.
    const at = s.upto_id == null ? undefined : this.st.idAt.get(s.upto);
    if (at && at.id !== s.upto_id) {
      log.warn(`${index}: rowids of ${rows} changed (VACUUM?); rebuilding the per-device index`);
      sqlite.exec(`DELETE FROM ${index}; UPDATE ${state} SET upto = 0, upto_id = NULL WHERE id = 1`);
    }
    const max = this.st.maxRowid.get()?.m ?? 0;
    this.upto = this.st.state.get()?.upto ?? 0;
    this.rowid = Math.max(max, this.upto) + 1;
  }

  /**
   * The rowid of the next row the batch writer appends. SQLite itself would give MAX(rowid) + 1, which falls back
   * below the watermark once the newest rows are deleted (retention of an idle fleet, a deleted device): such rows
   * would never be copied. This counter only grows; a rolled-back batch leaves a gap, nothing else.
   */
  nextRowid(): number {
    return this.rowid++;
  }

  /** The batch writer appends a row of this device (the next copy is made at once when they are few). */
  noteDevice(deviceId: string): void {
    if (this.devices.size <= COPY_AT_ONCE_DEVICES) this.devices.add(deviceId);
  }

  /** In a batch's transaction, before its rows: past any row written by something else than the batch writer. */
  beginBatch(): void {
    const max = this.st.maxRowid.get()?.m ?? 0;
    if (max >= this.rowid) this.rowid = max + 1;
  }

  /** In a batch's transaction, after its rows were appended: copies the waiting rows when enough have gathered. */
  appended(): void {
    if (this.slicing) {
      if (Date.now() - this.slicing.at >= this.sliceGapMs) this.copyNextSlice();
    } else if (this.rowid - 1 - this.upto >= COPY_EVERY_ROWS || Date.now() - this.lastCopy >= COPY_EVERY_MS) this.startCopy();
  }

  /**
   * A batch's transaction rolled back: a copy or slice made in it is undone, so the watermark is read back (a copy in
   * slices starts over; INSERT OR IGNORE skips what its earlier slices wrote).
   */
  rolledBack(): void {
    this.upto = this.st.state.get()?.upto ?? 0;
    this.slicing = null;
  }

  /**
   * Before a per-device read: the rows appended so far are in the index (one short transaction when some wait). Asks
   * the table, not the count of appended rows: rows written by anything else than the batch writer count too.
   */
  async catchUp(): Promise<void> {
    if ((this.st.maxRowid.get()?.m ?? 0) <= (this.st.state.get()?.upto ?? 0)) return;
    await this.ds.transaction(async () => this.copy());
  }

  /** Restricts `qb` (alias `r`) to one device through the index; returns the index's time and id columns to sort on. */
  scope<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, deviceId: string): { time: string; id: string } {
    qb.innerJoin(this.tables.index, 'x', this.joinOn('x', 'r')).andWhere('x.device_id = :deviceId', { deviceId });
    return { time: 'x.time', id: 'x.id' };
  }

  /** The device's rows, as a subquery for `rowid IN (…)` with the `:deviceId` parameter. */
  get deviceRows(): string {
    return `SELECT dr.rowid FROM ${this.tables.rows} dr INNER JOIN ${this.tables.index} di ON ${this.joinOn('di', 'dr')} WHERE di.device_id = :deviceId`;
  }

  /**
   * An index entry's row: by rowid where the index holds it (the id too: an entry left by a deleted row must not
   * match a later row given the same rowid by a write outside the batch writer), else by id.
   */
  private joinOn(index: string, row: string): string {
    const { rowKey } = this.tables;
    return rowKey ? `${index}.${rowKey} = ${row}.rowid AND ${index}.id = ${row}.id` : `${index}.id = ${row}.id`;
  }

  async deleteDevice(deviceId: string): Promise<void> {
    await this.ds.transaction(async () => void this.st.deleteDevice.run(deviceId));
  }

  /** Retention deleted the owner's rows before (time, id): their index entries go too. */
  async trimOwner(organizationId: string, time: number, id: string): Promise<void> {
    await this.ds.transaction(async () => void this.st.trimOwner.run(organizationId, time, time, id));
  }

  /** Copies the rows past the watermark at once, sorted by device. Runs inside a transaction holding the write lock. */
  private copy(): void {
    this.copyAll(this.st.state.get()?.upto ?? 0, this.st.maxRowid.get()?.m ?? 0);
  }

  private copyAll(upto: number, max: number): void {
    if (max > upto) {
      this.st.copy.run(upto, max, '', null, null);
      this.st.setState.run(max, max);
    }
    this.upto = Math.max(upto, max);
    this.slicing = null;
    this.lastCopy = Date.now();
    this.devices.clear();
  }

  /** In a batch's transaction: copies the rows past the watermark, at once or (many rows) its first slice. */
  private startCopy(): void {
    const upto = this.st.state.get()?.upto ?? 0;
    const max = this.st.maxRowid.get()?.m ?? 0;
    // Rows left from before a restart (none noted): sliced, their devices are unknown.
    const few = this.devices.size > 0 && this.devices.size <= COPY_AT_ONCE_DEVICES;
    if (max - upto < SLICE_FROM_ROWS || few) return this.copyAll(upto, max);
    this.lastCopy = Date.now();
    this.devices.clear();
    this.slicing = { from: upto, to: max, next: 0, at: 0 };
    this.copyNextSlice();
  }

  /** In a batch's transaction: the next slice of the copy under way; the last one moves the watermark. */
  private copyNextSlice(): void {
    const s = this.slicing!;
    const low = s.next === 0 ? '' : SLICE_BOUNDS[s.next - 1]!;
    const high = SLICE_BOUNDS[s.next] ?? null;
    this.st.copy.run(s.from, s.to, low, high, high);
    s.next += 1;
    s.at = Date.now();
    if (s.next <= SLICE_BOUNDS.length) return;
    this.st.setState.run(s.to, s.to);
    this.upto = s.to;
    this.slicing = null;
  }
}
