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
exports.ApiKeyEntity = exports.UserEntity = void 0;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const index_js_1 = require("../access/index.js");
const columns_js_1 = require("../db/columns.js");
let UserEntity = class UserEntity {
};
exports.UserEntity = UserEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], UserEntity.prototype, "id", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Index)('uq_users_email', { unique: true }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 254 }),
    __metadata("design:type", String)
], UserEntity.prototype, "email", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'password_hash', type: 'varchar', length: 255 }),
    __metadata("design:type", String)
], UserEntity.prototype, "passwordHash", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID, { description: 'The organization created at sign-up; operations that name no organization act in it.' }),
    (0, typeorm_1.Column)({ name: 'personal_organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], UserEntity.prototype, "personalOrganizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'created_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], UserEntity.prototype, "createdAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'updated_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], UserEntity.prototype, "updatedAt", void 0);
exports.UserEntity = UserEntity = __decorate([
    (0, type_graphql_1.ObjectType)('User'),
    (0, typeorm_1.Entity)({ name: 'users' })
], UserEntity);
let ApiKeyEntity = class ApiKeyEntity {
};
exports.ApiKeyEntity = ApiKeyEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], ApiKeyEntity.prototype, "id", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID, { name: 'createdByUserId', description: 'The user who created it; the key never has more rights than they have now.' }),
    (0, typeorm_1.Index)('ix_api_keys_user'),
    (0, typeorm_1.Column)({ name: 'user_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], ApiKeyEntity.prototype, "userId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.Index)('ix_api_keys_organization'),
    (0, typeorm_1.Column)({ name: 'organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], ApiKeyEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => index_js_1.OrganizationRole),
    (0, typeorm_1.Column)({ type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], ApiKeyEntity.prototype, "role", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true, description: 'After this the key is refused (UNAUTHENTICATED); null: no expiry.' }),
    (0, typeorm_1.Column)({ name: 'expires_at', ...(0, columns_js_1.timestampColumn)(true) }),
    __metadata("design:type", Object)
], ApiKeyEntity.prototype, "expiresAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ type: 'varchar', length: 100 }),
    __metadata("design:type", String)
], ApiKeyEntity.prototype, "name", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'The first characters of the key, to tell keys apart.' }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], ApiKeyEntity.prototype, "prefix", void 0);
__decorate([
    (0, typeorm_1.Index)('uq_api_keys_hash', { unique: true }),
    (0, typeorm_1.Column)({ name: 'key_hash', type: 'varchar', length: 64 }),
    __metadata("design:type", String)
], ApiKeyEntity.prototype, "keyHash", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'created_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], ApiKeyEntity.prototype, "createdAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'last_used_at', ...(0, columns_js_1.timestampColumn)(true) }),
    __metadata("design:type", Object)
], ApiKeyEntity.prototype, "lastUsedAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'revoked_at', ...(0, columns_js_1.timestampColumn)(true) }),
    __metadata("design:type", Object)
], ApiKeyEntity.prototype, "revokedAt", void 0);
exports.ApiKeyEntity = ApiKeyEntity = __decorate([
    (0, type_graphql_1.ObjectType)('ApiKey', {
        description: 'A long-lived key for scripts and dashboards, acting in one organization with a role no higher than its creator\'s; its secret is shown only once, at creation.',
    }),
    (0, typeorm_1.Entity)({ name: 'api_keys' })
], ApiKeyEntity);
//# sourceMappingURL=user.entity.js.map