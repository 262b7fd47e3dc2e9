import { AsyncLocalStorage } from 'node:async_hooks';

import type { DataSource, QueryRunner } from 'typeorm';

/**
 * TypeORM's better-sqlite3 driver runs every operation of the process on ONE shared query runner, and two
 * things follow that this module corrects (it is the only place that reaches into that runner; typeorm is
 * pinned exactly and `guardSqliteWrites` checks at start-up that what it relies on is still there):
 *
 * 1. Concurrent async flows interleave inside one transaction: a `save()` or a batch insert issued while
 *    another flow's transaction is open runs inside it (as a SAVEPOINT or directly), and is lost if that
 *    transaction rolls back, although it reported success. Here a transaction takes a process-wide write lock
 *    for its whole length; statements of other flows wait until it ends.
 * 2. When COMMIT fails (disk full, I/O error) SQLite may already have rolled back by itself; TypeORM's ROLLBACK
 *    then fails and the runner believes, forever, that a transaction is open, so every later write of the
 *    server ran inside a transaction nobody commits (reported as success, gone after a restart). Here the
 *    runner's state is re-aligned with the connection's real state after every failed COMMIT or ROLLBACK.
 */

/** A prepared statement of the better-sqlite3 connection (the part of its API the hot write paths use). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
}

/** The better-sqlite3 connection TypeORM writes through (the part of its API used here and on hot write paths). */
export interface SqliteConnection {
  inTransaction: boolean;
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
}

/**
 * The connection behind TypeORM's better-sqlite3 driver (null on PostgreSQL). Its statements run in whatever
 * transaction the connection has open: use them only inside `ds.transaction(...)`, whose flow holds the write lock
 * (see below), never on their own.
 */
export function sqliteConnection(ds: DataSource): SqliteConnection | null {
  if (ds.options.type !== 'better-sqlite3') return null;
  const raw = (ds.driver as unknown as { databaseConnection?: Partial<SqliteConnection> }).databaseConnection;
  if (!raw || typeof raw.inTransaction !== 'boolean' || typeof raw.exec !== 'function' || typeof raw.prepare !== 'function') {
    throw new Error('typeorm: the better-sqlite3 connection is not reachable; review src/db/sqlite-writes.ts');
  }
  return raw as SqliteConnection;
}

/** The members of TypeORM's runner this module uses (`transactionDepth` is protected in its typings). */
interface RunnerInternals {
  isTransactionActive: boolean;
  transactionDepth: number;
  startTransaction: QueryRunner['startTransaction'];
  commitTransaction: QueryRunner['commitTransaction'];
  rollbackTransaction: QueryRunner['rollbackTransaction'];
  query: QueryRunner['query'];
}

export interface SqliteWriteGuard {
  /** Transactions whose state had to be repaired after a failed COMMIT/ROLLBACK (for tests and metrics). */
  readonly repairs: number;
}

/** A statement waits at most this long for another flow's transaction before it fails. */
const LOCK_WAIT_MS = 60_000;

export function guardSqliteWrites(ds: DataSource): SqliteWriteGuard | null {
  if (ds.options.type !== 'better-sqlite3') return null;
  const runner = ds.createQueryRunner() as unknown as RunnerInternals;
  const raw = sqliteConnection(ds)!;
  if (runner !== (ds.createQueryRunner() as unknown)) throw new Error('typeorm: the better-sqlite3 driver no longer shares one query runner; review src/db/sqlite-writes.ts');
  if (typeof runner.transactionDepth !== 'number' || typeof runner.isTransactionActive !== 'boolean') {
    throw new Error('typeorm: the query runner no longer exposes transactionDepth/isTransactionActive; review src/db/sqlite-writes.ts');
  }

  const flow = new AsyncLocalStorage<symbol>();
  let owner: symbol | null = null;
  let waiters: Array<() => void> = [];
  const state = { repairs: 0 };

  const isOwner = () => owner !== null && flow.getStore() === owner;
  /** Waits until no other flow's transaction is open; with `take`, takes the lock in the same tick. */
  const waitTurn = async (take?: symbol): Promise<void> => {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (owner === null) {
        if (take) owner = take;
        return;
      }
      if (isOwner()) return;
      const wait = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('database write lock wait timed out')), Math.max(1, deadline - Date.now()));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await wait;
    }
  };
  const release = () => {
    if (runner.transactionDepth > 0) return;
    owner = null;
    const wake = waiters;
    waiters = [];
    for (const w of wake) w();
  };
  /** After a failure: the runner's idea of the transaction must match the connection's. */
  const realign = () => {
    if (!raw.inTransaction && (runner.transactionDepth > 0 || runner.isTransactionActive)) {
      runner.transactionDepth = 0;
      runner.isTransactionActive = false;
      state.repairs += 1;
    } else if (raw.inTransaction && runner.transactionDepth === 0) {
      raw.exec('ROLLBACK');
      runner.isTransactionActive = false;
      state.repairs += 1;
    }
  };

  // The runner's own methods are looked up on its prototype at each call (so instrumentation of them still applies).
  const proto = Object.getPrototypeOf(runner) as RunnerInternals;
  const start = (...args: Parameters<QueryRunner['startTransaction']>) => proto.startTransaction.apply(runner, args);
  const commit = () => proto.commitTransaction.apply(runner);
  const rollback = () => proto.rollbackTransaction.apply(runner);
  const query = (...args: unknown[]) => (proto.query as (...a: unknown[]) => Promise<unknown>).apply(runner, args);

  runner.startTransaction = function startTransaction(this: unknown, ...args: Parameters<QueryRunner['startTransaction']>) {
    if (isOwner()) return start(...args);
    // Marks the calling flow synchronously, before its first await, so its continuations carry the mark.
    const me = Symbol('sqlite-transaction');
    flow.enterWith(me);
    return (async () => {
      await waitTurn(me);
      try {
        await start(...args);
      } catch (err) {
        realign();
        release();
        throw err;
      }
    })();
  };
  runner.commitTransaction = async function commitTransaction() {
    try {
      await commit();
    } catch (err) {
      realign();
      release();
      throw err;
    }
    release();
  };
  runner.rollbackTransaction = async function rollbackTransaction() {
    try {
      await rollback();
    } catch (err) {
      realign();
      if (runner.transactionDepth > 0) {
        release();
        throw err;
      }
    }
    release();
  };
  runner.query = async function guardedQuery(...args: unknown[]) {
    while (owner !== null && !isOwner()) await waitTurn();
    return query(...args);
  } as QueryRunner['query'];

  return {
    get repairs() {
      return state.repairs;
    },
  };
}
