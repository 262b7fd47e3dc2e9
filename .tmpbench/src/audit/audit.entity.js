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
exports.AuditEntryEntity = exports.AuditActorType = exports.AuditAction = void 0;
const graphql_scalars_1 = require("graphql-scalars");
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
/** What changed. */
var AuditAction;
(function (AuditAction) {
    AuditAction["ORGANIZATION_CREATED"] = "ORGANIZATION_CREATED";
    AuditAction["ORGANIZATION_RENAMED"] = "ORGANIZATION_RENAMED";
    AuditAction["DEVICE_CREATED"] = "DEVICE_CREATED";
    AuditAction["DEVICE_UPDATED"] = "DEVICE_UPDATED";
    AuditAction["DEVICE_BLOCKED"] = "DEVICE_BLOCKED";
    AuditAction["DEVICE_UNBLOCKED"] = "DEVICE_UNBLOCKED";
    AuditAction["DEVICE_DELETED"] = "DEVICE_DELETED";
    AuditAction["DEVICE_KEY_REGENERATED"] = "DEVICE_KEY_REGENERATED";
    AuditAction["DEVICE_KICKED"] = "DEVICE_KICKED";
    AuditAction["CERTIFICATE_ISSUED"] = "CERTIFICATE_ISSUED";
    AuditAction["CERTIFICATE_BOUND"] = "CERTIFICATE_BOUND";
    AuditAction["CERTIFICATE_UNBOUND"] = "CERTIFICATE_UNBOUND";
    AuditAction["CERTIFICATE_REVOKED"] = "CERTIFICATE_REVOKED";
    AuditAction["CERTIFICATE_DELETED"] = "CERTIFICATE_DELETED";
    AuditAction["CERTIFICATE_BUNDLE_DOWNLOADED"] = "CERTIFICATE_BUNDLE_DOWNLOADED";
    AuditAction["MEMBER_INVITED"] = "MEMBER_INVITED";
    AuditAction["MEMBER_JOINED"] = "MEMBER_JOINED";
    AuditAction["MEMBER_ROLE_CHANGED"] = "MEMBER_ROLE_CHANGED";
    AuditAction["MEMBER_REMOVED"] = "MEMBER_REMOVED";
    AuditAction["API_KEY_CREATED"] = "API_KEY_CREATED";
    AuditAction["API_KEY_REVOKED"] = "API_KEY_REVOKED";
    AuditAction["COMMAND_SENT"] = "COMMAND_SENT";
    AuditAction["TEST_CLIENT_STARTED"] = "TEST_CLIENT_STARTED";
})(AuditAction || (exports.AuditAction = AuditAction = {}));
var AuditActorType;
(function (AuditActorType) {
    AuditActorType["USER"] = "USER";
    AuditActorType["API_KEY"] = "API_KEY";
})(AuditActorType || (exports.AuditActorType = AuditActorType = {}));
(0, type_graphql_1.registerEnumType)(AuditAction, { name: 'AuditAction' });
(0, type_graphql_1.registerEnumType)(AuditActorType, { name: 'AuditActorType' });
/** One change in an organization: who (user or API key), when, from where, what. Never holds secrets. */
let AuditEntryEntity = class AuditEntryEntity {
};
exports.AuditEntryEntity = AuditEntryEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], AuditEntryEntity.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], AuditEntryEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)({ name: 'at' }),
    (0, typeorm_1.Column)({ ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], AuditEntryEntity.prototype, "time", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => AuditAction),
    (0, typeorm_1.Column)({ type: 'varchar', length: 40 }),
    __metadata("design:type", String)
], AuditEntryEntity.prototype, "action", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => AuditActorType),
    (0, typeorm_1.Column)({ name: 'actor_type', type: 'varchar', length: 8 }),
    __metadata("design:type", String)
], AuditEntryEntity.prototype, "actorType", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID, { description: 'The user who acted; for an API key, the user who created the key.' }),
    (0, typeorm_1.Column)({ name: 'actor_user_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], AuditEntryEntity.prototype, "actorUserId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'actor_api_key_id', type: 'varchar', length: 36, nullable: true }),
    __metadata("design:type", Object)
], AuditEntryEntity.prototype, "actorApiKeyId", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: "The user's e-mail, or the API key's name and prefix, at the time." }),
    (0, typeorm_1.Column)({ name: 'actor_label', type: 'varchar', length: 300 }),
    __metadata("design:type", String)
], AuditEntryEntity.prototype, "actorLabel", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'Where the request came from.' }),
    (0, typeorm_1.Column)({ name: 'remote_address', type: 'varchar', length: 64, nullable: true }),
    __metadata("design:type", Object)
], AuditEntryEntity.prototype, "remoteAddress", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'DEVICE, CERTIFICATE, MEMBER, INVITATION, API_KEY, TOPIC, ORGANIZATION, TEST_CLIENT_SESSION.' }),
    (0, typeorm_1.Column)({ name: 'target_type', type: 'varchar', length: 24 }),
    __metadata("design:type", String)
], AuditEntryEntity.prototype, "targetType", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'target_id', type: 'varchar', length: 64, nullable: true }),
    __metadata("design:type", Object)
], AuditEntryEntity.prototype, "targetId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'A name for the target at the time (device name, e-mail, topic…).' }),
    (0, typeorm_1.Column)({ name: 'target_label', type: 'varchar', length: 300, nullable: true }),
    __metadata("design:type", Object)
], AuditEntryEntity.prototype, "targetLabel", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => graphql_scalars_1.GraphQLJSONObject, { nullable: true, description: 'What changed: `{ field: { from, to } }` or details; never secrets.' }),
    (0, typeorm_1.Column)({ type: 'text', nullable: true, transformer: columns_js_1.jsonText }),
    __metadata("design:type", Object)
], AuditEntryEntity.prototype, "changes", void 0);
exports.AuditEntryEntity = AuditEntryEntity = __decorate([
    (0, type_graphql_1.ObjectType)('AuditEntry'),
    (0, typeorm_1.Entity)({ name: 'audit_logs' }),
    (0, typeorm_1.Index)('ix_audit_logs_org_time', ['organizationId', 'time', 'id'])
], AuditEntryEntity);
//# sourceMappingURL=audit.entity.js.map