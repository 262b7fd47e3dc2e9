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
exports.TestClientResolver = exports.TestClientSessionType = exports.TestSubscriptionType = exports.TestMessageType = exports.TestClientOptions = exports.WillInput = void 0;
const message_properties_js_1 = require("../common/message-properties.js");
const graphql_scalars_1 = require("graphql-scalars");
const type_graphql_1 = require("type-graphql");
const errors_js_1 = require("../common/errors.js");
const device_entity_js_1 = require("../devices/device.entity.js");
const index_js_1 = require("../access/index.js");
const device_resolver_js_1 = require("../devices/device.resolver.js");
const test_client_session_js_1 = require("./test-client.session.js");
(0, type_graphql_1.registerEnumType)(test_client_session_js_1.TestClientState, { name: 'TestClientState' });
(0, type_graphql_1.registerEnumType)(test_client_session_js_1.TestClientTransport, {
    name: 'TestClientTransport',
    valuesConfig: {
        MQTT: { description: 'Plain MQTT (1883), Token authentication.' },
        MQTTS: { description: 'One-way TLS (8883), Token authentication.' },
        MQTTS_MUTUAL: { description: 'Two-way TLS (8884), Certificate authentication.' },
    },
});
(0, type_graphql_1.registerEnumType)(test_client_session_js_1.MessageDirection, { name: 'MessageDirection' });
let WillInput = class WillInput {
};
exports.WillInput = WillInput;
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", String)
], WillInput.prototype, "topic", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'JSON text.' }),
    __metadata("design:type", String)
], WillInput.prototype, "payload", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { nullable: true, defaultValue: 0 }),
    __metadata("design:type", Number)
], WillInput.prototype, "qos", void 0);
__decorate([
    (0, type_graphql_1.Field)({ nullable: true, defaultValue: false }),
    __metadata("design:type", Boolean)
], WillInput.prototype, "retain", void 0);
exports.WillInput = WillInput = __decorate([
    (0, type_graphql_1.InputType)()
], WillInput);
let TestClientOptions = class TestClientOptions {
};
exports.TestClientOptions = TestClientOptions;
__decorate([
    (0, type_graphql_1.Field)(() => test_client_session_js_1.TestClientTransport, { nullable: true, description: 'Default: MQTT for Token devices, MQTTS_MUTUAL for Certificate devices.' }),
    __metadata("design:type", Object)
], TestClientOptions.prototype, "transport", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Boolean, { nullable: true, defaultValue: true }),
    __metadata("design:type", Object)
], TestClientOptions.prototype, "cleanSession", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { nullable: true, defaultValue: 60, description: 'Seconds; 0 disables keepalive.' }),
    __metadata("design:type", Object)
], TestClientOptions.prototype, "keepalive", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { nullable: true, defaultValue: 4, description: '4 = MQTT 3.1.1, 5 = MQTT 5, 3 = MQTT 3.1.' }),
    __metadata("design:type", Object)
], TestClientOptions.prototype, "mqttVersion", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => WillInput, { nullable: true }),
    __metadata("design:type", Object)
], TestClientOptions.prototype, "will", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Boolean, {
        nullable: true,
        defaultValue: false,
        description: 'Required when the device is online now: the same client id will disconnect the real device.',
    }),
    __metadata("design:type", Object)
], TestClientOptions.prototype, "force", void 0);
exports.TestClientOptions = TestClientOptions = __decorate([
    (0, type_graphql_1.InputType)()
], TestClientOptions);
let TestMessageType = class TestMessageType {
};
exports.TestMessageType = TestMessageType;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID, { description: 'Increasing within the session; pass as `after` to resume.' }),
    __metadata("design:type", String)
], TestMessageType.prototype, "id", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => test_client_session_js_1.MessageDirection),
    __metadata("design:type", String)
], TestMessageType.prototype, "direction", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", String)
], TestMessageType.prototype, "topic", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'The payload as UTF-8 text.' }),
    __metadata("design:type", String)
], TestMessageType.prototype, "payload", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => graphql_scalars_1.GraphQLJSON, { nullable: true, description: 'The payload parsed, when it is JSON.' }),
    __metadata("design:type", Object)
], TestMessageType.prototype, "json", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int),
    __metadata("design:type", Number)
], TestMessageType.prototype, "qos", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", Boolean)
], TestMessageType.prototype, "retain", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => message_properties_js_1.MessageProperties, { nullable: true, description: 'MQTT 5 properties sent or received; null when none.' }),
    __metadata("design:type", Object)
], TestMessageType.prototype, "properties", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", Date)
], TestMessageType.prototype, "at", void 0);
exports.TestMessageType = TestMessageType = __decorate([
    (0, type_graphql_1.ObjectType)('TestMessage')
], TestMessageType);
let TestSubscriptionType = class TestSubscriptionType {
};
exports.TestSubscriptionType = TestSubscriptionType;
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", String)
], TestSubscriptionType.prototype, "topicFilter", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { description: 'QoS granted by the server.' }),
    __metadata("design:type", Number)
], TestSubscriptionType.prototype, "qos", void 0);
exports.TestSubscriptionType = TestSubscriptionType = __decorate([
    (0, type_graphql_1.ObjectType)('TestSubscription')
], TestSubscriptionType);
const toMessage = (m) => ({ ...m, id: String(m.seq) });
function parseAfter(after) {
    if (after == null)
        return 0;
    const n = Number(after);
    if (!Number.isInteger(n) || n < 0)
        throw (0, errors_js_1.badInput)('after must be a TestMessage id', 'after');
    return n;
}
let TestClientSessionType = class TestClientSessionType {
};
exports.TestClientSessionType = TestClientSessionType;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    __metadata("design:type", String)
], TestClientSessionType.prototype, "id", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => test_client_session_js_1.TestClientState),
    __metadata("design:type", String)
], TestClientSessionType.prototype, "state", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => test_client_session_js_1.TestClientTransport),
    __metadata("design:type", String)
], TestClientSessionType.prototype, "transport", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'Why the session is in ERROR or DISCONNECTED.' }),
    __metadata("design:type", Object)
], TestClientSessionType.prototype, "error", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", Date)
], TestClientSessionType.prototype, "startedAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    __metadata("design:type", Object)
], TestClientSessionType.prototype, "connectedAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    __metadata("design:type", Object)
], TestClientSessionType.prototype, "endedAt", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'The device was online and was disconnected when this session took over its client id.' }),
    __metadata("design:type", Boolean)
], TestClientSessionType.prototype, "tookOverOnlineDevice", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", Boolean)
], TestClientSessionType.prototype, "cleanSession", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int),
    __metadata("design:type", Number)
], TestClientSessionType.prototype, "keepalive", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int),
    __metadata("design:type", Number)
], TestClientSessionType.prototype, "mqttVersion", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { description: 'Messages dropped from the bounded buffer (oldest first).' }),
    __metadata("design:type", Number)
], TestClientSessionType.prototype, "droppedCount", void 0);
exports.TestClientSessionType = TestClientSessionType = __decorate([
    (0, type_graphql_1.ObjectType)('TestClientSession', { description: "A server-side MQTT client connected as one of your devices (the seed's Test Center → MQTT Client)." })
], TestClientSessionType);
let TestClientResolver = class TestClientResolver {
    constructor(service) {
        this.service = service;
    }
    async testClientSessions(ctx, organizationId) {
        return this.service.list((await ctx.access.organization(organizationId, index_js_1.Permission.READ)).organizationId);
    }
    async testClientSession(ctx, id) {
        return (await this.service.authorize(ctx.access, id, index_js_1.Permission.READ)).session;
    }
    startTestClient(ctx, deviceId, options) {
        return this.service.start(ctx.access, deviceId, options ?? {});
    }
    async testClientPublish(ctx, sessionId, topic, payload, qos, retain, properties) {
        return toMessage(await this.service.publish(ctx.access, sessionId, topic, payload, qos, retain, properties));
    }
    testClientSubscribe(ctx, sessionId, topicFilter, qos) {
        return this.service.subscribe(ctx.access, sessionId, topicFilter, qos);
    }
    testClientUnsubscribe(ctx, sessionId, topicFilter) {
        return this.service.unsubscribe(ctx.access, sessionId, topicFilter);
    }
    stopTestClient(ctx, sessionId, abrupt) {
        return this.service.stop(ctx.access, sessionId, abrupt);
    }
    testClientMessages(message, _sessionId, _after) {
        return toMessage(message);
    }
    testClientStateChanged(session, _sessionId) {
        return session;
    }
    device(session, ctx) {
        return ctx.loaders.device.load(session.device.id).then((d) => d ?? session.device);
    }
    subscriptions(session) {
        return [...session.subscriptions].map(([topicFilter, qos]) => ({ topicFilter, qos }));
    }
    reported(session) {
        return session.list(test_client_session_js_1.MessageDirection.REPORTED).map(toMessage);
    }
    received(session) {
        return session.list(test_client_session_js_1.MessageDirection.RECEIVED).map(toMessage);
    }
};
exports.TestClientResolver = TestClientResolver;
__decorate([
    (0, type_graphql_1.Query)(() => [TestClientSessionType], { description: "An organization's test client sessions (on this instance)." }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: device_resolver_js_1.ORGANIZATION_ID })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, Object]),
    __metadata("design:returntype", Promise)
], TestClientResolver.prototype, "testClientSessions", null);
__decorate([
    (0, type_graphql_1.Query)(() => TestClientSessionType),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], TestClientResolver.prototype, "testClientSession", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => TestClientSessionType, {
        description: "Connects to the message server as the device, with the device's own credentials; resolves once connected or refused.",
    }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('options', () => TestClientOptions, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, Object]),
    __metadata("design:returntype", Promise)
], TestClientResolver.prototype, "startTestClient", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => TestMessageType, { description: 'Publishes JSON as the device; errors are BAD_USER_INPUT and nothing is sent.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('sessionId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('topic')),
    __param(3, (0, type_graphql_1.Arg)('payload', { description: 'JSON text.' })),
    __param(4, (0, type_graphql_1.Arg)('qos', () => type_graphql_1.Int, { defaultValue: 0 })),
    __param(5, (0, type_graphql_1.Arg)('retain', { defaultValue: false })),
    __param(6, (0, type_graphql_1.Arg)('properties', () => message_properties_js_1.MessageProperties, { nullable: true, description: 'MQTT 5 properties (MQTT 5 sessions only).' })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String, String, Number, Boolean, Object]),
    __metadata("design:returntype", Promise)
], TestClientResolver.prototype, "testClientPublish", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => TestClientSessionType),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('sessionId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('topicFilter')),
    __param(3, (0, type_graphql_1.Arg)('qos', () => type_graphql_1.Int, { defaultValue: 0 })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String, Number]),
    __metadata("design:returntype", Promise)
], TestClientResolver.prototype, "testClientSubscribe", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => TestClientSessionType),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('sessionId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('topicFilter')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String]),
    __metadata("design:returntype", Promise)
], TestClientResolver.prototype, "testClientUnsubscribe", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => TestClientSessionType, { description: 'Disconnects and forgets the session; returns its final state.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('sessionId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('abrupt', {
        defaultValue: false,
        description: 'Close the connection without DISCONNECT, as a device losing power would: the broker publishes the will message.',
    })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, Boolean]),
    __metadata("design:returntype", Promise)
], TestClientResolver.prototype, "stopTestClient", null);
__decorate([
    (0, type_graphql_1.Subscription)(() => TestMessageType, {
        description: 'Reported and received messages of a session: first those buffered after `after`, then live ones.',
        subscribe: ({ args, context }) => {
            const ctx = context;
            const svc = ctx.services.testClients;
            return svc.messages(ctx.access, String(args.sessionId), parseAfter(args.after));
        },
    }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Arg)('sessionId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, Object]),
    __metadata("design:returntype", TestMessageType)
], TestClientResolver.prototype, "testClientMessages", null);
__decorate([
    (0, type_graphql_1.Subscription)(() => TestClientSessionType, {
        description: 'The session now, then whenever its state or subscriptions change; completes when it has ended.',
        subscribe: ({ args, context }) => {
            const ctx = context;
            return ctx.services.testClients.stateChanges(ctx.access, String(args.sessionId));
        },
    }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Arg)('sessionId', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [test_client_session_js_1.TestClientSession, String]),
    __metadata("design:returntype", test_client_session_js_1.TestClientSession)
], TestClientResolver.prototype, "testClientStateChanged", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => device_entity_js_1.DeviceEntity),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [test_client_session_js_1.TestClientSession, Object]),
    __metadata("design:returntype", Promise)
], TestClientResolver.prototype, "device", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => [TestSubscriptionType]),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [test_client_session_js_1.TestClientSession]),
    __metadata("design:returntype", Array)
], TestClientResolver.prototype, "subscriptions", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => [TestMessageType], { description: 'Messages the device reported (published) since the session connected.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [test_client_session_js_1.TestClientSession]),
    __metadata("design:returntype", Array)
], TestClientResolver.prototype, "reported", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => [TestMessageType], { description: 'Messages the device received on its subscriptions since the session connected.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [test_client_session_js_1.TestClientSession]),
    __metadata("design:returntype", Array)
], TestClientResolver.prototype, "received", null);
exports.TestClientResolver = TestClientResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => TestClientSessionType),
    __metadata("design:paramtypes", [Function])
], TestClientResolver);
//# sourceMappingURL=test-client.resolver.js.map