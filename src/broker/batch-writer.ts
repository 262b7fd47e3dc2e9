import type { Logger } from '../common/runtime.js';

export interface BatchWriterOptions<T> {
  /** For log messages. */
  name: string;
  /** Rows per transaction. */
  batchSize: number;
  /** A row waits at most this long before its batch is written (ms). */
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
}

/**
 * Buffers rows and writes them in batches: one transaction per `batchSize` rows or per
 * `flushIntervalMs`, whichever comes first. One flush runs at a time, so rows commit in the order they
 * were added. A batch the database refuses is retried row by row: rows that fail alone are dropped and
 * logged, and if every row fails (database unavailable) the batch is kept and retried later.
 * `close()` writes everything still buffered.
 */
export class BatchWriter<T> {
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly highWaterMark: number;
  private readonly hardLimit: number;
  private readonly retryDelayMs: number;
  private waiters: Array<() => void> = [];
  private retryAt = 0;
  /** Rows written since start (for tests and metrics). */
  written = 0;
  /** Rows given up on. */
  dropped = 0;

  constructor(private readonly o: BatchWriterOptions<T>) {
    this.highWaterMark = o.highWaterMark ?? Math.max(o.batchSize * 20, 1000);
    this.hardLimit = o.hardLimit ?? this.highWaterMark * 50;
    this.retryDelayMs = o.retryDelayMs ?? 1000;
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
    this.buffer.push(row);
    if (this.buffer.length > this.hardLimit) {
      const lost = this.buffer.splice(0, this.buffer.length - this.hardLimit);
      this.dropped += lost.length;
      this.o.log.error(`${this.o.name}: database not keeping up, dropped ${lost.length} oldest buffered rows`);
    }
    if (this.buffer.length >= this.o.batchSize) this.kick();
    else this.schedule(this.o.flushIntervalMs);
    if (this.buffer.length >= this.highWaterMark) {
      return new Promise((resolve) => this.waiters.push(resolve));
    }
    return undefined;
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
    while (this.buffer.length) {
      const batch = this.buffer.splice(0, this.o.batchSize);
      const ok = await this.write(batch);
      if (!ok) {
        this.buffer.unshift(...batch);
        this.retryAt = Date.now() + this.retryDelayMs;
        return;
      }
      this.releaseWaiters(false);
    }
  }

  /** False when nothing could be written (database unavailable): the caller keeps the batch. */
  private async write(batch: T[]): Promise<boolean> {
    try {
      await this.o.insert(batch);
      this.done(batch);
      return true;
    } catch (err) {
      if (batch.length === 1) {
        this.o.log.error(`${this.o.name}: write failed, will retry`, err);
        return false;
      }
      this.o.log.warn(`${this.o.name}: batch of ${batch.length} refused, writing rows one by one`, err);
    }
    let failed = 0;
    let lastError: unknown;
    for (const row of batch) {
      try {
        await this.o.insert([row]);
        this.done([row]);
      } catch (err) {
        failed += 1;
        lastError = err;
        if (failed === batch.length) {
          this.o.log.error(`${this.o.name}: database unavailable, will retry`, err);
          return false;
        }
      }
    }
    this.dropped += failed;
    if (failed) this.o.log.error(`${this.o.name}: dropped ${failed} rows the database refused`, lastError);
    return true;
  }

  private done(rows: T[]): void {
    this.written += rows.length;
    try {
      this.o.committed?.(rows);
    } catch (err) {
      this.o.log.error(`${this.o.name}: notifying committed rows failed`, err);
    }
  }

  private releaseWaiters(all: boolean): void {
    if (!this.waiters.length || (!all && this.buffer.length >= this.highWaterMark)) return;
    for (const w of this.waiters.splice(0)) w();
  }
}
