"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RecordStore = void 0;
const errors_js_1 = require("../common/errors.js");
const pagination_js_1 = require("../common/pagination.js");
const batch_writer_js_1 = require("./batch-writer.js");
const retention_queries_js_1 = require("./retention-queries.js");
const DAY_MS = 24 * 3600 * 1000;
const REPLAY_CHUNK = 500;
/** Retention: owners with rows newer than the previous pass minus this are checked (late commits, clock skew)... */
const RECENT_MARGIN_MS = 10 * 60_000;
/** ...and every owner on every this many passes. */
const FULL_PASS_EVERY = 12;
const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));
/**
 * Shared machinery of the connection log and device events: a batched writer whose committed rows go to
 * the owner's live topic (`<topicPrefix>:<organizationId>`), newest-first keyset paging, replay after a cursor,
 * and retention.
 */
class RecordStore {
    constructor(o, entity, 
    /** Cursor kind and live topic prefix, e.g. `connectionLog`. */
    kind) {
        this.o = o;
        this.kind = kind;
        /** Retention: passes completed, and the time from which rows count as written since the previous one. */
        this.retentionState = { passes: 0, since: null };
        this.repo = o.ds.getRepository(entity);
        this.writer = new batch_writer_js_1.BatchWriter({
            name: kind,
            batchSize: o.batchSize,
            flushIntervalMs: o.flushIntervalMs,
            log: o.log,
            health: o.health,
            observeCommit: (seconds) => o.observeCommit?.(this.repo.metadata.tableName, seconds),
            insert: (rows) => this.insertRows(rows),
            committed: (rows) => this.publish(rows),
        });
    }
    /** The live topic of an owner's rows. */
    topic(organizationId) {
        return `${this.kind}:${organizationId}`;
    }
    cursorOf(row) {
        return (0, pagination_js_1.encodeCursor)(this.kind, row.time.getTime(), row.id);
    }
    decode(cursor, field = 'after') {
        try {
            const { value, id } = (0, pagination_js_1.decodeCursor)(this.kind, cursor);
            if (typeof value !== 'number')
                throw new Error('bad cursor');
            return { time: value, id };
        }
        catch {
            throw (0, errors_js_1.badInput)(`${field} is not a valid cursor for this query`, field);
        }
    }
    /** Rows of one owner (one device when `deviceId` is set), newest first; the total counted only when asked for. */
    async page(organizationId, q, filter) {
        const qb = this.base(organizationId, q.deviceId);
        this.timeRange(qb, q);
        filter(qb);
        if (q.after)
            this.decode(q.after);
        const o = {
            kind: this.kind,
            sortSql: 'r.time',
            idColumn: 'r.id',
            direction: 'DESC',
            keyOf: (row) => row.time.getTime(),
            first: q.first,
            after: q.after,
        };
        const query = (0, pagination_js_1.keysetQuery)(qb, o);
        await this.settleWrites();
        const rows = await this.o.reader.many(this.repo, query);
        return (0, pagination_js_1.toPage)(rows, o, () => this.o.reader.count(qb));
    }
    /**
     * Read your writes, bounded: when the writer holds rows, the query first lets them be written (a flush
     * starts at once), but waits at most `readYourWritesMs` — a slow or failing database, or a stream of new
     * rows that keeps the writer busy, never holds history queries up for longer.
     */
    async settleWrites() {
        if (this.o.readYourWritesMs <= 0)
            return;
        let timer;
        const bound = new Promise((resolve) => {
            timer = setTimeout(resolve, this.o.readYourWritesMs);
        });
        try {
            await Promise.race([this.writer.flush().catch(() => undefined), bound]);
        }
        finally {
            clearTimeout(timer);
        }
    }
    /** Rows strictly after the cursor position, oldest first, in chunks (for replay before live delivery). */
    async *rowsAfter(organizationId, deviceId, after, filter) {
        let pos = after;
        for (;;) {
            const qb = this.base(organizationId, deviceId);
            filter(qb);
            qb.andWhere('(r.time > :pTime OR (r.time = :pTime AND r.id > :pId))', { pTime: pos.time, pId: pos.id })
                .orderBy('r.time', 'ASC')
                .addOrderBy('r.id', 'ASC')
                .limit(REPLAY_CHUNK);
            const rows = await this.o.reader.many(this.repo, qb);
            for (const row of rows)
                yield row;
            if (rows.length < REPLAY_CHUNK)
                return;
            const last = rows.at(-1);
            pos = { time: last.time.getTime(), id: last.id };
        }
    }
    /** True when `row` comes strictly after the position (same order as paging, reversed). */
    static isAfter(row, pos) {
        const t = row.time.getTime();
        return t > pos.time || (t === pos.time && row.id > pos.id);
    }
    base(organizationId, deviceId) {
        const qb = this.repo.createQueryBuilder('r').where('r.organization_id = :organizationId', { organizationId });
        if (deviceId)
            qb.andWhere('r.device_id = :deviceId', { deviceId });
        return qb;
    }
    timeRange(qb, q) {
        const valid = (d, field) => {
            if (d == null)
                return null;
            if (Number.isNaN(d.getTime()))
                throw (0, errors_js_1.badInput)(`${field} is not a valid date`, field);
            return d.getTime();
        };
        const since = valid(q.since, 'since');
        const until = valid(q.until, 'until');
        if (since != null)
            qb.andWhere('r.time >= :since', { since });
        if (until != null)
            qb.andWhere('r.time < :until', { until });
    }
    /**
     * One multi-row INSERT per chunk, in one transaction. Built by hand: TypeORM's insert builder spends
     * most of a large batch re-scanning its parameter list.
     */
    async insertRows(rows) {
        const driver = this.o.ds.driver;
        const columns = this.repo.metadata.columns;
        const postgres = this.o.ds.options.type === 'postgres';
        const table = driver.escape(this.repo.metadata.tableName);
        const names = columns.map((c) => driver.escape(c.databaseName)).join(', ');
        // Stay well below SQLite's and PostgreSQL's bound-parameter limits.
        const chunk = Math.max(1, Math.floor(30000 / columns.length));
        await this.o.ds.transaction(async (m) => {
            for (let i = 0; i < rows.length; i += chunk) {
                const slice = rows.slice(i, i + chunk);
                const params = [];
                const tuples = slice.map((row) => {
                    const marks = columns.map((c) => {
                        params.push(driver.preparePersistentValue(c.getEntityValue(row), c));
                        return postgres ? `$${params.length}` : '?';
                    });
                    return `(${marks.join(', ')})`;
                });
                await m.query(`INSERT INTO ${table} (${names}) VALUES ${tuples.join(', ')}`, params);
            }
            await this.alsoInTransaction(m, rows);
        });
    }
    /** Writes that must commit (or fail) together with a batch of rows, in its transaction. */
    async alsoInTransaction(_m, _rows) { }
    publish(rows) {
        for (const row of rows) {
            if (!row.organizationId)
                continue;
            try {
                this.o.pubSub.publish(this.topic(row.organizationId), row);
            }
            catch (err) {
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
    async enforceRetention(cfg) {
        const now = this.o.clock().getTime();
        let deleted = 0;
        if (cfg.maxAgeDays > 0) {
            const cutoff = now - cfg.maxAgeDays * DAY_MS;
            deleted += await this.deleteChunked((qb) => qb.where('r.time < :cutoff', { cutoff }));
        }
        const queries = new retention_queries_js_1.RetentionQueries(this.repo);
        if (cfg.maxUnownedRows)
            deleted += await this.trimOwner(queries, null, cfg.maxUnownedRows);
        if (cfg.maxRowsPerOwner > 0) {
            const r = this.retentionState;
            const full = r.passes % FULL_PASS_EVERY === 0 || r.since === null || now < r.since;
            const since = full ? Number.MIN_SAFE_INTEGER : r.since;
            for await (const owner of queries.recentOwners(since))
                deleted += await this.trimOwner(queries, owner, cfg.maxRowsPerOwner);
            // Only after a complete pass: a failed one leaves the next to look at the same owners again.
            r.since = now - RECENT_MARGIN_MS;
            r.passes += 1;
        }
        return deleted;
    }
    /** Deletes the owner's rows beyond its newest `keep` (null: the rows without an owner). */
    async trimOwner(queries, owner, keep) {
        const edge = await queries.keepEdge(owner, keep);
        if (!edge)
            return 0;
        return this.deleteChunked((qb) => {
            if (owner === null)
                qb.where('r.organization_id IS NULL');
            else
                qb.where('r.organization_id = :owner', { owner });
            qb.andWhere('r.time <= :t AND (r.time < :t OR r.id < :id)', { t: edge.time, id: edge.id });
        });
    }
    /** Deletes every row of a device (after its buffered rows are written). */
    async deleteForDevice(deviceId) {
        await this.writer.flush();
        await this.deleteChunked((qb) => qb.where('r.device_id = :deviceId', { deviceId }));
    }
    /**
     * Deletes the matching rows oldest first, one short statement per chunk (`DELETE … WHERE id IN (SELECT … LIMIT n)`:
     * no ids travel, and TypeORM's builder never sees thousands of parameters), letting other work run between chunks.
     */
    async deleteChunked(where) {
        // SQLite runs each statement on the event loop: 1,000 rows ≈ 10–40 ms there. PostgreSQL waits off the loop.
        const chunk = this.o.ds.options.type === 'postgres' ? 10_000 : 1000;
        let total = 0;
        for (;;) {
            const select = this.repo.createQueryBuilder('r').select('r.id');
            where(select);
            select.orderBy('r.time', 'ASC').addOrderBy('r.id', 'ASC').limit(chunk);
            const result = await this.repo
                .createQueryBuilder()
                .delete()
                .where(`id IN (${select.getQuery()})`)
                .setParameters(select.getParameters())
                .execute();
            const count = result.affected ?? 0;
            total += count;
            if (count < chunk)
                return total;
            await yieldToEventLoop();
        }
    }
}
exports.RecordStore = RecordStore;
//# sourceMappingURL=record-store.js.map