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
exports.LatestValueResolver = exports.DeviceLatestResolver = void 0;
const subscription_1 = require("@graphql-yoga/subscription");
const graphql_scalars_1 = require("graphql-scalars");
const type_graphql_1 = require("type-graphql");
const topics_js_1 = require("../common/topics.js");
const device_entity_js_1 = require("../devices/device.entity.js");
const index_js_1 = require("../access/index.js");
const device_event_entity_js_1 = require("./device-event.entity.js");
const device_event_service_js_1 = require("./device-event.service.js");
const latest_value_entity_js_1 = require("./latest-value.entity.js");
const latest_values_js_1 = require("./latest-values.js");
const TOPIC_DESCRIPTION = 'MQTT topic filter (`+`, `#`); all topics when omitted.';
/** Changes waiting for a slow subscriber beyond this: the oldest are dropped (a newer value supersedes them). */
const LATEST_BACKLOG = 1000;
/** `Device.latest`: the last message per topic ("latest state"), for dashboards. */
let DeviceLatestResolver = class DeviceLatestResolver {
    async latest(device, ctx, topic) {
        const filter = topic != null ? (0, topics_js_1.checkTopicFilter)(topic) : null;
        const rows = await ctx.loaders.latestValues.load(device.id);
        return filter == null ? rows : rows.filter((r) => (0, topics_js_1.topicMatches)(filter, r.topic));
    }
};
exports.DeviceLatestResolver = DeviceLatestResolver;
__decorate([
    (0, type_graphql_1.FieldResolver)(() => [latest_value_entity_js_1.LatestValueEntity], { description: 'The last message this device published on each topic (at most PORTICO_LATEST_TOPICS_PER_DEVICE topics), by topic.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __param(2, (0, type_graphql_1.Arg)('topic', () => String, { nullable: true, description: TOPIC_DESCRIPTION })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_entity_js_1.DeviceEntity, Object, Object]),
    __metadata("design:returntype", Promise)
], DeviceLatestResolver.prototype, "latest", null);
exports.DeviceLatestResolver = DeviceLatestResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => device_entity_js_1.DeviceEntity)
], DeviceLatestResolver);
let LatestValueResolver = class LatestValueResolver {
    json(row) {
        return (0, device_event_service_js_1.payloadJson)(row) ?? null;
    }
    deviceLatestChanged(value, _deviceId, _topic) {
        return value;
    }
};
exports.LatestValueResolver = LatestValueResolver;
__decorate([
    (0, type_graphql_1.FieldResolver)(() => graphql_scalars_1.GraphQLJSON, { nullable: true, description: 'The payload parsed as JSON, when it is valid JSON.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [latest_value_entity_js_1.LatestValueEntity]),
    __metadata("design:returntype", Object)
], LatestValueResolver.prototype, "json", null);
__decorate([
    (0, type_graphql_1.Subscription)(() => latest_value_entity_js_1.LatestValueEntity, {
        description: "A device's latest values: first the current ones (by topic), then each new one as it is recorded.",
        subscribe: async ({ args, context }) => {
            const ctx = context;
            const { device, scope } = await ctx.services.devices.authorize(ctx.access, args.deviceId, index_js_1.Permission.READ);
            const owner = scope.organizationId;
            const deviceId = device.id;
            const filter = args.topic != null ? (0, topics_js_1.checkTopicFilter)(args.topic) : null;
            const store = ctx.services.deviceEvents;
            // Subscribed before the current values are read: nothing recorded in between is missed.
            const live = ctx.services.pubSub.subscribe(store.topic(owner))[Symbol.asyncIterator]();
            const current = store.latest ? await store.latest.forDevice(deviceId, filter) : [];
            const wanted = (row) => row.deviceId === deviceId && row.direction !== device_event_entity_js_1.EventDirection.DOWNSTREAM && row.topic.length <= latest_values_js_1.LATEST_TOPIC_MAX_CHARS && (filter == null || (0, topics_js_1.topicMatches)(filter, row.topic));
            return ctx.access.service.guard(scope, index_js_1.Permission.READ, new subscription_1.Repeater(async (push, stop) => {
                let stopped = false;
                void stop.then(() => {
                    stopped = true;
                    void live.return?.();
                });
                for (const value of current)
                    await push(value);
                while (!stopped) {
                    const next = await live.next();
                    if (next.done)
                        break;
                    const row = next.value;
                    if (wanted(row))
                        await push((0, latest_values_js_1.latestOf)(row));
                }
                stop();
            }, new subscription_1.SlidingBuffer(LATEST_BACKLOG)));
        },
    }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID, { description: 'A device of an organization you belong to (NOT_FOUND otherwise).' })),
    __param(2, (0, type_graphql_1.Arg)('topic', () => String, { nullable: true, description: TOPIC_DESCRIPTION })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [latest_value_entity_js_1.LatestValueEntity, String, Object]),
    __metadata("design:returntype", latest_value_entity_js_1.LatestValueEntity)
], LatestValueResolver.prototype, "deviceLatestChanged", null);
exports.LatestValueResolver = LatestValueResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => latest_value_entity_js_1.LatestValueEntity)
], LatestValueResolver);
//# sourceMappingURL=latest.resolver.js.map