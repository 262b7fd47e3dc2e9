import { isStorageUnavailable, type Logger, StorageUnavailableError } from '../common/index.js';
import type { StorageHealth } from '../db/index.js';

export interface BatchWriterOptions<T> {
  /** For log messages. */
  name: string;
  /** Rows per transaction. */
  batchSize: number;
  /**
   * A row waits at most this long before its batch is written, and flushes start at most once per this long
   * (ms); a row reaching a writer that did not flush for that long is written at the end of its turn.
   */
  flushIntervalMs: number;
  /** Writes the rows in one short transaction. */
  insert: (rows: T[]) => Promise<void>;
  /** Called with rows once they are committed (e.g. to notify live subscribers). */
  committed?: (rows: T[]) => void;
  log: Logger;
  /** `add()` starts returning a promise (backpressure) when this many rows wait. */
  highWaterMark?: number;
  /** Beyond this many waiting rows (database down for long), the oldest are dropped and logged. */
  hardLimit?: number;
  /** Delay before retrying after the database refused a whole batch (ms). */
  retryDelayMs?: number;
  /** Told when writes fail for a storage reason and when they succeed again. */
  health?: StorageHealth;
  /** Told how long each committed transaction took (seconds), for the commit latency histogram. */
  observeCommit?: (seconds: number) => void;
}

interface Entry<T> {
  row: T;
  /** Durable rows: settled when committed, or refused when the storage cannot write. */
  settle?: { resolve: () => void; reject: (err: Error) => void };
}

/**
 * Buffers rows and writes them in batches: one transaction per `batchSize` rows or per
 * `flushIntervalMs`, whichever comes first (group commit). One flush runs at a time, so rows commit in the
 * order they were added. A durable row (`addDurable`) settles when its batch is committed; when the storage
 * cannot write (disk full, read-only, database down) every durable row waiting is refused with a
 * StorageUnavailableError (its producer must not report success) and the other rows are kept and retried.
 * A batch refused for another reason is retried row by row: rows that fail alone are dropped and logged.
 * `close()` writes everything still buffered.
 */
export class BatchWriter<T> {
  private buffer: Array<Entry<T>> = [];
  private timer: NodeJS.Timeout | null = null;
  private soon = false;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly highWaterMark: number;
  private readonly hardLimit: number;
  private readonly retryDelayMs: number;
  private waiters: Array<() => void> = [];
  private retryAt = 0;
  /** When the last flush started (performance.now()). */
  private lastStart = -Infinity;
  /** Rows written since start (for tests and metrics). */
  written = 0;
  /** Rows given up on. */
  dropped = 0;

  constructor(private readonly o: BatchWriterOptions<T>) {
    this.highWaterMark = o.highWaterMark ?? Math.max(o.batchSize * 20, 1000);
    this.hardLimit = o.hardLimit ?? this.highWaterMark * 50;
    this.retryDelayMs = o.retryDelayMs ?? 500;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Buffers a row. Returns a promise only when the buffer is above its high-water mark: callers that
   * can wait (message ingest) should await it, so a slow database slows producers instead of growing
   * memory.
   */
  add(row: T): Promise<void> | undefined {
    this.push({ row });
    if (this.buffer.length >= this.highWaterMark) {
      return new Promise((resolve) => this.waiters.push(resolve));
    }
    return undefined;
  }

  /**
   * Buffers a row whose producer reports success only once it is stored (e.g. a QoS 1 PUBACK): resolves when
   * the row is committed, rejects with StorageUnavailableError when the storage cannot write it.
   */
  addDurable(row: T): Promise<void> {
    return new Promise<void>((resolve, reject) => this.push({ row, settle: { resolve, reject } }));
  }

  private push(entry: Entry<T>): void {
    this.buffer.push(entry);
    if (this.buffer.length > this.hardLimit) {
      const lost = this.buffer.splice(0, this.buffer.length - this.hardLimit);
      this.dropped += lost.length;
      this.refuse(lost, new StorageUnavailableError('buffer full'));
      this.o.log.error(`${this.o.name}: database not keeping up, dropped ${lost.length} oldest buffered rows`);
    }
    if (this.buffer.length >= this.o.batchSize) this.kick();
    else if (entry.settle) this.kickSoon();
    else if (!this.timer && !this.running && !this.closed) {
      // Flushes start at most once per flush interval: under load rows gather for it, and a row reaching a writer
      // that did not flush for that long (one event for live subscribers, a quiet fleet) is written this turn. (With a
      // flush scheduled or running there is nothing to decide: no clock read per row.)
      const wait = this.lastStart + this.o.flushIntervalMs - performance.now();
      if (wait <= 0) this.kickSoon();
      else this.schedule(wait);
    }
  }

  /**
   * A producer waits for this row (group commit): write at the end of this turn of the event loop, with whatever else
   * arrived meanwhile, instead of after the flush interval; rows arriving while a batch commits go in the next one.
   */
  private kickSoon(): void {
    if (this.running || this.closed || this.soon) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      this.kick();
    });
  }

  /** Writes everything buffered so far; resolves when done (or the database refused it for now). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.buffer.length) {
      this.running = this.drain().finally(() => {
        this.running = null;
      });
      await this.running;
    }
  }

  /** Flushes and stops; later `add()`s are still buffered and written by a final `flush()`. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    if (this.buffer.length) {
      this.o.log.error(`${this.o.name}: ${this.buffer.length} rows could not be written at shutdown`);
      this.refuse(this.buffer.splice(0), new StorageUnavailableError('shutting down'));
    }
    this.releaseWaiters(true);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.running || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, delayMs);
    this.timer.unref?.();
  }

  private kick(): void {
    if (this.running || this.closed) return;
    if (Date.now() < this.retryAt) {
      this.schedule(this.retryAt - Date.now());
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.buffer.length && !this.closed) this.schedule(Math.max(this.retryAt - Date.now(), this.o.flushIntervalMs));
    });
  }

  /** Writes batches until the buffer is empty or the database refuses to write. */
  private async drain(): Promise<void> {
    this.lastStart = performance.now();
    while (this.buffer.length) {
      const batch = this.buffer.splice(0, this.o.batchSize);
      const kept = await this.write(batch);
      if (kept) {
        this.buffer.unshift(...kept);
        this.retryAt = Date.now() + this.retryDelayMs;
        return;
      }
      this.releaseWaiters(false);
    }
  }

  /**
   * Null when the batch is dealt with (written, or bad rows dropped); otherwise the storage cannot write:
   * durable rows are refused and the rest (returned) wait for a retry.
   */
  private async write(batch: Array<Entry<T>>): Promise<Array<Entry<T>> | null> {
    try {
      await this.insert(batch.map((e) => e.row));
      this.done(batch);
      return null;
    } catch (err) {
      if (batch.length === 1 || isStorageUnavailable(err)) return this.unavailable(batch, err);
      this.o.log.warn(`${this.o.name}: batch of ${batch.length} refused, writing rows one by one`, err);
    }
    let failed = 0;
    let lastError: unknown;
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!;
      try {
        await this.insert([entry.row]);
        this.done([entry]);
      } catch (err) {
        if (isStorageUnavailable(err) || failed + 1 === batch.length) return this.unavailable(batch.slice(i), err);
        failed += 1;
        lastError = err;
        this.refuse([entry], new StorageUnavailableError('row refused by the database', err));
      }
    }
    this.dropped += failed;
    if (failed) this.o.log.error(`${this.o.name}: dropped ${failed} rows the database refused`, lastError);
    return null;
  }

  /** One transaction; its duration is observed when it commits. */
  private async insert(rows: T[]): Promise<void> {
    const started = performance.now();
    await this.o.insert(rows);
    this.o.observeCommit?.((performance.now() - started) / 1000);
  }

  private unavailable(entries: Array<Entry<T>>, err: unknown): Array<Entry<T>> {
    this.o.health?.markFailed(err instanceof Error ? err.message : String(err));
    // Nothing waiting for durability may be told it is stored: refuse those, here and further back in the buffer.
    const refused = new StorageUnavailableError('storage unavailable', err);
    const durable = entries.filter((e) => e.settle);
    const waiting = this.buffer.filter((e) => e.settle);
    if (waiting.length) this.buffer = this.buffer.filter((e) => !e.settle);
    this.refuse(durable, refused);
    this.refuse(waiting, refused);
    this.o.log.error(`${this.o.name}: storage unavailable (${durable.length + waiting.length} durable rows refused, will retry the others)`, err);
    return entries.filter((e) => !e.settle);
  }

  private refuse(entries: Array<Entry<T>>, err: Error): void {
    for (const e of entries) e.settle?.reject(err);
  }

  private done(entries: Array<Entry<T>>): void {
    this.written += entries.length;
    this.o.health?.markOk();
    for (const e of entries) e.settle?.resolve();
    try {
      this.o.committed?.(entries.map((e) => e.row));
    } catch (err) {
      this.o.log.error(`${this.o.name}: notifying committed rows failed`, err);
    }
  }

  private releaseWaiters(all: boolean): void {
    if (!this.waiters.length || (!all && this.buffer.length >= this.highWaterMark)) return;
    for (const w of this.waiters.splice(0)) w();
  }
}
