"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Reader = void 0;
/**
 * Runs TypeORM-built SELECTs on a ReadPool (off the event loop) and turns the raw rows into entities the
 * way TypeORM would (the driver's hydration: booleans, bigint epoch-ms dates, JSON columns...). The SQL
 * is built on the main thread with the query builder; only its text and parameters cross to the pool.
 */
class Reader {
    constructor(ds, pool) {
        this.ds = ds;
        this.pool = pool;
    }
    /** Every column of the query's main entity, hydrated; `qb` itself is left unchanged. */
    async many(repo, qb) {
        const columns = repo.metadata.columns;
        const select = qb.clone().select([]);
        for (const c of columns)
            select.addSelect(`${qb.alias}.${c.databaseName}`, c.databaseName);
        const [sql, params] = select.getQueryAndParameters();
        const rows = await this.pool.all(sql, params);
        const driver = this.ds.driver;
        return rows.map((raw) => {
            const entity = repo.create();
            for (const c of columns)
                c.setEntityValue(entity, driver.prepareHydratedValue(raw[c.databaseName], c));
            return entity;
        });
    }
    /** COUNT(*) of the query's rows (its order and limit dropped). */
    async count(qb) {
        const [sql, params] = qb.clone().select('COUNT(*)', 'n').orderBy().limit(undefined).offset(undefined).getQueryAndParameters();
        const rows = await this.pool.all(sql, params);
        return Number(rows[0]?.n ?? 0);
    }
}
exports.Reader = Reader;
//# sourceMappingURL=reads.js.map