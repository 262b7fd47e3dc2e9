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
exports.InvitationEntity = void 0;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const index_js_1 = require("../access/index.js");
const columns_js_1 = require("../db/columns.js");
/** An invitation to join an organization; its token is shown once to the inviter, only its hash is stored. */
let InvitationEntity = class InvitationEntity {
};
exports.InvitationEntity = InvitationEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], InvitationEntity.prototype, "id", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.Index)('ix_invitations_organization'),
    (0, typeorm_1.Column)({ name: 'organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], InvitationEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'Only the user with this e-mail can accept it.' }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 254 }),
    __metadata("design:type", String)
], InvitationEntity.prototype, "email", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => index_js_1.OrganizationRole),
    (0, typeorm_1.Column)({ type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], InvitationEntity.prototype, "role", void 0);
__decorate([
    (0, typeorm_1.Index)('uq_invitations_token_hash', { unique: true }),
    (0, typeorm_1.Column)({ name: 'token_hash', type: 'varchar', length: 64 }),
    __metadata("design:type", String)
], InvitationEntity.prototype, "tokenHash", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.Column)({ name: 'invited_by_user_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], InvitationEntity.prototype, "invitedByUserId", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'created_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], InvitationEntity.prototype, "createdAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'expires_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], InvitationEntity.prototype, "expiresAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'accepted_at', ...(0, columns_js_1.timestampColumn)(true) }),
    __metadata("design:type", Object)
], InvitationEntity.prototype, "acceptedAt", void 0);
exports.InvitationEntity = InvitationEntity = __decorate([
    (0, type_graphql_1.ObjectType)('Invitation'),
    (0, typeorm_1.Entity)({ name: 'invitations' })
], InvitationEntity);
//# sourceMappingURL=invitation.entity.js.map