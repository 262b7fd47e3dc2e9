"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConnectedInstance1764000400000 = void 0;
const typeorm_1 = require("typeorm");
/** Which Portico instance holds a device's live connection, so instances only mark their own devices OFFLINE. */
class ConnectedInstance1764000400000 {
    constructor() {
        this.name = 'ConnectedInstance1764000400000';
    }
    async up(q) {
        await q.addColumn('devices', new typeorm_1.TableColumn({ name: 'connected_instance', type: 'varchar', length: '64', isNullable: true }));
    }
    async down(q) {
        await q.dropColumn('devices', 'connected_instance');
    }
}
exports.ConnectedInstance1764000400000 = ConnectedInstance1764000400000;
//# sourceMappingURL=1764000400000-ConnectedInstance.js.map