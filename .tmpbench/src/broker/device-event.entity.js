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
exports.DeviceEventEntity = exports.EventDirection = exports.PayloadEncoding = void 0;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
const stored_message_js_1 = require("./stored-message.js");
var stored_message_js_2 = require("./stored-message.js");
Object.defineProperty(exports, "PayloadEncoding", { enumerable: true, get: function () { return stored_message_js_2.PayloadEncoding; } });
var EventDirection;
(function (EventDirection) {
    EventDirection["UPSTREAM"] = "UPSTREAM";
    EventDirection["DOWNSTREAM"] = "DOWNSTREAM";
})(EventDirection || (exports.EventDirection = EventDirection = {}));
(0, type_graphql_1.registerEnumType)(EventDirection, {
    name: 'EventDirection',
    description: 'UPSTREAM: a device published it. DOWNSTREAM: the platform published it to devices (publishToDevice).',
});
/** One upstream PUBLISH from a device. */
let DeviceEventEntity = class DeviceEventEntity extends stored_message_js_1.StoredMessage {
};
exports.DeviceEventEntity = DeviceEventEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], DeviceEventEntity.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], DeviceEventEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.Column)({ name: 'device_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], DeviceEventEntity.prototype, "deviceId", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'The MQTT topic the device published to.' }),
    (0, typeorm_1.Column)({ type: 'text' }),
    __metadata("design:type", String)
], DeviceEventEntity.prototype, "topic", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'topic_prefix', type: 'varchar', length: 255, nullable: true }),
    __metadata("design:type", Object)
], DeviceEventEntity.prototype, "topicPrefix", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { description: 'Payload size in bytes.' }),
    (0, typeorm_1.Column)({ type: 'integer' }),
    __metadata("design:type", Number)
], DeviceEventEntity.prototype, "size", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], DeviceEventEntity.prototype, "time", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => EventDirection),
    (0, typeorm_1.Column)({ type: 'varchar', length: 12, default: EventDirection.UPSTREAM }),
    __metadata("design:type", String)
], DeviceEventEntity.prototype, "direction", void 0);
exports.DeviceEventEntity = DeviceEventEntity = __decorate([
    (0, type_graphql_1.ObjectType)('DeviceEvent'),
    (0, typeorm_1.Entity)({ name: 'device_events' }),
    (0, typeorm_1.Index)('ix_device_events_device_time', ['deviceId', 'time', 'id']),
    (0, typeorm_1.Index)('ix_device_events_owner_time', ['organizationId', 'time', 'id']),
    (0, typeorm_1.Index)('ix_device_events_time', ['time', 'id']),
    (0, typeorm_1.Index)('ix_device_events_owner_topic', ['organizationId', 'topicPrefix', 'time', 'id'])
], DeviceEventEntity);
//# sourceMappingURL=device-event.entity.js.map