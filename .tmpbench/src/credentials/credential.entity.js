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
exports.DeviceCredentialEntity = void 0;
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
/** A device's key (its MQTT password): encrypted at rest, plus a keyed hash for verification. */
let DeviceCredentialEntity = class DeviceCredentialEntity {
};
exports.DeviceCredentialEntity = DeviceCredentialEntity;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ name: 'device_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], DeviceCredentialEntity.prototype, "deviceId", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'key_ciphertext', type: 'varchar', length: 255 }),
    __metadata("design:type", String)
], DeviceCredentialEntity.prototype, "keyCiphertext", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'key_hash', type: 'varchar', length: 64 }),
    __metadata("design:type", String)
], DeviceCredentialEntity.prototype, "keyHash", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'rotated_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], DeviceCredentialEntity.prototype, "rotatedAt", void 0);
exports.DeviceCredentialEntity = DeviceCredentialEntity = __decorate([
    (0, typeorm_1.Entity)({ name: 'device_credentials' })
], DeviceCredentialEntity);
//# sourceMappingURL=credential.entity.js.map