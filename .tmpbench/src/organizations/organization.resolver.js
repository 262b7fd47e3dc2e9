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
exports.MemberResolver = exports.OrganizationResolver = exports.CreatedInvitation = void 0;
const type_graphql_1 = require("type-graphql");
const index_js_1 = require("../access/index.js");
const device_resolver_js_1 = require("../devices/device.resolver.js");
const relay_js_1 = require("../graphql/relay.js");
const user_entity_js_1 = require("../users/user.entity.js");
const invitation_entity_js_1 = require("./invitation.entity.js");
let CreatedInvitation = class CreatedInvitation {
};
exports.CreatedInvitation = CreatedInvitation;
__decorate([
    (0, type_graphql_1.Field)({ description: 'The secret to pass on to the invitee (shown only now); they call acceptInvitation(token) signed in with the invited e-mail.' }),
    __metadata("design:type", String)
], CreatedInvitation.prototype, "token", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => invitation_entity_js_1.InvitationEntity),
    __metadata("design:type", invitation_entity_js_1.InvitationEntity)
], CreatedInvitation.prototype, "invitation", void 0);
exports.CreatedInvitation = CreatedInvitation = __decorate([
    (0, type_graphql_1.ObjectType)()
], CreatedInvitation);
let OrganizationResolver = class OrganizationResolver {
    constructor(orgs) {
        this.orgs = orgs;
    }
    organizations(ctx) {
        return this.orgs.listFor(ctx.access.caller());
    }
    async organization(ctx, id) {
        return this.orgs.get(await ctx.access.organization(id, index_js_1.Permission.READ));
    }
    createOrganization(ctx, name) {
        return this.orgs.create(ctx.access, name);
    }
    async renameOrganization(ctx, id, name) {
        return this.orgs.rename(await ctx.access.organization(id, index_js_1.Permission.OWNERSHIP), name);
    }
    async deleteOrganization(ctx, id) {
        return (await this.orgs.delete(await ctx.access.organization(id, index_js_1.Permission.OWNERSHIP))).id;
    }
    async inviteMember(ctx, organizationId, email, role) {
        return this.orgs.invite(await ctx.access.organization(organizationId, index_js_1.Permission.MEMBERS), email, role);
    }
    acceptInvitation(ctx, token) {
        return this.orgs.accept(ctx.access, token);
    }
    async changeMemberRole(ctx, organizationId, userId, role) {
        return this.orgs.changeRole(await ctx.access.organization(organizationId, index_js_1.Permission.MEMBERS), userId, role);
    }
    removeMember(ctx, organizationId, userId) {
        return this.orgs.removeMember(ctx.access, organizationId, userId);
    }
    async myRole(org, ctx) {
        return (await ctx.access.organization(org.id, index_js_1.Permission.READ)).role;
    }
    async members(org, ctx) {
        await ctx.access.organization(org.id, index_js_1.Permission.READ);
        return this.orgs.membersOf(org.id);
    }
    async invitations(org, ctx) {
        await ctx.access.organization(org.id, index_js_1.Permission.MEMBERS);
        return this.orgs.pendingInvitations(org.id);
    }
    async devices(org, ctx, filter, orderBy, first, after) {
        const scope = await ctx.access.organization(org.id, index_js_1.Permission.READ);
        const page = await ctx.services.devices.list(scope.organizationId, { ...filter, sortField: orderBy?.field, direction: orderBy?.direction, first, after });
        return (0, relay_js_1.toConnection)(page);
    }
};
exports.OrganizationResolver = OrganizationResolver;
__decorate([
    (0, type_graphql_1.Query)(() => [index_js_1.OrganizationEntity], { description: 'The organizations you belong to (an API key: its own).' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "organizations", null);
__decorate([
    (0, type_graphql_1.Query)(() => index_js_1.OrganizationEntity, { description: 'An organization you belong to; NOT_FOUND otherwise.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "organization", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => index_js_1.OrganizationEntity, { description: 'Creates an organization with you as its OWNER.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('name')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "createOrganization", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => index_js_1.OrganizationEntity, { description: 'OWNER only.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('name')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "renameOrganization", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => type_graphql_1.ID, { description: 'OWNER only; not a personal organization, and only once its devices and certificates are deleted (CONFLICT otherwise). Its API keys stop working.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "deleteOrganization", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => CreatedInvitation, { description: 'OWNER and ADMIN (only an OWNER invites an OWNER). No e-mail is sent: pass the token on. Valid for 7 days.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('email')),
    __param(3, (0, type_graphql_1.Arg)('role', () => index_js_1.OrganizationRole)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String, String]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "inviteMember", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => index_js_1.MembershipEntity, { description: 'Joins the organization of an invitation made for your e-mail.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('token')),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "acceptInvitation", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => index_js_1.MembershipEntity, { description: 'OWNER and ADMIN; only an OWNER makes or changes owners; at least one OWNER remains (CONFLICT).' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('userId', () => type_graphql_1.ID)),
    __param(3, (0, type_graphql_1.Arg)('role', () => index_js_1.OrganizationRole)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String, String]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "changeMemberRole", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => index_js_1.MembershipEntity, {
        description: "Removes a member (OWNER and ADMIN; owners only by an OWNER), or yourself (leave). Their subscriptions and test client sessions in the organization end at once. At least one OWNER remains.",
    }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('userId', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "removeMember", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => index_js_1.OrganizationRole, { description: 'Your role here (an API key: the lower of its role and its creator\'s).' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [index_js_1.OrganizationEntity, Object]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "myRole", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => [index_js_1.MembershipEntity]),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [index_js_1.OrganizationEntity, Object]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "members", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => [invitation_entity_js_1.InvitationEntity], { description: 'Invitations not accepted yet (OWNER and ADMIN).' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [index_js_1.OrganizationEntity, Object]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "invitations", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => device_resolver_js_1.DeviceConnection, { description: "The organization's devices, as Query.devices." }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __param(2, (0, type_graphql_1.Arg)('filter', () => device_resolver_js_1.DeviceFilter, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('orderBy', () => device_resolver_js_1.DeviceOrder, { nullable: true })),
    __param(4, (0, type_graphql_1.Arg)('first', () => type_graphql_1.Int, { nullable: true, defaultValue: 20 })),
    __param(5, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [index_js_1.OrganizationEntity, Object, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], OrganizationResolver.prototype, "devices", null);
exports.OrganizationResolver = OrganizationResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => index_js_1.OrganizationEntity),
    __metadata("design:paramtypes", [Function])
], OrganizationResolver);
let MemberResolver = class MemberResolver {
    async user(member, ctx) {
        const user = await ctx.loaders.user.load(member.userId);
        if (!user)
            throw new Error(`member ${member.userId} has no user`);
        return user;
    }
    organizationId(member) {
        return member.organizationId;
    }
};
exports.MemberResolver = MemberResolver;
__decorate([
    (0, type_graphql_1.FieldResolver)(() => user_entity_js_1.UserEntity),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [index_js_1.MembershipEntity, Object]),
    __metadata("design:returntype", Promise)
], MemberResolver.prototype, "user", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => type_graphql_1.ID),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [index_js_1.MembershipEntity]),
    __metadata("design:returntype", String)
], MemberResolver.prototype, "organizationId", null);
exports.MemberResolver = MemberResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => index_js_1.MembershipEntity)
], MemberResolver);
//# sourceMappingURL=organization.resolver.js.map