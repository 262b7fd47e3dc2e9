"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.brokerResolvers = exports.DeviceConnectionLogResolver = exports.DeviceStatusResolver = exports.DeviceEventResolver = exports.ConnectionLogResolver = exports.DeviceEventConnection = exports.ConnectionLogConnection = exports.DeviceEventFilter = exports.ConnectionLogFilter = void 0;
exports.readScope = readScope;
const errors_js_1 = require("../common/errors.js");
const pagination_js_1 = require("../common/pagination.js");
const graphql_scalars_1 = require("graphql-scalars");
const type_graphql_1 = require("type-graphql");
const device_entity_js_1 = require("../devices/device.entity.js");
const index_js_1 = require("../access/index.js");
const relay_js_1 = require("../graphql/relay.js");
const connection_log_entity_js_1 = require("./connection-log.entity.js");
const device_event_entity_js_1 = require("./device-event.entity.js");
const device_event_service_js_1 = require("./device-event.service.js");
const status_topic_js_1 = require("../devices/status-topic.js");
const replay_js_1 = require("./replay.js");
const topics_js_1 = require("../common/topics.js");
let ConnectionLogFilter = class ConnectionLogFilter {
};
exports.ConnectionLogFilter = ConnectionLogFilter;
__decorate([
    (0, type_graphql_1.Field)(() => [connection_log_entity_js_1.ConnectionEventType], { nullable: true, description: 'Only these event types.' }),
    __metadata("design:type", Object)
], ConnectionLogFilter.prototype, "eventTypes", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true, description: 'Inclusive.' }),
    __metadata("design:type", Object)
], ConnectionLogFilter.prototype, "since", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true, description: 'Exclusive.' }),
    __metadata("design:type", Object)
], ConnectionLogFilter.prototype, "until", void 0);
exports.ConnectionLogFilter = ConnectionLogFilter = __decorate([
    (0, type_graphql_1.InputType)({ description: 'Connection log filter. Time range: since ≤ time < until.' })
], ConnectionLogFilter);
let DeviceEventFilter = class DeviceEventFilter {
};
exports.DeviceEventFilter = DeviceEventFilter;
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'MQTT topic filter: `+` matches one level, a trailing `#` any number.' }),
    __metadata("design:type", Object)
], DeviceEventFilter.prototype, "topic", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true, description: 'Inclusive.' }),
    __metadata("design:type", Object)
], DeviceEventFilter.prototype, "since", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true, description: 'Exclusive.' }),
    __metadata("design:type", Object)
], DeviceEventFilter.prototype, "until", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => device_event_entity_js_1.EventDirection, { nullable: true, description: 'Only events published by devices (UPSTREAM) or to them by the platform (DOWNSTREAM).' }),
    __metadata("design:type", Object)
], DeviceEventFilter.prototype, "direction", void 0);
exports.DeviceEventFilter = DeviceEventFilter = __decorate([
    (0, type_graphql_1.InputType)({ description: 'Device event filter. Time range: since ≤ time < until.' })
], DeviceEventFilter);
exports.ConnectionLogConnection = (0, relay_js_1.ConnectionType)('ConnectionLogEntry', connection_log_entity_js_1.ConnectionLogEntity);
exports.DeviceEventConnection = (0, relay_js_1.ConnectionType)('DeviceEvent', device_event_entity_js_1.DeviceEventEntity);
/** The row's device through the request's device loader (no N+1), while it is still in the row's organization. */
function deviceFor(ctx, row) {
    if (!row.deviceId)
        return Promise.resolve(null);
    return ctx.loaders.device.load(row.deviceId).then((d) => (d && d.organizationId === row.organizationId ? d : null));
}
/**
 * What a history query or subscription reads: one device (its organization decides; NOT_FOUND for non-members), or
 * every device of the named organization (default: the caller's).
 */
async function readScope(ctx, deviceId, organizationId) {
    if (deviceId != null) {
        const { device, scope } = await ctx.services.devices.authorize(ctx.access, deviceId, index_js_1.Permission.READ);
        return { scope, deviceId: device.id };
    }
    return { scope: await ctx.access.organization(organizationId, index_js_1.Permission.READ), deviceId: null };
}
/**
 * A subscription whose live events may have been lost (scale-out: Redis was down) ends with EVENTS_MISSED and the
 * cursor to resume from: the last row delivered, else its `after`, else its start.
 */
const missed = (err, resumeAfter) => ((0, errors_js_1.isEventsMissed)(err) ? (0, errors_js_1.eventsMissed)(resumeAfter) : err);
/** A subscriber that reads slower than rows arrive is ended; it resumes from `resumeAfter` with `after`. */
const tooSlow = (resumeAfter) => new errors_js_1.AppError('CONFLICT', 'live rows arrive faster than this subscription reads them; subscribe again with after: resumeAfter to catch up', {
    reason: 'SUBSCRIBER_TOO_SLOW',
    resumeAfter,
});
const DEVICE_ID_DESCRIPTION = "A device of an organization you belong to (NOT_FOUND otherwise); when omitted, every device of the organization (organizationId, default: your personal one).";
const ORG_DESCRIPTION = 'Used when deviceId is omitted: an organization you belong to; default: your personal organization, or your API key\'s.';
const AFTER_DESCRIPTION = 'A cursor (from a query edge or an earlier subscription event): first replays what was recorded after it, then continues live.';
let ConnectionLogResolver = class ConnectionLogResolver {
    async connectionLog(ctx, deviceId, filter, first, after, organizationId) {
        const { scope, deviceId: id } = await readScope(ctx, deviceId, organizationId);
        return (0, relay_js_1.toConnection)(await ctx.services.connectionLog.list(scope.organizationId, { ...filter, deviceId: id, first, after }));
    }
    connectionLogAdded(row, _deviceId, _eventTypes, _after, _organizationId) {
        return row;
    }
    cursor(row, ctx) {
        return ctx.services.connectionLog.cursorOf(row);
    }
    device(row, ctx) {
        return deviceFor(ctx, row);
    }
};
exports.ConnectionLogResolver = ConnectionLogResolver;
__decorate([
    (0, type_graphql_1.Query)(() => exports.ConnectionLogConnection, { description: "Connection log of a device or of an organization's devices, newest first." }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID, { nullable: true, description: DEVICE_ID_DESCRIPTION })),
    __param(2, (0, type_graphql_1.Arg)('filter', () => ConnectionLogFilter, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('first', () => type_graphql_1.Int, { nullable: true, defaultValue: 20 })),
    __param(4, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __param(5, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: ORG_DESCRIPTION })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, Object, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], ConnectionLogResolver.prototype, "connectionLog", null);
__decorate([
    (0, type_graphql_1.Subscription)(() => connection_log_entity_js_1.ConnectionLogEntity, {
        description: "New connection log rows of a device or of an organization's devices, as they are recorded.",
        subscribe: async ({ args, context }) => {
            const ctx = context;
            const { scope, deviceId } = await readScope(ctx, args.deviceId, args.organizationId);
            const owner = scope.organizationId;
            const store = ctx.services.connectionLog;
            const after = args.after ? store.decode(args.after) : null;
            const types = args.eventTypes ?? null;
            const start = (0, pagination_js_1.encodeCursor)(store.kind, ctx.services.clock().getTime(), '');
            const live = ctx.services.pubSub.subscribe(store.topic(owner))[Symbol.asyncIterator]();
            return ctx.access.service.guard(scope, index_js_1.Permission.READ, (0, replay_js_1.replayThenLive)({
                live,
                after,
                replay: after ? store.replayAfter(owner, deviceId, after) : null,
                match: (row) => (!deviceId || row.deviceId === deviceId) && (!types?.length || types.includes(row.eventType)),
                overflow: (last) => tooSlow(last ? store.cursorOf(last) : args.after ?? null),
                liveFailed: (err, last) => missed(err, last ? store.cursorOf(last) : (args.after ?? start)),
            }));
        },
    }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID, { nullable: true, description: DEVICE_ID_DESCRIPTION })),
    __param(2, (0, type_graphql_1.Arg)('eventTypes', () => [connection_log_entity_js_1.ConnectionEventType], { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('after', () => String, { nullable: true, description: AFTER_DESCRIPTION })),
    __param(4, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: ORG_DESCRIPTION })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [connection_log_entity_js_1.ConnectionLogEntity, Object, Object, Object, Object]),
    __metadata("design:returntype", connection_log_entity_js_1.ConnectionLogEntity)
], ConnectionLogResolver.prototype, "connectionLogAdded", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => String, { description: 'Position of this row, for `after` in queries and subscriptions.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [connection_log_entity_js_1.ConnectionLogEntity, Object]),
    __metadata("design:returntype", String)
], ConnectionLogResolver.prototype, "cursor", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => device_entity_js_1.DeviceEntity, { nullable: true, description: 'The device, while it exists.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [connection_log_entity_js_1.ConnectionLogEntity, Object]),
    __metadata("design:returntype", Promise)
], ConnectionLogResolver.prototype, "device", null);
exports.ConnectionLogResolver = ConnectionLogResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => connection_log_entity_js_1.ConnectionLogEntity)
], ConnectionLogResolver);
let DeviceEventResolver = class DeviceEventResolver {
    async deviceEvents(ctx, deviceId, filter, first, after, organizationId) {
        const { scope, deviceId: id } = await readScope(ctx, deviceId, organizationId);
        return (0, relay_js_1.toConnection)(await ctx.services.deviceEvents.list(scope.organizationId, { ...filter, deviceId: id, first, after }));
    }
    deviceEventAdded(row, _deviceId, _topic, _after, _organizationId) {
        return row;
    }
    cursor(row, ctx) {
        return ctx.services.deviceEvents.cursorOf(row);
    }
    json(row) {
        return (0, device_event_service_js_1.payloadJson)(row) ?? null;
    }
    device(row, ctx) {
        return deviceFor(ctx, row);
    }
};
exports.DeviceEventResolver = DeviceEventResolver;
__decorate([
    (0, type_graphql_1.Query)(() => exports.DeviceEventConnection, { description: "Messages of a device or of an organization's devices, newest first." }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID, { nullable: true, description: DEVICE_ID_DESCRIPTION })),
    __param(2, (0, type_graphql_1.Arg)('filter', () => DeviceEventFilter, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('first', () => type_graphql_1.Int, { nullable: true, defaultValue: 20 })),
    __param(4, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __param(5, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: ORG_DESCRIPTION })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, Object, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], DeviceEventResolver.prototype, "deviceEvents", null);
__decorate([
    (0, type_graphql_1.Subscription)(() => device_event_entity_js_1.DeviceEventEntity, {
        description: "Messages of a device or of an organization's devices, as they are recorded.",
        subscribe: async ({ args, context }) => {
            const ctx = context;
            const { scope, deviceId } = await readScope(ctx, args.deviceId, args.organizationId);
            const owner = scope.organizationId;
            const topic = args.topic != null ? (0, topics_js_1.checkTopicFilter)(args.topic) : null;
            const store = ctx.services.deviceEvents;
            const after = args.after ? store.decode(args.after) : null;
            const start = (0, pagination_js_1.encodeCursor)(store.kind, ctx.services.clock().getTime(), '');
            const live = ctx.services.pubSub.subscribe(store.topic(owner))[Symbol.asyncIterator]();
            return ctx.access.service.guard(scope, index_js_1.Permission.READ, (0, replay_js_1.replayThenLive)({
                live,
                after,
                replay: after ? store.replayAfter(owner, deviceId, after) : null,
                match: (row) => (!deviceId || row.deviceId === deviceId) && (topic == null || (0, topics_js_1.topicMatches)(topic, row.topic)),
                overflow: (last) => tooSlow(last ? store.cursorOf(last) : args.after ?? null),
                liveFailed: (err, last) => missed(err, last ? store.cursorOf(last) : (args.after ?? start)),
            }));
        },
    }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID, { nullable: true, description: DEVICE_ID_DESCRIPTION })),
    __param(2, (0, type_graphql_1.Arg)('topic', () => String, { nullable: true, description: 'MQTT topic filter (`+`, `#`).' })),
    __param(3, (0, type_graphql_1.Arg)('after', () => String, { nullable: true, description: AFTER_DESCRIPTION })),
    __param(4, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: ORG_DESCRIPTION })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_event_entity_js_1.DeviceEventEntity, Object, Object, Object, Object]),
    __metadata("design:returntype", device_event_entity_js_1.DeviceEventEntity)
], DeviceEventResolver.prototype, "deviceEventAdded", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => String, { description: 'Position of this event, for `after` in queries and subscriptions.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_event_entity_js_1.DeviceEventEntity, Object]),
    __metadata("design:returntype", String)
], DeviceEventResolver.prototype, "cursor", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => graphql_scalars_1.GraphQLJSON, { nullable: true, description: 'The payload parsed as JSON, when it is valid JSON.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_event_entity_js_1.DeviceEventEntity]),
    __metadata("design:returntype", Object)
], DeviceEventResolver.prototype, "json", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => device_entity_js_1.DeviceEntity, { nullable: true, description: 'The device, while it exists.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_event_entity_js_1.DeviceEventEntity, Object]),
    __metadata("design:returntype", Promise)
], DeviceEventResolver.prototype, "device", null);
exports.DeviceEventResolver = DeviceEventResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => device_event_entity_js_1.DeviceEventEntity)
], DeviceEventResolver);
let DeviceStatusResolver = class DeviceStatusResolver {
    deviceStatusChanged(device, _deviceId, _organizationId) {
        return device;
    }
};
exports.DeviceStatusResolver = DeviceStatusResolver;
__decorate([
    (0, type_graphql_1.Subscription)(() => device_entity_js_1.DeviceEntity, {
        description: "A device, or an organization's devices, as they go ONLINE or OFFLINE (status, lastConnectedAt, lastDisconnectedAt).",
        subscribe: async ({ args, context }) => {
            const ctx = context;
            const { scope, deviceId } = await readScope(ctx, args.deviceId, args.organizationId);
            const owner = scope.organizationId;
            const source = ctx.services.pubSub.subscribe((0, status_topic_js_1.deviceStatusTopic)(owner));
            return ctx.access.service.guard(scope, index_js_1.Permission.READ, filterIterable(source, (d) => d.organizationId === owner && (!deviceId || d.id === deviceId)));
        },
    }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID, { nullable: true, description: DEVICE_ID_DESCRIPTION })),
    __param(2, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: ORG_DESCRIPTION })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_entity_js_1.DeviceEntity, Object, Object]),
    __metadata("design:returntype", device_entity_js_1.DeviceEntity)
], DeviceStatusResolver.prototype, "deviceStatusChanged", null);
exports.DeviceStatusResolver = DeviceStatusResolver = __decorate([
    (0, type_graphql_1.Resolver)()
], DeviceStatusResolver);
/** `Device.connectionLogs` and `Device.events`, kept with the message server feature. */
let DeviceConnectionLogResolver = class DeviceConnectionLogResolver {
    async connectionLogs(device, ctx, filter, first, after) {
        return (0, relay_js_1.toConnection)(await ctx.services.connectionLog.list(device.organizationId, { ...filter, deviceId: device.id, first, after }));
    }
    async events(device, ctx, filter, first, after) {
        return (0, relay_js_1.toConnection)(await ctx.services.deviceEvents.list(device.organizationId, { ...filter, deviceId: device.id, first, after }));
    }
};
exports.DeviceConnectionLogResolver = DeviceConnectionLogResolver;
__decorate([
    (0, type_graphql_1.FieldResolver)(() => exports.ConnectionLogConnection, { description: 'This device\'s connection log, newest first.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __param(2, (0, type_graphql_1.Arg)('filter', () => ConnectionLogFilter, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('first', () => type_graphql_1.Int, { nullable: true, defaultValue: 20 })),
    __param(4, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_entity_js_1.DeviceEntity, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], DeviceConnectionLogResolver.prototype, "connectionLogs", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => exports.DeviceEventConnection, { description: 'Upstream messages of this device, newest first.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __param(2, (0, type_graphql_1.Arg)('filter', () => DeviceEventFilter, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('first', () => type_graphql_1.Int, { nullable: true, defaultValue: 20 })),
    __param(4, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_entity_js_1.DeviceEntity, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], DeviceConnectionLogResolver.prototype, "events", null);
exports.DeviceConnectionLogResolver = DeviceConnectionLogResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => device_entity_js_1.DeviceEntity)
], DeviceConnectionLogResolver);
/** Filters an async iterable, passing `return()` through (so unsubscribing ends the source at once). */
function filterIterable(source, keep) {
    const it = source[Symbol.asyncIterator]();
    const filtered = {
        async next() {
            for (;;) {
                const r = await it.next();
                if (r.done || keep(r.value))
                    return r;
            }
        },
        async return() {
            await it.return?.();
            return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
            return filtered;
        },
    };
    return filtered;
}
exports.brokerResolvers = [ConnectionLogResolver, DeviceEventResolver, DeviceStatusResolver, DeviceConnectionLogResolver];
//# sourceMappingURL=broker.resolver.js.map