"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.StorageUnavailableError = void 0;
exports.isStorageUnavailable = isStorageUnavailable;
/** Raised when a write could not be made durable (disk full, read-only storage, database unreachable). */
class StorageUnavailableError extends Error {
    constructor(message = 'storage unavailable', cause) {
        super(message);
        this.cause = cause;
        this.name = 'StorageUnavailableError';
    }
}
exports.StorageUnavailableError = StorageUnavailableError;
const SQLITE_UNAVAILABLE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|NOMEM|PROTOCOL)/;
const PG_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53100', '53200', '53300', '08000', '08003', '08006', '25006']);
/** True when `err` says the database cannot store anything right now (as opposed to a bad row). */
function isStorageUnavailable(err) {
    if (err instanceof StorageUnavailableError)
        return true;
    const e = err;
    if (!e || typeof e !== 'object')
        return false;
    const codes = [e.code, e.driverError?.code].filter((c) => typeof c === 'string');
    if (codes.some((c) => SQLITE_UNAVAILABLE.test(c) || PG_UNAVAILABLE.has(c)))
        return true;
    return typeof e.message === 'string' && /Connection terminated|connect ECONNREFUSED|database or disk is full|readonly database/i.test(e.message);
}
//# sourceMappingURL=storage-errors.js.map