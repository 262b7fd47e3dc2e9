"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SQLITE_READ_WORKER_SOURCE = void 0;
/**
 * Source of the SQLite read worker (a `worker_threads` worker started with `eval: true`, so the same code
 * runs from ts-jest and from dist/ without a separate build step). Plain CommonJS JavaScript.
 *
 * The worker opens its own read-only better-sqlite3 connection to the database file (WAL mode: it reads
 * a consistent snapshot while the main connection writes) and answers `{ id, sql, params }` messages with
 * `{ id, rows }` or `{ id, error: { message, code } }`, one query at a time.
 *
 * better-sqlite3 cannot interrupt a statement: a terminated worker stops the next time SQLite calls back
 * into JavaScript (a returned row — results are iterated row by row — or a REGEXP check), else when the
 * statement ends.
 */
exports.SQLITE_READ_WORKER_SOURCE = String.raw `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
// Reads yield the CPU to the event loop (MQTT, GraphQL) when cores are busy: on Linux a nice value is
// per thread, and pid 0 means this thread. Best effort elsewhere.
try {
  require('node:os').setPriority(0, Number(workerData.nice));
} catch {}
const Database = require(workerData.modulePath);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = ' + Number(workerData.busyTimeoutMs));
db.pragma('query_only = ON');
// History scans visit many pages: a larger page cache and memory-mapped reads (the OS page cache, shared).
db.pragma('cache_size = -' + Number(workerData.cacheKiB));
db.pragma('mmap_size = ' + Number(workerData.mmapBytes));
const regexps = new Map();
db.function('regexp', { deterministic: true }, (pattern, value) => {
  let re = regexps.get(pattern);
  if (!re) {
    if (regexps.size > 200) regexps.clear();
    re = new RegExp(pattern, 's');
    regexps.set(pattern, re);
  }
  return value != null && re.test(value) ? 1 : 0;
});
parentPort.postMessage({ ready: true });
const statements = new Map();
function prepare(sql) {
  let stmt = statements.get(sql);
  if (stmt) {
    statements.delete(sql);
  } else {
    stmt = db.prepare(sql);
    if (statements.size >= 200) statements.delete(statements.keys().next().value);
  }
  statements.set(sql, stmt);
  return stmt;
}
const bindable = (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v instanceof Date ? v.getTime() : v);
parentPort.on('message', (msg) => {
  if (msg && msg.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const stmt = prepare(msg.sql);
    const rows = [];
    for (const row of stmt.iterate(...msg.params.map(bindable))) rows.push(row);
    parentPort.postMessage({ id: msg.id, rows });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: { message: String(err && err.message), code: err && err.code } });
  }
});
`;
//# sourceMappingURL=sqlite-read-worker.js.map