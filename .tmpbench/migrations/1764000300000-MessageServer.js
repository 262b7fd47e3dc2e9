"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessageServer1764000300000 = void 0;
const typeorm_1 = require("typeorm");
const ms = (name, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });
/**
 * Message server: connection log and device events. No foreign keys on purpose: rows are written in
 * batches after the fact (a device may be deleted meanwhile) and removed by retention or with the device.
 */
class MessageServer1764000300000 {
    constructor() {
        this.name = 'MessageServer1764000300000';
    }
    async up(q) {
        await q.createTable(new typeorm_1.Table({
            name: 'connection_logs',
            columns: [
                { name: 'id', type: 'varchar', length: '36', isPrimary: true },
                { name: 'owner_id', type: 'varchar', length: '36', isNullable: true },
                { name: 'device_id', type: 'varchar', length: '36', isNullable: true },
                { name: 'event_type', type: 'varchar', length: '16' },
                { name: 'reason', type: 'varchar', length: '255', isNullable: true },
                { name: 'client_id', type: 'varchar', length: '128', isNullable: true },
                { name: 'username', type: 'varchar', length: '128', isNullable: true },
                { name: 'remote_address', type: 'varchar', length: '64', isNullable: true },
                { name: 'remote_port', type: 'integer', isNullable: true },
                { name: 'listener', type: 'varchar', length: '16' },
                { name: 'protocol_version', type: 'integer', isNullable: true },
                { name: 'keepalive', type: 'integer', isNullable: true },
                { name: 'clean_session', type: 'boolean', isNullable: true },
                { name: 'certificate_fingerprint', type: 'varchar', length: '128', isNullable: true },
                ms('time'),
            ],
            indices: [
                new typeorm_1.TableIndex({ name: 'ix_connection_logs_device_time', columnNames: ['device_id', 'time', 'id'] }),
                new typeorm_1.TableIndex({ name: 'ix_connection_logs_owner_time', columnNames: ['owner_id', 'time', 'id'] }),
                new typeorm_1.TableIndex({ name: 'ix_connection_logs_time', columnNames: ['time', 'id'] }),
            ],
        }));
        await q.createTable(new typeorm_1.Table({
            name: 'device_events',
            columns: [
                { name: 'id', type: 'varchar', length: '36', isPrimary: true },
                { name: 'owner_id', type: 'varchar', length: '36' },
                { name: 'device_id', type: 'varchar', length: '36' },
                { name: 'topic', type: 'text' },
                { name: 'payload', type: 'text' },
                { name: 'payload_encoding', type: 'varchar', length: '8' },
                { name: 'qos', type: 'integer' },
                { name: 'retain', type: 'boolean' },
                { name: 'size', type: 'integer' },
                ms('time'),
            ],
            indices: [
                new typeorm_1.TableIndex({ name: 'ix_device_events_device_time', columnNames: ['device_id', 'time', 'id'] }),
                new typeorm_1.TableIndex({ name: 'ix_device_events_owner_time', columnNames: ['owner_id', 'time', 'id'] }),
                new typeorm_1.TableIndex({ name: 'ix_device_events_time', columnNames: ['time', 'id'] }),
            ],
        }));
    }
    async down(q) {
        await q.dropTable('device_events');
        await q.dropTable('connection_logs');
    }
}
exports.MessageServer1764000300000 = MessageServer1764000300000;
//# sourceMappingURL=1764000300000-MessageServer.js.map