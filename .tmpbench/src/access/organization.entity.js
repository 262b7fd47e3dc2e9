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
exports.OrganizationEntity = void 0;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
/**
 * An organization: it owns devices, certificates, API keys, test client sessions, logs, events and retained
 * messages; its devices share one MQTT namespace. Users take part as members with a role.
 */
let OrganizationEntity = class OrganizationEntity {
};
exports.OrganizationEntity = OrganizationEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], OrganizationEntity.prototype, "id", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ type: 'varchar', length: 100 }),
    __metadata("design:type", String)
], OrganizationEntity.prototype, "name", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'Created at sign-up for its user; it cannot be deleted.' }),
    (0, typeorm_1.Column)({ type: 'boolean' }),
    __metadata("design:type", Boolean)
], OrganizationEntity.prototype, "personal", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'created_by_user_id', type: 'varchar', length: 36, nullable: true }),
    __metadata("design:type", Object)
], OrganizationEntity.prototype, "createdByUserId", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'created_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], OrganizationEntity.prototype, "createdAt", void 0);
exports.OrganizationEntity = OrganizationEntity = __decorate([
    (0, type_graphql_1.ObjectType)('Organization'),
    (0, typeorm_1.Entity)({ name: 'organizations' })
], OrganizationEntity);
//# sourceMappingURL=organization.entity.js.map