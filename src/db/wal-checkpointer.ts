import { Worker } from 'node:worker_threads';

import type { DataSource } from 'typeorm';

import { atMostEvery, type Logger } from '../common/index.js';
import { sqliteConnection } from './sqlite-writes.js';

/**
 * Source of the checkpoint worker (`eval: true`, like the read worker: the same code runs from ts-jest and dist/).
 * Plain CommonJS JavaScript. It opens its own connection to the database file and runs a PASSIVE checkpoint every
 * `intervalMs`: the WAL's pages are copied into the database file and the file is synced there, not on the event loop.
 * A PASSIVE checkpoint takes no lock a writer waits for. When it copied everything, the next write transaction starts
 * the WAL over from its beginning. (A RESTART checkpoint here, which forces that, doubled the CPU per QoS 1 message: it
 * holds the write lock, and it changes the WAL header, which empties the writing connection's page cache.)
 */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
try {
  require('node:os').setPriority(0, Number(workerData.nice));
} catch {}
const Database = require(workerData.modulePath);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
let timer = null;
let stopped = false;
// The last state reported: an idle WAL (copied, waiting for the next write to start over) is not reported again.
let last = '';
function tick() {
  timer = null;
  if (stopped) return;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    const state = r.log + '/' + r.checkpointed;
    if (r.log > 0 && state !== last) parentPort.postMessage({ checkpoint: { log: r.log, checkpointed: r.checkpointed } });
    last = state;
  } catch (err) {
    parentPort.postMessage({ error: { message: String(err && err.message), code: err && err.code } });
  }
  timer = setTimeout(tick, Number(workerData.intervalMs));
}
parentPort.on('message', (msg) => {
  if (!msg || !msg.close) return;
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage({ ready: true });
tick();
`;

export interface WalCheckpointerOptions {
  /** Between two checkpoints (ms). */
  intervalMs: number;
  /**
   * The writing connection still checkpoints by itself past this many WAL pages (SQLite's `wal_autocheckpoint`, default
   * 1,000; here 4,000). Writers that never pause leave the worker no moment when every page is copied, so the WAL would
   * only grow: this checkpoint then copies the few pages the worker has not (it starts where the worker stopped) and the
   * next write transaction starts the WAL over. It is also the safety net for a worker that stopped.
   */
  fallbackPages?: number;
}

type Reply = { ready: true } | { checkpoint: { log: number; checkpointed: number } } | { error: { message: string; code?: string } };

/**
 * SQLite in WAL mode copies the WAL back into the database file every 1,000 pages by default, inside the COMMIT
 * that crossed the mark, with an fsync of the database file: on the event loop, the longest stall of a busy message
 * server (a 12-40 ms COMMIT every few hundred milliseconds at 10,000 stored messages a second). Here a worker thread
 * of its own does the copying; the writing connection's own checkpoint only finishes it (see `fallbackPages`).
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private closed: Promise<void> | null = null;
  private readonly exited: Promise<void>;
  /** A failing checkpoint is logged at most every 10 s. */
  private readonly errorWarning = atMostEvery(10_000);
  /** Told of each checkpoint that found the WAL in a new state (pages in it, pages copied). */
  onCheckpoint: ((r: { log: number; checkpointed: number }) => void) | null = null;

  private constructor(
    file: string,
    o: WalCheckpointerOptions,
    private readonly log: Logger,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath: require.resolve('better-sqlite3'), file, intervalMs: o.intervalMs, nice: 5 } });
    this.worker.unref();
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        if (!this.closed) this.log.warn('WAL checkpoint worker stopped; the writing connection checkpoints by itself');
        resolve();
      }),
    );
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (reply: Reply) => {
        if ('ready' in reply) resolve();
        else if ('checkpoint' in reply) this.onCheckpoint?.(reply.checkpoint);
        else this.failed(reply.error);
      });
      this.worker.once('error', (err) => {
        this.log.error('WAL checkpoint worker failed; the writing connection checkpoints by itself', err);
        reject(err);
      });
      this.worker.once('exit', () => reject(new Error('WAL checkpoint worker exited')));
    });
    this.ready.catch(() => undefined);
  }

  /** Starts the worker for a better-sqlite3 DataSource (null on PostgreSQL, or when `intervalMs` is 0). */
  static async start(ds: DataSource, o: WalCheckpointerOptions, log: Logger): Promise<WalCheckpointer | null> {
    const sqlite = sqliteConnection(ds);
    if (!sqlite || o.intervalMs <= 0) return null;
    const file = (ds.options as { database: string }).database;
    const checkpointer = new WalCheckpointer(file, o, log);
    try {
      await checkpointer.ready;
    } catch (err) {
      log.warn('WAL checkpoint worker did not start; the writing connection checkpoints by itself', err);
      await checkpointer.close();
      return null;
    }
    sqlite.exec(`PRAGMA wal_autocheckpoint = ${Math.max(1, Math.floor(o.fallbackPages ?? 4000))}`);
    return checkpointer;
  }

  /** Stops the worker (the writing connection's close then checkpoints what is left, as SQLite always does). */
  close(): Promise<void> {
    return (this.closed ??= (async () => {
      this.worker.postMessage({ close: true });
      const timer = setTimeout(() => void this.worker.terminate(), 2000);
      await this.exited;
      clearTimeout(timer);
    })());
  }

  private failed(error: { message: string; code?: string }): void {
    if (!this.errorWarning()) return;
    this.log.warn('WAL checkpoint failed (it is tried again)', { code: error.code, message: error.message });
  }
}
