"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConnectionLogService = void 0;
exports.cleanText = cleanText;
const ids_js_1 = require("./ids.js");
const connection_log_aggregator_js_1 = require("./connection-log.aggregator.js");
const connection_log_entity_js_1 = require("./connection-log.entity.js");
const record_store_js_1 = require("./record-store.js");
/** Text from the wire made safe to store: no NUL (PostgreSQL rejects it), bounded length. */
function cleanText(value, max) {
    if (value == null)
        return null;
    // eslint-disable-next-line no-control-regex
    const text = value.replace(/\u0000/g, '\uFFFD');
    return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
/**
 * The connection log: CONNECTED, DISCONNECTED, AUTH_FAILED and TAKEN_OVER rows, written in batches; repeated
 * AUTH_FAILED rows are folded into count rows.
 */
class ConnectionLogService extends record_store_js_1.RecordStore {
    constructor(o, folding = { windowMs: 0, maxKeys: 1 }) {
        super(o, connection_log_entity_js_1.ConnectionLogEntity, 'connectionLog');
        this.folder = folding.windowMs > 0 ? new connection_log_aggregator_js_1.FailureFolder(folding.windowMs, folding.maxKeys, o.clock, (row) => void this.writer.add(row)) : null;
    }
    /**
     * Buffers one row (written within `eventFlushIntervalMs`) and returns it; an AUTH_FAILED row repeating one of
     * the same client id and reason within the folding window is only counted (written later in a count row).
     */
    record(input) {
        const row = Object.assign(new connection_log_entity_js_1.ConnectionLogEntity(), {
            id: (0, ids_js_1.sortableId)(),
            organizationId: input.organizationId ?? null,
            deviceId: input.deviceId ?? null,
            eventType: input.eventType,
            reason: cleanText(input.reason, 255),
            clientId: cleanText(input.clientId, 128),
            username: cleanText(input.username, 128),
            remoteAddress: cleanText(input.remoteAddress, 64),
            remotePort: input.remotePort ?? null,
            listener: input.listener,
            protocolVersion: input.protocolVersion ?? null,
            keepalive: input.keepalive ?? null,
            cleanSession: input.cleanSession ?? null,
            certificateFingerprint: cleanText(input.certificateFingerprint, 128),
            count: 1,
            time: this.o.clock(),
        });
        if (row.eventType !== connection_log_entity_js_1.ConnectionEventType.AUTH_FAILED || !this.folder || this.folder.offer(row))
            void this.writer.add(row);
        return row;
    }
    /**
     * After a crash: every device whose newest row is CONNECTED gets the DISCONNECTED row the crash kept from being
     * written (same client id, listener and address), with `reason`. Returns how many rows were added.
     */
    async closeDangling(deviceIds, reason) {
        let closed = 0;
        for (const deviceId of deviceIds) {
            const last = await this.repo.createQueryBuilder('r').where('r.device_id = :deviceId', { deviceId }).orderBy('r.time', 'DESC').addOrderBy('r.id', 'DESC').getOne();
            if (last?.eventType !== connection_log_entity_js_1.ConnectionEventType.CONNECTED)
                continue;
            const { id: _id, time: _time, ...rest } = last;
            this.record({ ...rest, eventType: connection_log_entity_js_1.ConnectionEventType.DISCONNECTED, reason });
            closed += 1;
        }
        await this.writer.flush();
        return closed;
    }
    /** Writes the count rows of open folding windows, then everything buffered; stops the writer. */
    async close() {
        this.folder?.flush();
        await this.writer.close();
    }
    list(organizationId, q) {
        return this.page(organizationId, q, (qb) => {
            if (q.eventTypes?.length)
                qb.andWhere('r.event_type IN (:...eventTypes)', { eventTypes: q.eventTypes });
        });
    }
    replayAfter(organizationId, deviceId, after) {
        return this.rowsAfter(organizationId, deviceId, after, () => undefined);
    }
}
exports.ConnectionLogService = ConnectionLogService;
//# sourceMappingURL=connection-log.service.js.map