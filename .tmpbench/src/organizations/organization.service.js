"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.OrganizationService = exports.INVITATION_PREFIX = void 0;
const node_crypto_1 = __importDefault(require("node:crypto"));
const typeorm_1 = require("typeorm");
const index_js_1 = require("../access/index.js");
const index_js_2 = require("../audit/index.js");
const certificate_entity_js_1 = require("../certificates/certificate.entity.js");
const errors_js_1 = require("../common/errors.js");
const ids_js_1 = require("../common/ids.js");
const validate_js_1 = require("../common/validate.js");
const device_entity_js_1 = require("../devices/device.entity.js");
const user_entity_js_1 = require("../users/user.entity.js");
const invitation_entity_js_1 = require("./invitation.entity.js");
exports.INVITATION_PREFIX = 'inv_';
const INVITATION_TTL_MS = 7 * 24 * 3600_000;
const ownersOnly = () => new errors_js_1.AppError('FORBIDDEN', 'only an OWNER can make, change or remove owners', { requiredRole: index_js_1.OrganizationRole.OWNER });
/** Organizations, their members and invitations. Every change is audited and announced on the registry bus. */
class OrganizationService {
    constructor(ds, secrets, audit, bus, clock) {
        this.ds = ds;
        this.secrets = secrets;
        this.audit = audit;
        this.bus = bus;
        this.clock = clock;
        this.orgs = ds.getRepository(index_js_1.OrganizationEntity);
        this.members = ds.getRepository(index_js_1.MembershipEntity);
        this.invitations = ds.getRepository(invitation_entity_js_1.InvitationEntity);
    }
    static userOnly(principal) {
        if (principal.apiKey)
            throw (0, errors_js_1.forbidden)('an API key acts only within its own organization; sign in as a user for this');
    }
    async create(access, nameInput) {
        const principal = access.caller();
        OrganizationService.userOnly(principal);
        const now = this.clock();
        const org = this.orgs.create({ id: (0, ids_js_1.newId)(), name: (0, validate_js_1.checkName)(nameInput), personal: false, createdByUserId: principal.userId, createdAt: now });
        const scope = { organizationId: org.id, role: index_js_1.OrganizationRole.OWNER, actor: access.actor() };
        await this.ds.transaction(async (m) => {
            await m.getRepository(index_js_1.OrganizationEntity).insert(org);
            await m.getRepository(index_js_1.MembershipEntity).insert({ organizationId: org.id, userId: principal.userId, role: index_js_1.OrganizationRole.OWNER, createdAt: now });
            await this.audit.record(scope, index_js_2.AuditAction.ORGANIZATION_CREATED, { type: 'ORGANIZATION', id: org.id, label: org.name }, null, m);
        });
        return org;
    }
    /** The organizations the caller belongs to (an API key: its own), oldest membership first. */
    async listFor(principal) {
        const qb = this.orgs
            .createQueryBuilder('o')
            .innerJoin(index_js_1.MembershipEntity, 'm', 'm.organization_id = o.id AND m.user_id = :userId', { userId: principal.userId })
            .orderBy('m.created_at', 'ASC')
            .addOrderBy('o.id', 'ASC');
        if (principal.apiKey)
            qb.andWhere('o.id = :id', { id: principal.apiKey.organizationId });
        return qb.getMany();
    }
    async get(scope) {
        const org = await this.orgs.findOneBy({ id: scope.organizationId });
        if (!org)
            throw (0, errors_js_1.notFound)('Organization');
        return org;
    }
    async rename(scope, nameInput) {
        const org = await this.get(scope);
        const name = (0, validate_js_1.checkName)(nameInput);
        if (name === org.name)
            return org;
        await this.ds.transaction(async (m) => {
            await m.getRepository(index_js_1.OrganizationEntity).update({ id: org.id }, { name });
            await this.audit.record(scope, index_js_2.AuditAction.ORGANIZATION_RENAMED, { type: 'ORGANIZATION', id: org.id, label: name }, { name: { from: org.name, to: name } }, m);
        });
        org.name = name;
        return org;
    }
    membersOf(organizationId) {
        return this.members.find({ where: { organizationId }, order: { createdAt: 'ASC', userId: 'ASC' } });
    }
    pendingInvitations(organizationId) {
        return this.invitations.find({ where: { organizationId, acceptedAt: (0, typeorm_1.IsNull)() }, order: { createdAt: 'DESC', id: 'ASC' } });
    }
    /** An invitation token for `email` (shown once; the inviter passes it on). Only owners invite owners. */
    async invite(scope, emailInput, role) {
        if (role === index_js_1.OrganizationRole.OWNER && scope.role !== index_js_1.OrganizationRole.OWNER)
            throw ownersOnly();
        const email = emailInput.trim().toLowerCase();
        if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
            throw (0, errors_js_1.badInput)('email is not a valid e-mail address', 'email');
        const member = await this.ds.getRepository(user_entity_js_1.UserEntity).findOneBy({ email });
        if (member && (await this.members.existsBy({ organizationId: scope.organizationId, userId: member.id })))
            throw (0, errors_js_1.conflict)('already a member of this organization', 'email');
        const token = exports.INVITATION_PREFIX + node_crypto_1.default.randomBytes(24).toString('base64url');
        const now = this.clock();
        const invitation = this.invitations.create({
            id: (0, ids_js_1.newId)(),
            organizationId: scope.organizationId,
            email,
            role,
            tokenHash: this.secrets.keyedHash(token),
            invitedByUserId: scope.actor.principal.userId,
            createdAt: now,
            expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
            acceptedAt: null,
        });
        await this.ds.transaction(async (m) => {
            await m.getRepository(invitation_entity_js_1.InvitationEntity).insert(invitation);
            await this.audit.record(scope, index_js_2.AuditAction.MEMBER_INVITED, { type: 'INVITATION', id: invitation.id, label: email }, { role }, m);
        });
        return { token, invitation };
    }
    /** Joins the invitation's organization; only the invited e-mail's user can, once, before it expires. */
    async accept(access, token) {
        const principal = access.caller();
        OrganizationService.userOnly(principal);
        const invitation = await this.invitations.findOneBy({ tokenHash: this.secrets.keyedHash(token.trim()) });
        const user = await this.ds.getRepository(user_entity_js_1.UserEntity).findOneBy({ id: principal.userId });
        // Someone else's invitation looks like no invitation at all.
        if (!invitation || !user || invitation.email !== user.email)
            throw (0, errors_js_1.notFound)('Invitation');
        const now = this.clock();
        if (invitation.acceptedAt)
            throw (0, errors_js_1.conflict)('this invitation was already accepted');
        if (invitation.expiresAt <= now)
            throw (0, errors_js_1.conflict)('this invitation has expired; ask for a new one');
        if (await this.members.existsBy({ organizationId: invitation.organizationId, userId: user.id }))
            throw (0, errors_js_1.conflict)('already a member of this organization');
        const membership = this.members.create({ organizationId: invitation.organizationId, userId: user.id, role: invitation.role, createdAt: now });
        const scope = { organizationId: invitation.organizationId, role: invitation.role, actor: access.actor() };
        await this.ds.transaction(async (m) => {
            const claimed = await m.getRepository(invitation_entity_js_1.InvitationEntity).update({ id: invitation.id, acceptedAt: (0, typeorm_1.IsNull)() }, { acceptedAt: now });
            if (!claimed.affected)
                throw (0, errors_js_1.conflict)('this invitation was already accepted');
            await m.getRepository(index_js_1.MembershipEntity).insert(membership);
            await this.audit.record(scope, index_js_2.AuditAction.MEMBER_JOINED, { type: 'MEMBER', id: user.id, label: user.email }, { role: invitation.role, invitationId: invitation.id }, m);
        });
        this.bus.emit('membershipChanged', { organizationId: membership.organizationId, userId: user.id, role: membership.role });
        return membership;
    }
    async member(m, organizationId, userId) {
        const row = (0, ids_js_1.isUuid)(userId) ? await m.getRepository(index_js_1.MembershipEntity).findOneBy({ organizationId, userId }) : null;
        if (!row)
            throw (0, errors_js_1.notFound)('Member');
        return row;
    }
    /** Fails when the change would leave the organization without an OWNER. */
    static async keepAnOwner(m, organizationId, leaving) {
        if (leaving.role !== index_js_1.OrganizationRole.OWNER)
            return;
        const owners = await m.getRepository(index_js_1.MembershipEntity).countBy({ organizationId, role: index_js_1.OrganizationRole.OWNER });
        if (owners <= 1)
            throw (0, errors_js_1.conflict)('an organization keeps at least one OWNER: make another member OWNER first');
    }
    async changeRole(scope, userId, role) {
        const changed = await this.ds.transaction(async (m) => {
            const row = await this.member(m, scope.organizationId, userId);
            if ((row.role === index_js_1.OrganizationRole.OWNER || role === index_js_1.OrganizationRole.OWNER) && scope.role !== index_js_1.OrganizationRole.OWNER)
                throw ownersOnly();
            if (row.role === role)
                return null;
            if (role !== index_js_1.OrganizationRole.OWNER)
                await OrganizationService.keepAnOwner(m, scope.organizationId, row);
            const before = row.role;
            await m.getRepository(index_js_1.MembershipEntity).update({ organizationId: row.organizationId, userId: row.userId }, { role });
            row.role = role;
            const user = await m.getRepository(user_entity_js_1.UserEntity).findOneBy({ id: row.userId });
            await this.audit.record(scope, index_js_2.AuditAction.MEMBER_ROLE_CHANGED, { type: 'MEMBER', id: row.userId, label: user?.email ?? null }, { role: { from: before, to: role } }, m);
            return row;
        });
        if (!changed)
            return this.member(this.ds.manager, scope.organizationId, userId);
        this.bus.emit('membershipChanged', { organizationId: changed.organizationId, userId: changed.userId, role: changed.role });
        return changed;
    }
    /**
     * Removes a member (MEMBERS; owners only by owners), or the caller themselves (leaving needs no more than READ).
     * Their subscriptions and test client sessions in the organization end at once, on every instance.
     */
    async removeMember(access, organizationId, userId) {
        const self = userId === access.caller().userId;
        const scope = await access.organization(organizationId, self ? index_js_1.Permission.READ : index_js_1.Permission.MEMBERS);
        const removed = await this.ds.transaction(async (m) => {
            const row = await this.member(m, scope.organizationId, userId);
            if (!self && row.role === index_js_1.OrganizationRole.OWNER && scope.role !== index_js_1.OrganizationRole.OWNER)
                throw ownersOnly();
            await OrganizationService.keepAnOwner(m, scope.organizationId, row);
            await m.getRepository(index_js_1.MembershipEntity).delete({ organizationId: row.organizationId, userId: row.userId });
            const user = await m.getRepository(user_entity_js_1.UserEntity).findOneBy({ id: row.userId });
            await this.audit.record(scope, index_js_2.AuditAction.MEMBER_REMOVED, { type: 'MEMBER', id: row.userId, label: user?.email ?? null }, { role: row.role }, m);
            return row;
        });
        this.bus.emit('membershipChanged', { organizationId: removed.organizationId, userId: removed.userId, role: null });
        return removed;
    }
    /** Deletes an organization with no devices and certificates left (not a personal one); its API keys stop working. */
    async delete(scope) {
        const org = await this.get(scope);
        if (org.personal)
            throw (0, errors_js_1.conflict)('a personal organization cannot be deleted');
        const id = org.id;
        const devices = await this.ds.getRepository(device_entity_js_1.DeviceEntity).countBy({ organizationId: id });
        const certificates = await this.ds.getRepository(certificate_entity_js_1.CertificateEntity).countBy({ organizationId: id, deletedAt: (0, typeorm_1.IsNull)() });
        if (devices || certificates)
            throw (0, errors_js_1.conflict)(`delete its ${devices} device(s) and ${certificates} certificate(s) first`);
        const members = await this.membersOf(id);
        const keys = await this.ds.getRepository(user_entity_js_1.ApiKeyEntity).findBy({ organizationId: id, revokedAt: (0, typeorm_1.IsNull)() });
        await this.ds.transaction(async (m) => {
            await m.getRepository(user_entity_js_1.ApiKeyEntity).update({ organizationId: id, revokedAt: (0, typeorm_1.IsNull)() }, { revokedAt: this.clock() });
            await m.getRepository(invitation_entity_js_1.InvitationEntity).delete({ organizationId: id });
            await m.getRepository(index_js_1.MembershipEntity).delete({ organizationId: id });
            await m.getRepository(index_js_1.OrganizationEntity).delete({ id });
        });
        for (const key of keys)
            this.bus.emit('apiKeyRevoked', { apiKeyId: key.id });
        for (const member of members)
            this.bus.emit('membershipChanged', { organizationId: id, userId: member.userId, role: null });
        return org;
    }
}
exports.OrganizationService = OrganizationService;
//# sourceMappingURL=organization.service.js.map