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
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.AuditResolver = exports.AuditEntryConnection = exports.AuditFilter = void 0;
const type_graphql_1 = require("type-graphql");
const index_js_1 = require("../access/index.js");
const relay_js_1 = require("../graphql/relay.js");
const audit_entity_js_1 = require("./audit.entity.js");
let AuditFilter = class AuditFilter {
};
exports.AuditFilter = AuditFilter;
__decorate([
    (0, type_graphql_1.Field)(() => [audit_entity_js_1.AuditAction], { nullable: true }),
    __metadata("design:type", Object)
], AuditFilter.prototype, "actions", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID, { nullable: true, description: 'Only what this user did (directly or through their API keys).' }),
    __metadata("design:type", Object)
], AuditFilter.prototype, "actorUserId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'Only changes to this object (device id, certificate id, user id, …).' }),
    __metadata("design:type", Object)
], AuditFilter.prototype, "targetId", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    __metadata("design:type", Object)
], AuditFilter.prototype, "since", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    __metadata("design:type", Object)
], AuditFilter.prototype, "until", void 0);
exports.AuditFilter = AuditFilter = __decorate([
    (0, type_graphql_1.InputType)({ description: 'Audit trail filter. Time range: since ≤ at < until.' })
], AuditFilter);
exports.AuditEntryConnection = (0, relay_js_1.ConnectionType)('AuditEntry', audit_entity_js_1.AuditEntryEntity);
let AuditResolver = class AuditResolver {
    constructor(audit) {
        this.audit = audit;
    }
    async auditLog(ctx, organizationId, filter, first, after) {
        const scope = await ctx.access.organization(organizationId, index_js_1.Permission.AUDIT);
        return (0, relay_js_1.toConnection)(await this.audit.list(scope.organizationId, { ...filter, first, after }));
    }
};
exports.AuditResolver = AuditResolver;
__decorate([
    (0, type_graphql_1.Query)(() => exports.AuditEntryConnection, { description: "The organization's audit trail, newest first (OWNER and ADMIN)." }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('filter', () => AuditFilter, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('first', () => type_graphql_1.Int, { nullable: true, defaultValue: 20 })),
    __param(4, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], AuditResolver.prototype, "auditLog", null);
exports.AuditResolver = AuditResolver = __decorate([
    (0, type_graphql_1.Resolver)(),
    __metadata("design:paramtypes", [Function])
], AuditResolver);
//# sourceMappingURL=audit.resolver.js.map