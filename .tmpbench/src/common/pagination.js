"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.escapeLike = exports.MAX_PAGE_SIZE = exports.DEFAULT_PAGE_SIZE = void 0;
exports.encodeCursor = encodeCursor;
exports.decodeCursor = decodeCursor;
exports.pageSize = pageSize;
exports.lazyCount = lazyCount;
exports.keysetQuery = keysetQuery;
exports.toPage = toPage;
exports.keysetPage = keysetPage;
const errors_js_1 = require("./errors.js");
exports.DEFAULT_PAGE_SIZE = 20;
exports.MAX_PAGE_SIZE = 100;
/** Opaque cursor: base64url of `[kind, sortValue, id]`; the kind keeps a cursor from being reused with another sort. */
function encodeCursor(kind, value, id) {
    return Buffer.from(JSON.stringify([kind, value, id])).toString('base64url');
}
function decodeCursor(kind, cursor) {
    try {
        const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
        if (Array.isArray(parsed) &&
            parsed.length === 3 &&
            parsed[0] === kind &&
            (typeof parsed[1] === 'string' || typeof parsed[1] === 'number') &&
            typeof parsed[2] === 'string') {
            return { value: parsed[1], id: parsed[2] };
        }
    }
    catch {
        // fall through
    }
    throw (0, errors_js_1.badInput)('after is not a valid cursor for this query', 'after');
}
function pageSize(first) {
    if (first == null)
        return exports.DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(first) || first < 0 || first > exports.MAX_PAGE_SIZE) {
        throw (0, errors_js_1.badInput)(`first must be between 0 and ${exports.MAX_PAGE_SIZE}`, 'first');
    }
    return first;
}
/** Runs `count` at most once, on first call. */
function lazyCount(count) {
    let answer = null;
    return () => (answer ??= count());
}
/** The page query: `qb`'s filters (cloned) plus the cursor position, the order and `limit + 1` rows. */
function keysetQuery(qb, o) {
    const limit = pageSize(o.first);
    const page = qb.clone();
    if (o.after) {
        const { value, id } = decodeCursor(o.kind, o.after);
        const op = o.direction === 'ASC' ? '>' : '<';
        page.andWhere(`(${o.sortSql} ${op} :cursorValue OR (${o.sortSql} = :cursorValue AND ${o.idColumn} ${op} :cursorId))`, {
            cursorValue: value,
            cursorId: id,
        });
    }
    return page.orderBy(o.sortSql, o.direction).addOrderBy(o.idColumn, o.direction).limit(limit + 1);
}
/** The page of the rows `keysetQuery` loaded. */
function toPage(rows, o, totalCount) {
    const items = rows.slice(0, pageSize(o.first));
    return {
        items,
        cursors: items.map((row) => encodeCursor(o.kind, o.keyOf(row), row.id)),
        hasNextPage: rows.length > items.length,
        totalCount: lazyCount(totalCount),
    };
}
/**
 * Keyset (cursor) paging over a filtered query: stable under inserts, no OFFSET scans.
 * `qb` carries the filters; the total count (a clone of it) runs only when asked for.
 */
async function keysetPage(qb, o) {
    const rows = await keysetQuery(qb, o).getMany();
    const count = qb.clone();
    return toPage(rows, o, () => count.getCount());
}
/** Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`. */
const escapeLike = (text) => text.replace(/[\\%_]/g, (c) => '\\' + c);
exports.escapeLike = escapeLike;
//# sourceMappingURL=pagination.js.map