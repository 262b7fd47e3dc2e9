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
exports.DeviceEntity = exports.DeviceStatus = exports.DeviceAuthType = void 0;
const graphql_scalars_1 = require("graphql-scalars");
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
var DeviceAuthType;
(function (DeviceAuthType) {
    DeviceAuthType["TOKEN"] = "TOKEN";
    DeviceAuthType["CERTIFICATE"] = "CERTIFICATE";
})(DeviceAuthType || (exports.DeviceAuthType = DeviceAuthType = {}));
var DeviceStatus;
(function (DeviceStatus) {
    DeviceStatus["ONLINE"] = "ONLINE";
    DeviceStatus["OFFLINE"] = "OFFLINE";
})(DeviceStatus || (exports.DeviceStatus = DeviceStatus = {}));
(0, type_graphql_1.registerEnumType)(DeviceAuthType, { name: 'DeviceAuthType', description: 'TOKEN: device number + username + device key. CERTIFICATE: two-way TLS with a bound certificate.' });
(0, type_graphql_1.registerEnumType)(DeviceStatus, { name: 'DeviceStatus' });
let DeviceEntity = class DeviceEntity {
};
exports.DeviceEntity = DeviceEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], DeviceEntity.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], DeviceEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ type: 'varchar', length: 100 }),
    __metadata("design:type", String)
], DeviceEntity.prototype, "name", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 1000, nullable: true }),
    __metadata("design:type", Object)
], DeviceEntity.prototype, "description", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'The MQTT client id; unique across the platform.' }),
    (0, typeorm_1.Index)('uq_devices_device_number', { unique: true }),
    (0, typeorm_1.Column)({ name: 'device_number', type: 'varchar', length: 64 }),
    __metadata("design:type", String)
], DeviceEntity.prototype, "deviceNumber", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'The MQTT connection username.' }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 64 }),
    __metadata("design:type", String)
], DeviceEntity.prototype, "username", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => DeviceAuthType),
    (0, typeorm_1.Column)({ name: 'auth_type', type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], DeviceEntity.prototype, "authType", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => DeviceStatus),
    (0, typeorm_1.Column)({ type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], DeviceEntity.prototype, "status", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'A blocked device is refused by the message server.' }),
    (0, typeorm_1.Column)({ type: 'boolean', default: false }),
    __metadata("design:type", Boolean)
], DeviceEntity.prototype, "blocked", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'last_connected_at', ...(0, columns_js_1.timestampColumn)(true) }),
    __metadata("design:type", Object)
], DeviceEntity.prototype, "lastConnectedAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'last_disconnected_at', ...(0, columns_js_1.timestampColumn)(true) }),
    __metadata("design:type", Object)
], DeviceEntity.prototype, "lastDisconnectedAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'connected_instance', type: 'varchar', length: 64, nullable: true }),
    __metadata("design:type", Object)
], DeviceEntity.prototype, "connectedInstance", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => graphql_scalars_1.GraphQLJSONObject, { nullable: true, description: 'Free-form JSON object.' }),
    (0, typeorm_1.Column)({ type: 'text', transformer: columns_js_1.jsonText, nullable: true }),
    __metadata("design:type", Object)
], DeviceEntity.prototype, "metadata", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'created_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], DeviceEntity.prototype, "createdAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'updated_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], DeviceEntity.prototype, "updatedAt", void 0);
exports.DeviceEntity = DeviceEntity = __decorate([
    (0, type_graphql_1.ObjectType)('Device'),
    (0, typeorm_1.Entity)({ name: 'devices' }),
    (0, typeorm_1.Index)('ix_devices_owner_created', ['organizationId', 'createdAt'])
], DeviceEntity);
//# sourceMappingURL=device.entity.js.map