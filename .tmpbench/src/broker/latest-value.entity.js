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
exports.LatestValueEntity = void 0;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
const stored_message_js_1 = require("./stored-message.js");
/** The last message a device published on one topic (its latest state there), kept up to date with every event. */
let LatestValueEntity = class LatestValueEntity extends stored_message_js_1.StoredMessage {
};
exports.LatestValueEntity = LatestValueEntity;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ name: 'device_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], LatestValueEntity.prototype, "deviceId", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'The MQTT topic the device published to.' }),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 1024 }),
    __metadata("design:type", String)
], LatestValueEntity.prototype, "topic", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], LatestValueEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'When the message was recorded.' }),
    (0, typeorm_1.Column)({ name: 'received_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], LatestValueEntity.prototype, "receivedAt", void 0);
exports.LatestValueEntity = LatestValueEntity = __decorate([
    (0, type_graphql_1.ObjectType)('LatestValue', { description: 'The last message a device published on a topic.' }),
    (0, typeorm_1.Entity)({ name: 'device_latest' }),
    (0, typeorm_1.Index)('ix_device_latest_owner', ['organizationId'])
], LatestValueEntity);
//# sourceMappingURL=latest-value.entity.js.map