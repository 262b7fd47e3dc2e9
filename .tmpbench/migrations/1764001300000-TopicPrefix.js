"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TopicPrefix1764001300000 = void 0;
/**
 * Indexed topic filters on device events: `topic_prefix` holds the first 255 code points of the topic
 * (compared byte-wise: COLLATE "C" on PostgreSQL, SQLite's default BINARY), indexed with the owner and
 * time, so `a/b/#` or `a/+/c` become index ranges instead of a regular expression per row. Plain
 * ALTER TABLE (no table rebuild on SQLite); existing rows are filled in place.
 */
class TopicPrefix1764001300000 {
    constructor() {
        this.name = 'TopicPrefix1764001300000';
    }
    async up(q) {
        const collate = q.connection.options.type === 'postgres' ? ' COLLATE "C"' : '';
        await q.query(`ALTER TABLE "device_events" ADD COLUMN "topic_prefix" varchar(255)${collate}`);
        await q.query('UPDATE "device_events" SET "topic_prefix" = substr("topic", 1, 255)');
        await q.query('CREATE INDEX "ix_device_events_owner_topic" ON "device_events" ("owner_id", "topic_prefix", "time", "id")');
    }
    async down(q) {
        await q.query('DROP INDEX "ix_device_events_owner_topic"');
        await q.query('ALTER TABLE "device_events" DROP COLUMN "topic_prefix"');
    }
}
exports.TopicPrefix1764001300000 = TopicPrefix1764001300000;
//# sourceMappingURL=1764001300000-TopicPrefix.js.map