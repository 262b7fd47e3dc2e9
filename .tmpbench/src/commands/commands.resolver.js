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
exports.CommandResolver = exports.RequestResult = exports.PublishResult = exports.PublishInput = void 0;
const type_graphql_1 = require("type-graphql");
const message_properties_js_1 = require("../common/message-properties.js");
const device_event_entity_js_1 = require("../broker/device-event.entity.js");
const index_js_1 = require("../access/index.js");
const device_resolver_js_1 = require("../devices/device.resolver.js");
const commands_service_js_1 = require("./commands.service.js");
(0, type_graphql_1.registerEnumType)(commands_service_js_1.CommandPayloadEncoding, {
    name: 'CommandPayloadEncoding',
    description: 'TEXT: the payload string as UTF-8. BASE64: a base64 string (binary payloads). JSON: a JSON text (checked), sent as UTF-8.',
});
let PublishInput = class PublishInput {
};
exports.PublishInput = PublishInput;
__decorate([
    (0, type_graphql_1.Field)({ description: 'Topic as devices see it (no wildcards, not $…).' }),
    __metadata("design:type", String)
], PublishInput.prototype, "topic", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", String)
], PublishInput.prototype, "payload", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => commands_service_js_1.CommandPayloadEncoding, { defaultValue: commands_service_js_1.CommandPayloadEncoding.TEXT }),
    __metadata("design:type", String)
], PublishInput.prototype, "payloadEncoding", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { defaultValue: 0 }),
    __metadata("design:type", Number)
], PublishInput.prototype, "qos", void 0);
__decorate([
    (0, type_graphql_1.Field)({ defaultValue: false, description: 'Kept by the broker for devices that subscribe later.' }),
    __metadata("design:type", Boolean)
], PublishInput.prototype, "retain", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => message_properties_js_1.MessageProperties, { nullable: true, description: 'MQTT 5 properties (sent to MQTT 5 sessions).' }),
    __metadata("design:type", Object)
], PublishInput.prototype, "properties", void 0);
exports.PublishInput = PublishInput = __decorate([
    (0, type_graphql_1.InputType)({ description: 'A message the platform publishes to devices.' })
], PublishInput);
let PublishResult = class PublishResult {
};
exports.PublishResult = PublishResult;
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", String)
], PublishResult.prototype, "topic", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int),
    __metadata("design:type", Number)
], PublishResult.prototype, "qos", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { description: 'Connected sessions (on this instance) whose subscriptions matched; a shared subscription group counts once. Offline persistent sessions get QoS 1/2 messages queued.' }),
    __metadata("design:type", Number)
], PublishResult.prototype, "matchedSessions", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => device_event_entity_js_1.DeviceEventEntity, { nullable: true, description: 'The DOWNSTREAM event recorded for the device (publishToDevice).' }),
    __metadata("design:type", Object)
], PublishResult.prototype, "event", void 0);
exports.PublishResult = PublishResult = __decorate([
    (0, type_graphql_1.ObjectType)({ description: 'What a platform publish reached.' })
], PublishResult);
let RequestResult = class RequestResult {
};
exports.RequestResult = RequestResult;
__decorate([
    (0, type_graphql_1.Field)({ description: 'Also the request\'s MQTT 5 Correlation Data.' }),
    __metadata("design:type", String)
], RequestResult.prototype, "correlationId", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'Where the request was published: `<topic>/<correlationId>`.' }),
    __metadata("design:type", String)
], RequestResult.prototype, "requestTopic", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'Where the device answered: `<topic>/reply/<correlationId>` (MQTT 5: the Response Topic).' }),
    __metadata("design:type", String)
], RequestResult.prototype, "replyTopic", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { description: "From the request's publish to the stored answer (ms)." }),
    __metadata("design:type", Number)
], RequestResult.prototype, "latencyMs", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => device_event_entity_js_1.DeviceEventEntity, { description: 'The answer (payload, json, properties), as the device\'s event.' }),
    __metadata("design:type", device_event_entity_js_1.DeviceEventEntity)
], RequestResult.prototype, "reply", void 0);
exports.RequestResult = RequestResult = __decorate([
    (0, type_graphql_1.ObjectType)({ description: "A device's answer to requestDevice." })
], RequestResult);
let CommandResolver = class CommandResolver {
    constructor(commands) {
        this.commands = commands;
    }
    publishToDevice(ctx, deviceId, input) {
        return this.commands.publishToDevice(ctx.access, deviceId, { ...input, properties: input.properties ?? null });
    }
    requestDevice(ctx, deviceId, input, timeoutMs) {
        return this.commands.requestDevice(ctx.access, deviceId, { ...input, properties: input.properties ?? null }, timeoutMs);
    }
    async publishToTopic(ctx, input, organizationId) {
        const scope = await ctx.access.organization(organizationId, index_js_1.Permission.COMMANDS);
        return this.commands.publishToTopic(scope, { ...input, properties: input.properties ?? null });
    }
};
exports.CommandResolver = CommandResolver;
__decorate([
    (0, type_graphql_1.Mutation)(() => PublishResult, { description: 'Publishes a message to a device (a command), as the platform; recorded as its DOWNSTREAM event.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('input', () => PublishInput)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, PublishInput]),
    __metadata("design:returntype", Promise)
], CommandResolver.prototype, "publishToDevice", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => RequestResult, {
        description: 'Asks a device and waits for its answer. The request goes to `<topic>/<correlationId>`; the device answers on `<topic>/reply/<correlationId>` (MQTT 5 sessions also get it as Response Topic, with Correlation Data). DEVICE_TIMEOUT when no answer comes within timeoutMs.',
    }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('input', () => PublishInput)),
    __param(3, (0, type_graphql_1.Arg)('timeoutMs', () => type_graphql_1.Int, { defaultValue: 10_000 })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, PublishInput, Number]),
    __metadata("design:returntype", Promise)
], CommandResolver.prototype, "requestDevice", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => PublishResult, { description: 'Publishes a message on a topic of your namespace, to every a device subscribed to it ("group control").' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('input', () => PublishInput)),
    __param(2, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: device_resolver_js_1.ORGANIZATION_ID })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, PublishInput, Object]),
    __metadata("design:returntype", Promise)
], CommandResolver.prototype, "publishToTopic", null);
exports.CommandResolver = CommandResolver = __decorate([
    (0, type_graphql_1.Resolver)(),
    __metadata("design:paramtypes", [Function])
], CommandResolver);
//# sourceMappingURL=commands.resolver.js.map