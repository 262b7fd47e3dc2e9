"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.StorageProbe1764000600000 = void 0;
const typeorm_1 = require("typeorm");
/** One row rewritten to find out whether the database accepts writes again (readiness after a storage fault). */
class StorageProbe1764000600000 {
    constructor() {
        this.name = 'StorageProbe1764000600000';
    }
    async up(q) {
        await q.createTable(new typeorm_1.Table({
            name: 'storage_probe',
            columns: [
                { name: 'id', type: 'integer', isPrimary: true },
                { name: 'at', type: 'bigint' },
            ],
        }));
    }
    async down(q) {
        await q.dropTable('storage_probe');
    }
}
exports.StorageProbe1764000600000 = StorageProbe1764000600000;
//# sourceMappingURL=1764000600000-StorageProbe.js.map