import type { DataSource, QueryRunner } from 'typeorm';

/**
 * TypeORM's better-sqlite3 driver runs every operation of the process on ONE shared query runner, and two
 * things follow that this module corrects (it is the only place that reaches into that runner; typeorm is
 * pinned exactly and `guardSqliteWrites` checks at start-up that what it relies on is still there):
 *
 * 1. Concurrent async flows interleave inside one transaction: a `save()` or a batch insert issued while
 *    another flow's transaction is open runs inside it (as a SAVEPOINT or directly), and is lost if that
 *    transaction rolls back, although it reported success. Here a transaction takes a process-wide write lock
 *    for its whole length; statements on other runners wait until it ends.
 * 2. When COMMIT fails (disk full, I/O error) SQLite may already have rolled back by itself; TypeORM's ROLLBACK
 *    then fails and the runner believes, forever, that a transaction is open, so every later write of the
 *    server ran inside a transaction nobody commits (reported as success, gone after a restart). Here the
 *    runner's state is re-aligned with the connection's real state after every failed COMMIT or ROLLBACK.
 */

/** A prepared statement of the better-sqlite3 connection (the part of its public API the hot paths use). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  /** Rows as arrays of values in the select list's order (better-sqlite3's raw mode). */
  raw(toggle: boolean): SqliteStatement;
  all(...params: unknown[]): unknown[];
  /** The result columns, in order (`name`: the column's name or alias). */
  columns(): Array<{ name: string }>;
}

/** The better-sqlite3 connection TypeORM writes through (the part of its API used here and on hot paths). */
export interface SqliteConnection {
  inTransaction: boolean;
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
}

/**
 * The connection behind TypeORM's better-sqlite3 driver (null on PostgreSQL). Its statements run in whatever
 * transaction the connection has open: use them only inside `ds.transaction(...)`, whose runner holds the write lock
 * (see below), never on their own; or for a read while `inTransaction` is false (then no flow has uncommitted rows on
 * it, and the synchronous read ends before any other flow runs).
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
  isReleased: boolean;
  stmtCache: Map<string, unknown>;
  startTransaction: QueryRunner['startTransaction'];
  commitTransaction: QueryRunner['commitTransaction'];
  rollbackTransaction: QueryRunner['rollbackTransaction'];
  query: QueryRunner['query'];
}

interface DriverInternals {
  createQueryRunner(mode?: string): RunnerInternals;
}

export interface SqliteWriteGuard {
  /** Transactions whose state had to be repaired after a failed COMMIT/ROLLBACK (for tests and metrics). */
  readonly repairs: number;
}

/** A statement waits at most this long for another flow's transaction before it fails. */
const LOCK_WAIT_MS = 60_000;

/**
 * Every caller of `createQueryRunner` (each repository call, query builder and `ds.transaction`) gets a runner of
 * its own: a thin object over the shared one (same connection, same statement cache) with its own transaction
 * state. The runner that opened the transaction holds the lock; a statement on any other runner waits for it.
 * (An AsyncLocalStorage would tell flows apart without this, but on Node 20 it turns on promise hooks for the
 * whole process: about 10 % of the CPU of every stored message.)
 */
export function guardSqliteWrites(ds: DataSource): SqliteWriteGuard | null {
  if (ds.options.type !== 'better-sqlite3') return null;
  const driver = ds.driver as unknown as DriverInternals;
  const shared = driver.createQueryRunner('master');
  const raw = sqliteConnection(ds)!;
  if (shared !== driver.createQueryRunner('master')) throw new Error('typeorm: the better-sqlite3 driver no longer shares one query runner; review src/db/sqlite-writes.ts');
  if (typeof shared.transactionDepth !== 'number' || typeof shared.isTransactionActive !== 'boolean' || !(shared.stmtCache instanceof Map)) {
    throw new Error('typeorm: the query runner no longer exposes transactionDepth/isTransactionActive/stmtCache; review src/db/sqlite-writes.ts');
  }

  let owner: RunnerInternals | null = null;
  let waiters: Array<() => void> = [];
  const state = { repairs: 0 };

  /** Waits until no other runner's transaction is open; with `take`, takes the lock in the same tick. */
  const waitTurn = async (me: RunnerInternals, take: boolean): Promise<void> => {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (owner === null) {
        if (take) owner = me;
        return;
      }
      if (owner === me) return;
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
  const release = (me: RunnerInternals) => {
    if (me.transactionDepth > 0 || owner !== me) return;
    owner = null;
    const wake = waiters;
    waiters = [];
    for (const w of wake) w();
  };
  /** After a failure: the runner's idea of the transaction must match the connection's. */
  const realign = (me: RunnerInternals) => {
    if (!raw.inTransaction && (me.transactionDepth > 0 || me.isTransactionActive)) {
      me.transactionDepth = 0;
      me.isTransactionActive = false;
      state.repairs += 1;
    } else if (raw.inTransaction && me.transactionDepth === 0) {
      raw.exec('ROLLBACK');
      me.isTransactionActive = false;
      state.repairs += 1;
    }
  };

  // The runner's own methods are looked up on its prototype at each call (so instrumentation of them still applies).
  const proto = Object.getPrototypeOf(shared) as RunnerInternals;
  const start = (me: RunnerInternals, args: Parameters<QueryRunner['startTransaction']>) => proto.startTransaction.apply(me, args);

  shared.startTransaction = function startTransaction(this: RunnerInternals, ...args: Parameters<QueryRunner['startTransaction']>) {
    if (owner === this) return start(this, args);
    return (async () => {
      await waitTurn(this, true);
      try {
        await start(this, args);
      } catch (err) {
        realign(this);
        release(this);
        throw err;
      }
    })();
  };
  shared.commitTransaction = async function commitTransaction(this: RunnerInternals) {
    try {
      await proto.commitTransaction.apply(this);
    } catch (err) {
      realign(this);
      release(this);
      throw err;
    }
    release(this);
  };
  shared.rollbackTransaction = async function rollbackTransaction(this: RunnerInternals) {
    try {
      await proto.rollbackTransaction.apply(this);
    } catch (err) {
      realign(this);
      if (this.transactionDepth > 0) {
        release(this);
        throw err;
      }
    }
    release(this);
  };
  shared.query = async function guardedQuery(this: RunnerInternals, ...args: unknown[]) {
    while (owner !== null && owner !== this) await waitTurn(this, false);
    return (proto.query as (...a: unknown[]) => Promise<unknown>).apply(this, args);
  } as QueryRunner['query'];

  // Own transaction state; everything else (connection, statement cache, the guarded methods above) is the shared runner's.
  driver.createQueryRunner = () => Object.assign(Object.create(shared) as RunnerInternals, { isTransactionActive: false, transactionDepth: 0, isReleased: false });

  return {
    get repairs() {
      return state.repairs;
    },
  };
}
