"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DeviceLatest1764001700000 = void 0;
const typeorm_1 = require("typeorm");
/**
 * The latest message per device and topic, upserted in the same transaction as the device events. No foreign key,
 * like device_events: rows are written in batches after the fact and removed with the device.
 */
class DeviceLatest1764001700000 {
    constructor() {
        this.name = 'DeviceLatest1764001700000';
    }
    async up(q) {
        await q.createTable(new typeorm_1.Table({
            name: 'device_latest',
            columns: [
                { name: 'device_id', type: 'varchar', length: '36', isPrimary: true },
                { name: 'topic', type: 'varchar', length: '1024', isPrimary: true },
                { name: 'owner_id', type: 'varchar', length: '36' },
                { name: 'payload', type: 'text' },
                { name: 'payload_encoding', type: 'varchar', length: '8' },
                { name: 'qos', type: 'integer' },
                { name: 'retain', type: 'boolean' },
                { name: 'properties', type: 'text', isNullable: true },
                { name: 'received_at', type: 'bigint' },
            ],
            indices: [new typeorm_1.TableIndex({ name: 'ix_device_latest_owner', columnNames: ['owner_id'] })],
        }));
    }
    async down(q) {
        await q.dropTable('device_latest');
    }
}
exports.DeviceLatest1764001700000 = DeviceLatest1764001700000;
//# sourceMappingURL=1764001700000-DeviceLatest.js.map