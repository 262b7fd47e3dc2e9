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
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConnectionLogEntity = exports.MqttListener = exports.ConnectionEventType = void 0;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
var ConnectionEventType;
(function (ConnectionEventType) {
    ConnectionEventType["CONNECTED"] = "CONNECTED";
    ConnectionEventType["DISCONNECTED"] = "DISCONNECTED";
    ConnectionEventType["AUTH_FAILED"] = "AUTH_FAILED";
    ConnectionEventType["TAKEN_OVER"] = "TAKEN_OVER";
})(ConnectionEventType || (exports.ConnectionEventType = ConnectionEventType = {}));
var MqttListener;
(function (MqttListener) {
    MqttListener["MQTT"] = "MQTT";
    MqttListener["MQTTS"] = "MQTTS";
    MqttListener["MQTTS_MUTUAL"] = "MQTTS_MUTUAL";
    /** MQTT over WebSocket on the HTTP server (Token authentication). */
    MqttListener["WS"] = "WS";
    /** MQTT over a TLS WebSocket listener (Token authentication). */
    MqttListener["WSS"] = "WSS";
})(MqttListener || (exports.MqttListener = MqttListener = {}));
(0, type_graphql_1.registerEnumType)(ConnectionEventType, {
    name: 'ConnectionEventType',
    description: 'CONNECTED: a session began. DISCONNECTED: it ended (see reason). AUTH_FAILED: a connect was refused. TAKEN_OVER: it ended because a newer connection with the same client id took over.',
});
(0, type_graphql_1.registerEnumType)(MqttListener, {
    name: 'MqttListener',
    description: 'MQTT: plain TCP with Token auth. MQTTS: one-way TLS with Token auth. MQTTS_MUTUAL: two-way TLS with certificate auth.',
});
/** One connection event of the message server. */
let ConnectionLogEntity = class ConnectionLogEntity {
};
exports.ConnectionLogEntity = ConnectionLogEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], ConnectionLogEntity.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'organization_id', type: 'varchar', length: 36, nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID, { nullable: true, description: 'The device; null when the client id matched no device.' }),
    (0, typeorm_1.Column)({ name: 'device_id', type: 'varchar', length: 36, nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "deviceId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => ConnectionEventType),
    (0, typeorm_1.Column)({ name: 'event_type', type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], ConnectionLogEntity.prototype, "eventType", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'Why: e.g. "client disconnect", "keepalive timeout", "bad username or password".' }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 255, nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "reason", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'MQTT client id sent by the client.' }),
    (0, typeorm_1.Column)({ name: 'client_id', type: 'varchar', length: 128, nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "clientId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'MQTT username sent by the client.' }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 128, nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "username", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'remote_address', type: 'varchar', length: 64, nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "remoteAddress", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'remote_port', type: 'integer', nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "remotePort", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => MqttListener),
    (0, typeorm_1.Column)({ type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], ConnectionLogEntity.prototype, "listener", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { nullable: true, description: 'MQTT protocol level: 3 (3.1), 4 (3.1.1) or 5.' }),
    (0, typeorm_1.Column)({ name: 'protocol_version', type: 'integer', nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "protocolVersion", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { nullable: true, description: 'Keepalive requested by the client, in seconds.' }),
    (0, typeorm_1.Column)({ type: 'integer', nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "keepalive", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Boolean, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'clean_session', type: 'boolean', nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "cleanSession", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'SHA-256 fingerprint of the client certificate (two-way TLS).' }),
    (0, typeorm_1.Column)({ name: 'certificate_fingerprint', type: 'varchar', length: 128, nullable: true }),
    __metadata("design:type", Object)
], ConnectionLogEntity.prototype, "certificateFingerprint", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, {
        description: 'How many events this row stands for: 1, except for AUTH_FAILED, where repeated refusals of one client id for one reason within a minute are folded into one more row (written when the minute ends) with their count.',
    }),
    (0, typeorm_1.Column)({ type: 'integer', default: 1 }),
    __metadata("design:type", Number)
], ConnectionLogEntity.prototype, "count", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'When it happened; for a folded AUTH_FAILED row, when the folding ended.' }),
    (0, typeorm_1.Column)({ ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], ConnectionLogEntity.prototype, "time", void 0);
exports.ConnectionLogEntity = ConnectionLogEntity = __decorate([
    (0, type_graphql_1.ObjectType)('ConnectionLogEntry'),
    (0, typeorm_1.Entity)({ name: 'connection_logs' }),
    (0, typeorm_1.Index)('ix_connection_logs_device_time', ['deviceId', 'time', 'id']),
    (0, typeorm_1.Index)('ix_connection_logs_owner_time', ['organizationId', 'time', 'id']),
    (0, typeorm_1.Index)('ix_connection_logs_time', ['time', 'id'])
], ConnectionLogEntity);
//# sourceMappingURL=connection-log.entity.js.map