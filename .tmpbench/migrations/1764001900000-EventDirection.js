"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EventDirection1764001900000 = void 0;
/**
 * Device events published by the platform to devices (DOWNSTREAM) beside those devices published (UPSTREAM). A plain
 * ALTER TABLE: TypeORM's addColumn rebuilds the table on SQLite from what it knows, losing topic_prefix.
 */
class EventDirection1764001900000 {
    constructor() {
        this.name = 'EventDirection1764001900000';
    }
    async up(q) {
        await q.query(`ALTER TABLE "device_events" ADD COLUMN "direction" varchar(12) NOT NULL DEFAULT 'UPSTREAM'`);
    }
    async down(q) {
        await q.query('ALTER TABLE "device_events" DROP COLUMN "direction"');
    }
}
exports.EventDirection1764001900000 = EventDirection1764001900000;
//# sourceMappingURL=1764001900000-EventDirection.js.map