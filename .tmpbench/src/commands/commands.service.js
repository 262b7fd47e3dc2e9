"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CommandService = exports.CommandPayloadEncoding = void 0;
const index_js_1 = require("../access/index.js");
const index_js_2 = require("../audit/index.js");
const node_crypto_1 = require("node:crypto");
const errors_js_1 = require("../common/errors.js");
const message_properties_js_1 = require("../common/message-properties.js");
const topics_js_1 = require("../common/topics.js");
const device_event_entity_js_1 = require("../broker/device-event.entity.js");
var CommandPayloadEncoding;
(function (CommandPayloadEncoding) {
    /** The payload string as UTF-8. */
    CommandPayloadEncoding["TEXT"] = "TEXT";
    /** The payload string is base64 (binary payloads). */
    CommandPayloadEncoding["BASE64"] = "BASE64";
    /** The payload string must be valid JSON; sent as its UTF-8 text. */
    CommandPayloadEncoding["JSON"] = "JSON";
})(CommandPayloadEncoding || (exports.CommandPayloadEncoding = CommandPayloadEncoding = {}));
/**
 * The platform publishes to devices ("commands", "group control"): into the owner's namespace, as the platform, not
 * as a device. A command to one device is recorded as its DOWNSTREAM event, committed before the call returns.
 */
class CommandService {
    constructor(devices, messageServer, deviceEvents, pubSub, maxPayloadBytes, audit) {
        this.devices = devices;
        this.messageServer = messageServer;
        this.deviceEvents = deviceEvents;
        this.pubSub = pubSub;
        this.maxPayloadBytes = maxPayloadBytes;
        this.audit = audit;
    }
    /** The command in the audit trail: topic, QoS, size; not the payload (it may hold secrets). */
    audited(scope, target, kind, topic, qos, bytes) {
        return this.audit.record(scope, index_js_2.AuditAction.COMMAND_SENT, target, { kind, topic, qos, bytes });
    }
    async publishToDevice(access, deviceId, c) {
        const { device, scope } = await this.devices.authorize(access, deviceId, index_js_1.Permission.COMMANDS);
        const { organizationId } = scope;
        const { payload, qos } = this.check(c);
        await this.audited(scope, { type: 'DEVICE', id: device.id, label: device.name }, 'publishToDevice', c.topic, qos, payload.length);
        const matchedSessions = await this.messageServer.publishAsPlatform(organizationId, { topic: c.topic, payload, qos, retain: c.retain, properties: (0, message_properties_js_1.packetProperties)(c.properties) });
        const event = await this.deviceEvents.recordDownstream({ organizationId, deviceId: device.id, topic: c.topic, payload, qos, retain: c.retain, properties: c.properties });
        return { topic: c.topic, qos, matchedSessions, event };
    }
    /**
     * Asks a device and waits for its answer (request/response). The request goes to `<topic>/<correlationId>` (MQTT 5
     * sessions also get Response Topic `<topic>/reply/<correlationId>` and the correlation id as Correlation Data); the
     * device answers on that reply topic. The answer is seen as the device's upstream event, committed, on any
     * instance (scale-out: through Redis). No answer within `timeoutMs`: DEVICE_TIMEOUT.
     */
    async requestDevice(access, deviceId, c, timeoutMs) {
        if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 300_000)
            throw (0, errors_js_1.badInput)('timeoutMs must be between 100 and 300000', 'timeoutMs');
        const { device, scope } = await this.devices.authorize(access, deviceId, index_js_1.Permission.COMMANDS);
        const { organizationId } = scope;
        const { payload, qos } = this.check(c);
        await this.audited(scope, { type: 'DEVICE', id: device.id, label: device.name }, 'requestDevice', c.topic, qos, payload.length);
        const correlationId = (0, node_crypto_1.randomUUID)();
        const requestTopic = `${c.topic}/${correlationId}`;
        const replyTopic = `${c.topic}/reply/${correlationId}`;
        if ((0, topics_js_1.publishTopicProblem)(requestTopic) || (0, topics_js_1.publishTopicProblem)(replyTopic))
            throw (0, errors_js_1.badInput)('topic is too long for a request', 'topic');
        // Listening before the request is sent: an answer cannot come before the listener.
        const live = this.pubSub.subscribe(this.deviceEvents.topic(organizationId))[Symbol.asyncIterator]();
        let timer;
        try {
            const answered = (async () => {
                for (;;) {
                    const next = await live.next();
                    if (next.done)
                        throw new errors_js_1.AppError('DEVICE_TIMEOUT', 'The device did not answer');
                    const row = next.value;
                    if (row.deviceId === device.id && row.topic === replyTopic && row.direction !== device_event_entity_js_1.EventDirection.DOWNSTREAM)
                        return row;
                }
            })();
            // Ended by the timeout or an error: its own rejection is then of no interest.
            answered.catch(() => undefined);
            const timedOut = new Promise((_resolve, reject) => {
                timer = setTimeout(() => reject(new errors_js_1.AppError('DEVICE_TIMEOUT', `The device did not answer within ${timeoutMs} ms`, { timeoutMs, correlationId })), timeoutMs);
            });
            const started = performance.now();
            const properties = { ...(c.properties ?? {}), responseTopic: replyTopic, correlationData: Buffer.from(correlationId).toString('base64') };
            await this.messageServer.publishAsPlatform(organizationId, { topic: requestTopic, payload, qos, retain: false, properties: (0, message_properties_js_1.packetProperties)(properties) });
            await this.deviceEvents.recordDownstream({ organizationId, deviceId: device.id, topic: requestTopic, payload, qos, retain: false, properties });
            const reply = await Promise.race([answered, timedOut]);
            return { correlationId, requestTopic, replyTopic, latencyMs: Math.round(performance.now() - started), reply };
        }
        finally {
            clearTimeout(timer);
            void Promise.resolve(live.return?.()).catch(() => undefined);
        }
    }
    async publishToTopic(scope, c) {
        const { organizationId } = scope;
        const { payload, qos } = this.check(c);
        await this.audited(scope, { type: 'TOPIC', id: null, label: c.topic }, 'publishToTopic', c.topic, qos, payload.length);
        const matchedSessions = await this.messageServer.publishAsPlatform(organizationId, { topic: c.topic, payload, qos, retain: c.retain, properties: (0, message_properties_js_1.packetProperties)(c.properties) });
        return { topic: c.topic, qos, matchedSessions, event: null };
    }
    check(c) {
        const problem = (0, topics_js_1.publishTopicProblem)(c.topic);
        if (problem)
            throw (0, errors_js_1.badInput)(problem, 'topic');
        if (c.qos !== 0 && c.qos !== 1 && c.qos !== 2)
            throw (0, errors_js_1.badInput)('qos must be 0, 1 or 2', 'qos');
        let payload;
        if (c.payloadEncoding === CommandPayloadEncoding.BASE64) {
            if (!/^[A-Za-z0-9+/]*={0,2}$/.test(c.payload) || c.payload.length % 4 !== 0)
                throw (0, errors_js_1.badInput)('payload is not valid base64', 'payload');
            payload = Buffer.from(c.payload, 'base64');
        }
        else {
            if (c.payloadEncoding === CommandPayloadEncoding.JSON) {
                try {
                    JSON.parse(c.payload);
                }
                catch {
                    throw (0, errors_js_1.badInput)('payload is not valid JSON', 'payload');
                }
            }
            payload = Buffer.from(c.payload, 'utf8');
        }
        if (payload.length > this.maxPayloadBytes)
            throw (0, errors_js_1.badInput)(`payload is larger than ${this.maxPayloadBytes} bytes`, 'payload');
        return { payload, qos: c.qos };
    }
}
exports.CommandService = CommandService;
//# sourceMappingURL=commands.service.js.map