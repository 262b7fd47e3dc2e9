"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.createDataSource = createDataSource;
exports.openDatabase = openDatabase;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const typeorm_1 = require("typeorm");
const index_js_1 = require("../../migrations/index.js");
const entities_js_1 = require("./entities.js");
const sqlite_writes_js_1 = require("./sqlite-writes.js");
/** Builds (does not open) the DataSource for the configured database. Schema changes only through migrations. */
function createDataSource(db) {
    const common = { entities: entities_js_1.entities, migrations: index_js_1.migrations, synchronize: false, migrationsRun: false, logging: db.logging };
    let options;
    if (db.type === 'postgres') {
        if (!db.url)
            throw new Error('database.url is required for postgres');
        options = { type: 'postgres', url: db.url, ...common, extra: { max: 10 } };
    }
    else {
        node_fs_1.default.mkdirSync(node_path_1.default.dirname(db.sqlitePath), { recursive: true });
        options = {
            type: 'better-sqlite3',
            database: db.sqlitePath,
            ...common,
            // WAL lets readers proceed while the writer commits; foreign keys are on by default in the driver.
            prepareDatabase: (sqlite) => {
                sqlite.pragma('journal_mode = WAL');
                sqlite.pragma('busy_timeout = 5000');
                sqlite.pragma('synchronous = NORMAL');
            },
        };
    }
    return new typeorm_1.DataSource(options);
}
/** Opens the DataSource and applies pending migrations. */
async function openDatabase(db) {
    const ds = createDataSource(db);
    await ds.initialize();
    try {
        await ds.runMigrations({ transaction: 'each' });
        (0, sqlite_writes_js_1.guardSqliteWrites)(ds);
    }
    catch (err) {
        await ds.destroy();
        throw err;
    }
    return ds;
}
//# sourceMappingURL=data-source.js.map