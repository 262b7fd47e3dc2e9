"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DeviceEventService = void 0;
exports.encodePayload = encodePayload;
exports.payloadJson = payloadJson;
const node_buffer_1 = require("node:buffer");
const device_event_entity_js_1 = require("./device-event.entity.js");
const ids_js_1 = require("./ids.js");
const record_store_js_1 = require("./record-store.js");
const topics_js_1 = require("../common/topics.js");
/** Text when the payload is valid UTF-8 without NUL (PostgreSQL text cannot hold NUL), else base64. */
function encodePayload(payload) {
    if ((0, node_buffer_1.isUtf8)(payload) && !payload.includes(0))
        return { payload: payload.toString('utf8'), payloadEncoding: device_event_entity_js_1.PayloadEncoding.UTF8 };
    return { payload: payload.toString('base64'), payloadEncoding: device_event_entity_js_1.PayloadEncoding.BASE64 };
}
/** The payload parsed as JSON when it is UTF-8 JSON; undefined otherwise. */
function payloadJson(row) {
    if (row.payloadEncoding !== device_event_entity_js_1.PayloadEncoding.UTF8)
        return undefined;
    const text = row.payload.trim();
    if (!text)
        return undefined;
    try {
        return JSON.parse(text);
    }
    catch {
        return undefined;
    }
}
/** Every upstream PUBLISH of a device, written in batches. */
class DeviceEventService extends record_store_js_1.RecordStore {
    constructor(o, 
    /** The latest value per device and topic, kept in the same transactions (null: not kept). */
    latest = null) {
        super(o, device_event_entity_js_1.DeviceEventEntity, 'deviceEvents');
        this.latest = latest;
        /** QoS 0 messages not stored because the database could not write (for metrics and tests). */
        this.droppedQos0 = 0;
        this.lastDropLog = 0;
        this.postgres = o.ds.options.type === 'postgres';
    }
    /**
     * Buffers the message. QoS 1/2: the promise resolves once the event is committed and rejects with
     * StorageUnavailableError when it cannot be (the message must not be acknowledged). QoS 0: the promise (if
     * any) asks the publisher to wait (backpressure); while the database cannot write, QoS 0 events are dropped
     * and counted.
     */
    record(m) {
        const durable = m.qos > 0;
        if (!durable && this.o.health && !this.o.health.ok) {
            this.droppedQos0 += 1;
            const now = Date.now();
            if (now - this.lastDropLog >= 10_000) {
                this.lastDropLog = now;
                this.o.log.warn(`deviceEvents: storage unavailable, QoS 0 events are dropped (${this.droppedQos0} so far)`);
            }
            return undefined;
        }
        const row = this.toRow(m);
        return durable ? this.writer.addDurable(row) : this.writer.add(row);
    }
    /** A message the platform published to a device, as its DOWNSTREAM event; resolves once committed. */
    async recordDownstream(m) {
        const row = this.toRow({ ...m, direction: device_event_entity_js_1.EventDirection.DOWNSTREAM });
        await this.writer.addDurable(row);
        return row;
    }
    toRow(m) {
        const topic = m.topic.replace(/\u0000/g, '\uFFFD');
        return Object.assign(new device_event_entity_js_1.DeviceEventEntity(), {
            id: (0, ids_js_1.sortableId)(),
            organizationId: m.organizationId,
            deviceId: m.deviceId,
            topic,
            topicPrefix: (0, topics_js_1.topicPrefix)(topic),
            ...encodePayload(m.payload),
            qos: m.qos,
            retain: m.retain,
            size: m.payload.length,
            properties: m.properties ?? null,
            direction: m.direction ?? device_event_entity_js_1.EventDirection.UPSTREAM,
            time: this.o.clock(),
        });
    }
    async alsoInTransaction(m, rows) {
        await this.latest?.record(m, rows);
    }
    /** Deletes a device's events and its latest values. */
    async deleteForDevice(deviceId) {
        await super.deleteForDevice(deviceId);
        await this.latest?.deleteForDevice(deviceId);
    }
    list(organizationId, q) {
        const topic = q.topic != null ? (0, topics_js_1.checkTopicFilter)(q.topic) : null;
        return this.page(organizationId, q, (qb) => {
            if (topic != null)
                this.topicFilter(qb, topic);
            if (q.direction)
                qb.andWhere('r.direction = :direction', { direction: q.direction });
        });
    }
    replayAfter(organizationId, deviceId, after) {
        return this.rowsAfter(organizationId, deviceId, after, () => undefined);
    }
    /**
     * An MQTT topic filter as indexed predicates on `topic_prefix` (index organization_id, topic_prefix, time): a
     * range or equality narrows the rows; the exact check after it reads only the index when the literal
     * part fits the prefix column, and the regular expression of a `+` filter runs on the narrowed rows only.
     */
    topicFilter(qb, filter) {
        const plan = (0, topics_js_1.planTopicFilter)(filter);
        if (plan.all)
            return;
        const p = plan.prefix;
        if (p && 'eq' in p)
            qb.andWhere('r.topic_prefix = :tpEq', { tpEq: p.eq });
        else if (p)
            qb.andWhere('r.topic_prefix >= :tpLo AND r.topic_prefix < :tpHi', { tpLo: p.lo, tpHi: p.hi });
        const short = (text) => text.length < topics_js_1.TOPIC_PREFIX_CHARS;
        if (plan.exact != null) {
            // A topic shorter than the prefix column is its own prefix: the equality above is exact.
            if (!short(plan.exact))
                qb.andWhere('r.topic = :topic', { topic: plan.exact });
        }
        else if (plan.startsWith != null) {
            const parent = plan.parent;
            if (short(plan.startsWith)) {
                qb.andWhere('(r.topic_prefix >= :tpStart OR r.topic_prefix = :tpParent)', { tpStart: plan.startsWith, tpParent: parent });
            }
            else {
                qb.andWhere('(substr(r.topic, 1, :tpLen) = :tpStart OR r.topic = :tpParent)', { tpLen: Array.from(plan.startsWith).length, tpStart: plan.startsWith, tpParent: parent });
            }
        }
        else if (plan.regex != null) {
            qb.andWhere(this.postgres ? 'r.topic ~ :topicRe' : 'r.topic REGEXP :topicRe', { topicRe: plan.regex });
        }
    }
}
exports.DeviceEventService = DeviceEventService;
//# sourceMappingURL=device-event.service.js.map