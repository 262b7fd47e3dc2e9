"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConnectionLogCount1764001200000 = void 0;
const typeorm_1 = require("typeorm");
/** How many refused connects one AUTH_FAILED row stands for (repeated failures are folded into one row). */
class ConnectionLogCount1764001200000 {
    constructor() {
        this.name = 'ConnectionLogCount1764001200000';
    }
    async up(q) {
        await q.addColumn('connection_logs', new typeorm_1.TableColumn({ name: 'count', type: 'integer', isNullable: false, default: 1 }));
    }
    async down(q) {
        await q.dropColumn('connection_logs', 'count');
    }
}
exports.ConnectionLogCount1764001200000 = ConnectionLogCount1764001200000;
//# sourceMappingURL=1764001200000-ConnectionLogCount.js.map