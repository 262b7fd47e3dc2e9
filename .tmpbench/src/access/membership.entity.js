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
exports.MembershipEntity = void 0;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
const roles_js_1 = require("./roles.js");
/** A user's membership of an organization, with their role there. */
let MembershipEntity = class MembershipEntity {
};
exports.MembershipEntity = MembershipEntity;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ name: 'organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], MembershipEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID, { description: "The member's user id." }),
    (0, typeorm_1.PrimaryColumn)({ name: 'user_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], MembershipEntity.prototype, "userId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => roles_js_1.OrganizationRole),
    (0, typeorm_1.Column)({ type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], MembershipEntity.prototype, "role", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'When they joined.' }),
    (0, typeorm_1.Column)({ name: 'created_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], MembershipEntity.prototype, "createdAt", void 0);
exports.MembershipEntity = MembershipEntity = __decorate([
    (0, type_graphql_1.ObjectType)('Member'),
    (0, typeorm_1.Entity)({ name: 'memberships' }),
    (0, typeorm_1.Index)('ix_memberships_user', ['userId'])
], MembershipEntity);
//# sourceMappingURL=membership.entity.js.map