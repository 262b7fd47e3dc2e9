import { Worker } from 'node:worker_threads';

import { Pool } from 'pg';

import { AppError, type Logger } from '../common/index.js';
import type { DatabaseConfig, ReadsConfig } from '../config/index.js';
import { SQLITE_READ_WORKER_SOURCE } from './sqlite-read-worker.js';

export type RawRow = Record<string, unknown>;

/**
 * Runs read-only SQL off the event loop: SQLite in worker threads with their own read-only connections,
 * PostgreSQL on a small pool of its own (so heavy reads never take the writers' connections). Every
 * statement is cut after `queryTimeoutMs` with QUERY_TIMEOUT.
 */
export interface ReadPool {
  readonly dialect: 'sqlite' | 'postgres';
  all(sql: string, params: readonly unknown[]): Promise<RawRow[]>;
  close(): Promise<void>;
}

/** What the client sees when a history query is cut: no SQL, no internals. */
export const queryTimeout = (ms: number): AppError =>
  new AppError('QUERY_TIMEOUT', `The query ran longer than ${ms} ms and was stopped; narrow it (device, time range, topic filter) or ask for fewer rows`, {
    timeoutMs: ms,
  });

export function createReadPool(db: DatabaseConfig, reads: ReadsConfig, log: Logger): ReadPool {
  if (db.type === 'postgres') {
    if (!db.url) throw new Error('database.url is required for postgres');
    return new PgReadPool(db.url, reads, log);
  }
  return new SqliteReadPool(db.sqlitePath, reads, log);
}

class PgReadPool implements ReadPool {
  readonly dialect = 'postgres' as const;
  private readonly pool: Pool;

  constructor(
    url: string,
    private readonly reads: ReadsConfig,
    log: Logger,
  ) {
    this.pool = new Pool({
      connectionString: url,
      max: reads.workers,
      statement_timeout: reads.queryTimeoutMs,
      application_name: 'portico-reads',
      options: '-c default_transaction_read_only=on',
      idleTimeoutMillis: 30_000,
    });
    this.pool.on('error', (err) => log.warn('read pool: idle connection failed', err));
  }

  async all(sql: string, params: readonly unknown[]): Promise<RawRow[]> {
    try {
      return (await this.pool.query<RawRow>(sql, params as unknown[])).rows;
    } catch (err) {
      // 57014 query_canceled: statement_timeout.
      if ((err as { code?: unknown }).code === '57014') throw queryTimeout(this.reads.queryTimeoutMs);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

interface Job {
  id: number;
  sql: string;
  params: readonly unknown[];
  resolve: (rows: RawRow[]) => void;
  reject: (err: unknown) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  /** The worker has opened its connection (its first query's time starts then, not during start-up). */
  ready: boolean;
  job: Job | null;
}

type WorkerReply = { ready: true } | { id: number; rows: RawRow[] } | { id: number; error: { message: string; code?: string } };

/**
 * Up to `workers` worker threads, started on first use, one query each at a time; queries wait in FIFO
 * order for a free worker. A query over the timeout is answered with QUERY_TIMEOUT at once and its
 * worker is terminated; a fresh one takes its place. better-sqlite3 cannot interrupt a statement, so a
 * terminated worker may run until its statement ends: at most `workers` of those exist at a time (beyond
 * that, queries wait for them to end), so at most 2 × `workers` threads ever read.
 */
class SqliteReadPool implements ReadPool {
  readonly dialect = 'sqlite' as const;
  private slots: Slot[] = [];
  /** Terminated workers whose thread has not ended yet. */
  private stopping = 0;
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly modulePath = require.resolve('better-sqlite3');

  constructor(
    private readonly file: string,
    private readonly reads: ReadsConfig,
    private readonly log: Logger,
  ) {}

  all(sql: string, params: readonly unknown[]): Promise<RawRow[]> {
    if (this.closed) return Promise.reject(new Error('read pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, sql, params, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('read pool closed'));
    const slots = this.slots.splice(0);
    for (const slot of slots) this.fail(slot, new Error('read pool closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length && !this.closed) {
      if (!this.slots.some((s) => !s.job) && this.slots.length < this.reads.workers && this.slots.length + this.stopping < 2 * this.reads.workers) this.spawn();
      const slot = this.slots.find((s) => s.ready && !s.job);
      if (!slot) return;
      this.run(slot, this.queue.shift()!);
    }
  }

  private spawn(): void {
    const worker = new Worker(SQLITE_READ_WORKER_SOURCE, {
      eval: true,
      workerData: { modulePath: this.modulePath, file: this.file, busyTimeoutMs: 5000, cacheKiB: 32 * 1024, mmapBytes: 256 * 1024 * 1024, nice: 19 },
    });
    const slot: Slot = { worker, ready: false, job: null };
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        this.pump();
        return;
      }
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      this.settle(slot);
      if ('error' in reply) job.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else job.resolve(reply.rows);
      this.pump();
    });
    worker.on('error', (err) => {
      this.log.error('read worker failed', err);
      this.retire(slot, err);
    });
    worker.on('exit', () => this.retire(slot, new Error('read worker exited')));
    this.slots.push(slot);
  }

  private run(slot: Slot, job: Job): void {
    slot.job = job;
    job.timer = setTimeout(() => {
      // Answer now; the worker stops at its next call into JavaScript (or when the statement ends).
      this.stopping += 1;
      this.retire(slot, queryTimeout(this.reads.queryTimeoutMs));
      void slot.worker.terminate().finally(() => {
        this.stopping -= 1;
        this.pump();
      });
    }, this.reads.queryTimeoutMs);
    slot.worker.postMessage({ id: job.id, sql: job.sql, params: job.params });
  }

  /** The slot's job is done: stop its timer and free the slot. */
  private settle(slot: Slot): void {
    if (slot.job?.timer) clearTimeout(slot.job.timer);
    slot.job = null;
  }

  private fail(slot: Slot, err: unknown): void {
    const job = slot.job;
    this.settle(slot);
    job?.reject(err);
  }

  /** Takes the slot out of service (its job, if any, fails with `err`) and lets queued jobs use a new worker. */
  private retire(slot: Slot, err: unknown): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    this.fail(slot, err);
    this.pump();
  }
}
