"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.queryTimeout = void 0;
exports.createReadPool = createReadPool;
const node_worker_threads_1 = require("node:worker_threads");
const pg_1 = require("pg");
const errors_js_1 = require("../common/errors.js");
const sqlite_read_worker_js_1 = require("./sqlite-read-worker.js");
/** What the client sees when a history query is cut: no SQL, no internals. */
const queryTimeout = (ms) => new errors_js_1.AppError('QUERY_TIMEOUT', `The query ran longer than ${ms} ms and was stopped; narrow it (device, time range, topic filter) or ask for fewer rows`, {
    timeoutMs: ms,
});
exports.queryTimeout = queryTimeout;
function createReadPool(db, reads, log) {
    if (db.type === 'postgres') {
        if (!db.url)
            throw new Error('database.url is required for postgres');
        return new PgReadPool(db.url, reads, log);
    }
    return new SqliteReadPool(db.sqlitePath, reads, log);
}
class PgReadPool {
    constructor(url, reads, log) {
        this.reads = reads;
        this.dialect = 'postgres';
        this.pool = new pg_1.Pool({
            connectionString: url,
            max: reads.workers,
            statement_timeout: reads.queryTimeoutMs,
            application_name: 'portico-reads',
            options: '-c default_transaction_read_only=on',
            idleTimeoutMillis: 30_000,
        });
        this.pool.on('error', (err) => log.warn('read pool: idle connection failed', err));
    }
    async all(sql, params) {
        try {
            return (await this.pool.query(sql, params)).rows;
        }
        catch (err) {
            // 57014 query_canceled: statement_timeout.
            if (err.code === '57014')
                throw (0, exports.queryTimeout)(this.reads.queryTimeoutMs);
            throw err;
        }
    }
    async close() {
        await this.pool.end();
    }
}
/**
 * Up to `workers` worker threads, started on first use, one query each at a time; queries wait in FIFO
 * order for a free worker. A query over the timeout is answered with QUERY_TIMEOUT at once and its
 * worker is terminated; a fresh one takes its place. better-sqlite3 cannot interrupt a statement, so a
 * terminated worker may run until its statement ends: at most `workers` of those exist at a time (beyond
 * that, queries wait for them to end), so at most 2 × `workers` threads ever read.
 */
class SqliteReadPool {
    constructor(file, reads, log) {
        this.file = file;
        this.reads = reads;
        this.log = log;
        this.dialect = 'sqlite';
        this.slots = [];
        /** Terminated workers whose thread has not ended yet. */
        this.stopping = 0;
        this.queue = [];
        this.nextId = 1;
        this.closed = false;
        this.modulePath = require.resolve('better-sqlite3');
    }
    all(sql, params) {
        if (this.closed)
            return Promise.reject(new Error('read pool closed'));
        return new Promise((resolve, reject) => {
            this.queue.push({ id: this.nextId++, sql, params, resolve, reject });
            this.pump();
        });
    }
    async close() {
        this.closed = true;
        for (const job of this.queue.splice(0))
            job.reject(new Error('read pool closed'));
        const slots = this.slots.splice(0);
        for (const slot of slots)
            this.fail(slot, new Error('read pool closed'));
        await Promise.all(slots.map((s) => s.worker.terminate()));
    }
    pump() {
        while (this.queue.length && !this.closed) {
            if (!this.slots.some((s) => !s.job) && this.slots.length < this.reads.workers && this.slots.length + this.stopping < 2 * this.reads.workers)
                this.spawn();
            const slot = this.slots.find((s) => s.ready && !s.job);
            if (!slot)
                return;
            this.run(slot, this.queue.shift());
        }
    }
    spawn() {
        const worker = new node_worker_threads_1.Worker(sqlite_read_worker_js_1.SQLITE_READ_WORKER_SOURCE, {
            eval: true,
            workerData: { modulePath: this.modulePath, file: this.file, busyTimeoutMs: 5000, cacheKiB: 32 * 1024, mmapBytes: 256 * 1024 * 1024, nice: 19 },
        });
        const slot = { worker, ready: false, job: null };
        worker.unref();
        worker.on('message', (reply) => {
            if ('ready' in reply) {
                slot.ready = true;
                this.pump();
                return;
            }
            const job = slot.job;
            if (!job || job.id !== reply.id)
                return;
            this.settle(slot);
            if ('error' in reply)
                job.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
            else
                job.resolve(reply.rows);
            this.pump();
        });
        worker.on('error', (err) => {
            this.log.error('read worker failed', err);
            this.retire(slot, err);
        });
        worker.on('exit', () => this.retire(slot, new Error('read worker exited')));
        this.slots.push(slot);
    }
    run(slot, job) {
        slot.job = job;
        job.timer = setTimeout(() => {
            // Answer now; the worker stops at its next call into JavaScript (or when the statement ends).
            this.stopping += 1;
            this.retire(slot, (0, exports.queryTimeout)(this.reads.queryTimeoutMs));
            void slot.worker.terminate().finally(() => {
                this.stopping -= 1;
                this.pump();
            });
        }, this.reads.queryTimeoutMs);
        slot.worker.postMessage({ id: job.id, sql: job.sql, params: job.params });
    }
    /** The slot's job is done: stop its timer and free the slot. */
    settle(slot) {
        if (slot.job?.timer)
            clearTimeout(slot.job.timer);
        slot.job = null;
    }
    fail(slot, err) {
        const job = slot.job;
        this.settle(slot);
        job?.reject(err);
    }
    /** Takes the slot out of service (its job, if any, fails with `err`) and lets queued jobs use a new worker. */
    retire(slot, err) {
        const i = this.slots.indexOf(slot);
        if (i < 0)
            return;
        this.slots.splice(i, 1);
        this.fail(slot, err);
        this.pump();
    }
}
//# sourceMappingURL=read-pool.js.map