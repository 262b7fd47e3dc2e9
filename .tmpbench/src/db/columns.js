"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.timestampColumn = exports.jsonText = exports.epochMs = void 0;
/**
 * Timestamps are stored as epoch milliseconds (bigint) so that SQLite and PostgreSQL behave the same:
 * no time-zone conversion, exact ordering and range filters, and simple keyset cursors.
 */
exports.epochMs = {
    to: (value) => (value == null ? value : value.getTime()),
    from: (value) => (value == null ? null : new Date(Number(value))),
};
/** JSON stored as text on both databases. */
exports.jsonText = {
    to: (value) => (value === undefined ? undefined : value === null ? null : JSON.stringify(value)),
    from: (value) => (value == null ? null : JSON.parse(value)),
};
/** Column options for an epoch-millisecond timestamp. */
const timestampColumn = (nullable = false) => ({ type: 'bigint', transformer: exports.epochMs, nullable });
exports.timestampColumn = timestampColumn;
//# sourceMappingURL=columns.js.map