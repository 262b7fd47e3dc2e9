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
exports.PlatformCaEntity = void 0;
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
/**
 * The platform CA, stored once in the database so that every instance sharing the database signs with
 * the same CA. The private key is encrypted with the server secret.
 */
let PlatformCaEntity = class PlatformCaEntity {
};
exports.PlatformCaEntity = PlatformCaEntity;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], PlatformCaEntity.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'certificate_pem', type: 'text' }),
    __metadata("design:type", String)
], PlatformCaEntity.prototype, "certificatePem", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'key_ciphertext', type: 'text' }),
    __metadata("design:type", String)
], PlatformCaEntity.prototype, "keyCiphertext", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'created_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], PlatformCaEntity.prototype, "createdAt", void 0);
exports.PlatformCaEntity = PlatformCaEntity = __decorate([
    (0, typeorm_1.Entity)({ name: 'pki_authorities' })
], PlatformCaEntity);
//# sourceMappingURL=platform-ca.entity.js.map