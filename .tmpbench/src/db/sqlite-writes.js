"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.guardSqliteWrites = guardSqliteWrites;
const node_async_hooks_1 = require("node:async_hooks");
/** A statement waits at most this long for another flow's transaction before it fails. */
const LOCK_WAIT_MS = 60_000;
function guardSqliteWrites(ds) {
    if (ds.options.type !== 'better-sqlite3')
        return null;
    const runner = ds.createQueryRunner();
    const raw = ds.driver.databaseConnection;
    if (runner !== ds.createQueryRunner())
        throw new Error('typeorm: the better-sqlite3 driver no longer shares one query runner; review src/db/sqlite-writes.ts');
    if (typeof runner.transactionDepth !== 'number' || typeof runner.isTransactionActive !== 'boolean') {
        throw new Error('typeorm: the query runner no longer exposes transactionDepth/isTransactionActive; review src/db/sqlite-writes.ts');
    }
    if (!raw || typeof raw.inTransaction !== 'boolean' || typeof raw.exec !== 'function') {
        throw new Error('typeorm: the better-sqlite3 connection is not reachable; review src/db/sqlite-writes.ts');
    }
    const flow = new node_async_hooks_1.AsyncLocalStorage();
    let owner = null;
    let waiters = [];
    const state = { repairs: 0 };
    const isOwner = () => owner !== null && flow.getStore() === owner;
    /** Waits until no other flow's transaction is open; with `take`, takes the lock in the same tick. */
    const waitTurn = async (take) => {
        const deadline = Date.now() + LOCK_WAIT_MS;
        for (;;) {
            if (owner === null) {
                if (take)
                    owner = take;
                return;
            }
            if (isOwner())
                return;
            const wait = new Promise((resolve, reject) => {
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
        if (runner.transactionDepth > 0)
            return;
        owner = null;
        const wake = waiters;
        waiters = [];
        for (const w of wake)
            w();
    };
    /** After a failure: the runner's idea of the transaction must match the connection's. */
    const realign = () => {
        if (!raw.inTransaction && (runner.transactionDepth > 0 || runner.isTransactionActive)) {
            runner.transactionDepth = 0;
            runner.isTransactionActive = false;
            state.repairs += 1;
        }
        else if (raw.inTransaction && runner.transactionDepth === 0) {
            raw.exec('ROLLBACK');
            runner.isTransactionActive = false;
            state.repairs += 1;
        }
    };
    // The runner's own methods are looked up on its prototype at each call (so instrumentation of them still applies).
    const proto = Object.getPrototypeOf(runner);
    const start = (...args) => proto.startTransaction.apply(runner, args);
    const commit = () => proto.commitTransaction.apply(runner);
    const rollback = () => proto.rollbackTransaction.apply(runner);
    const query = (...args) => proto.query.apply(runner, args);
    runner.startTransaction = function startTransaction(...args) {
        if (isOwner())
            return start(...args);
        // Marks the calling flow synchronously, before its first await, so its continuations carry the mark.
        const me = Symbol('sqlite-transaction');
        flow.enterWith(me);
        return (async () => {
            await waitTurn(me);
            try {
                await start(...args);
            }
            catch (err) {
                realign();
                release();
                throw err;
            }
        })();
    };
    runner.commitTransaction = async function commitTransaction() {
        try {
            await commit();
        }
        catch (err) {
            realign();
            release();
            throw err;
        }
        release();
    };
    runner.rollbackTransaction = async function rollbackTransaction() {
        try {
            await rollback();
        }
        catch (err) {
            realign();
            if (runner.transactionDepth > 0) {
                release();
                throw err;
            }
        }
        release();
    };
    runner.query = async function guardedQuery(...args) {
        while (owner !== null && !isOwner())
            await waitTurn();
        return query(...args);
    };
    return {
        get repairs() {
            return state.repairs;
        },
    };
}
//# sourceMappingURL=sqlite-writes.js.map