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
exports.UserResolver = exports.CreatedApiKey = exports.AuthPayload = void 0;
const type_graphql_1 = require("type-graphql");
const index_js_1 = require("../access/index.js");
const context_js_1 = require("../graphql/context.js");
const user_entity_js_1 = require("./user.entity.js");
let AuthPayload = class AuthPayload {
};
exports.AuthPayload = AuthPayload;
__decorate([
    (0, type_graphql_1.Field)({ description: 'Send as `Authorization: Bearer <token>`.' }),
    __metadata("design:type", String)
], AuthPayload.prototype, "token", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", Date)
], AuthPayload.prototype, "expiresAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => user_entity_js_1.UserEntity),
    __metadata("design:type", user_entity_js_1.UserEntity)
], AuthPayload.prototype, "user", void 0);
exports.AuthPayload = AuthPayload = __decorate([
    (0, type_graphql_1.ObjectType)()
], AuthPayload);
let CreatedApiKey = class CreatedApiKey {
};
exports.CreatedApiKey = CreatedApiKey;
__decorate([
    (0, type_graphql_1.Field)({ description: 'The secret; shown only now. Send as `Authorization: Bearer <key>`.' }),
    __metadata("design:type", String)
], CreatedApiKey.prototype, "key", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => user_entity_js_1.ApiKeyEntity),
    __metadata("design:type", user_entity_js_1.ApiKeyEntity)
], CreatedApiKey.prototype, "apiKey", void 0);
exports.CreatedApiKey = CreatedApiKey = __decorate([
    (0, type_graphql_1.ObjectType)()
], CreatedApiKey);
let UserResolver = class UserResolver {
    constructor(users) {
        this.users = users;
    }
    signUp(email, password) {
        return this.users.signUp(email, password);
    }
    logIn(ctx, email, password) {
        return this.users.logIn(email, password, ctx.remoteAddress ?? '');
    }
    me(ctx) {
        return this.users.getUser((0, context_js_1.userId)(ctx));
    }
    async apiKeys(ctx, organizationId) {
        return this.users.listApiKeys(await ctx.access.organization(organizationId, index_js_1.Permission.OWN_API_KEYS));
    }
    async createApiKey(ctx, name, organizationId, role, expiresAt) {
        return this.users.createApiKey(await ctx.access.organization(organizationId, index_js_1.Permission.OWN_API_KEYS), name, role, expiresAt);
    }
    revokeApiKey(ctx, id) {
        return this.users.revokeApiKey(ctx.access, id);
    }
};
exports.UserResolver = UserResolver;
__decorate([
    (0, type_graphql_1.Mutation)(() => AuthPayload, { description: 'Creates an account and returns a session token.' }),
    __param(0, (0, type_graphql_1.Arg)('email')),
    __param(1, (0, type_graphql_1.Arg)('password')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [String, String]),
    __metadata("design:returntype", Promise)
], UserResolver.prototype, "signUp", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => AuthPayload, { description: 'Returns a session token. Repeated failures are refused for a while with TOO_MANY_REQUESTS (extensions.retryAfterSeconds).' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('email')),
    __param(2, (0, type_graphql_1.Arg)('password')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String]),
    __metadata("design:returntype", Promise)
], UserResolver.prototype, "logIn", null);
__decorate([
    (0, type_graphql_1.Query)(() => user_entity_js_1.UserEntity, { description: 'The calling user.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object]),
    __metadata("design:returntype", Promise)
], UserResolver.prototype, "me", null);
__decorate([
    (0, type_graphql_1.Query)(() => [user_entity_js_1.ApiKeyEntity], { description: "API keys of an organization (default: your personal one), without their secrets: all of them for OWNER and ADMIN, else your own." }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, Object]),
    __metadata("design:returntype", Promise)
], UserResolver.prototype, "apiKeys", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => CreatedApiKey, { description: "A key acting in one organization (default: your personal one) with a role no higher than yours (default: yours), e.g. a VIEWER key for a wall dashboard." }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('name')),
    __param(2, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('role', () => index_js_1.OrganizationRole, { nullable: true })),
    __param(4, (0, type_graphql_1.Arg)('expiresAt', () => Date, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], UserResolver.prototype, "createApiKey", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => user_entity_js_1.ApiKeyEntity, { description: 'Revokes your own key, or (OWNER, ADMIN) any key of the organization.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], UserResolver.prototype, "revokeApiKey", null);
exports.UserResolver = UserResolver = __decorate([
    (0, type_graphql_1.Resolver)(),
    __metadata("design:paramtypes", [Function])
], UserResolver);
//# sourceMappingURL=user.resolver.js.map