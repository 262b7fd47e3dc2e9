"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RequestAccess = exports.AccessService = exports.forbiddenFor = void 0;
const subscription_1 = require("@graphql-yoga/subscription");
const lru_cache_1 = require("lru-cache");
const errors_js_1 = require("../common/errors.js");
const ids_js_1 = require("../common/ids.js");
const membership_entity_js_1 = require("./membership.entity.js");
const roles_js_1 = require("./roles.js");
/** FORBIDDEN for a member whose role is too low; `extensions.requiredRole` says which role would do. */
const forbiddenFor = (permission, role) => new errors_js_1.AppError('FORBIDDEN', `this needs the ${roles_js_1.REQUIRED_ROLE[permission]} role or higher in the organization`, { requiredRole: roles_js_1.REQUIRED_ROLE[permission], role });
exports.forbiddenFor = forbiddenFor;
/**
 * Who may do what, decided in one place. A caller who is not a member of an organization gets NOT_FOUND for
 * everything in it (no hint that it exists); a member whose role is too low gets FORBIDDEN. An API key acts only in
 * its own organization, with the lower of its role and its creator's current role.
 */
class AccessService {
    constructor(ds, bus) {
        this.bus = bus;
        /**
         * Member roles by `userId orgId` (null: not a member), for a few seconds: a change (here or, through the bus, on
         * another instance) and a registry resync drop them at once; the TTL bounds what a missed event could leave.
         */
        this.roles = new lru_cache_1.LRUCache({ max: 50_000, ttl: 5_000 });
        this.memberships = ds.getRepository(membership_entity_js_1.MembershipEntity);
        bus.on('membershipChanged', ({ organizationId, userId }) => this.roles.delete(`${userId} ${organizationId}`));
        bus.on('registryResync', () => this.roles.clear());
    }
    async memberRole(userId, organizationId) {
        const key = `${userId} ${organizationId}`;
        const cached = this.roles.get(key);
        if (cached)
            return cached.role;
        const row = await this.memberships.findOne({ where: { organizationId, userId }, select: { role: true } });
        this.roles.set(key, { role: row?.role ?? null });
        return row?.role ?? null;
    }
    /** The principal's effective role in the organization, or null when it has none there. */
    async roleOf(principal, organizationId) {
        if (!(0, ids_js_1.isUuid)(organizationId))
            return null;
        if (principal.apiKey && principal.apiKey.organizationId !== organizationId)
            return null;
        const role = await this.memberRole(principal.userId, organizationId);
        return role ? this.effective(principal, role) : null;
    }
    effective(principal, memberRole) {
        return principal.apiKey ? (0, roles_js_1.lowerRole)(memberRole, principal.apiKey.role) : memberRole;
    }
    /** The decision: NOT_FOUND (`what`) without a role, FORBIDDEN when the role is too low, else the scope. */
    decide(actor, organizationId, role, permission, what) {
        if (!role)
            throw (0, errors_js_1.notFound)(what);
        if (!(0, roles_js_1.allows)(role, permission))
            throw (0, exports.forbiddenFor)(permission, role);
        return { organizationId, role, actor };
    }
    /**
     * Calls `lost` once when the scope's caller loses `permission` in the scope's organization (removed, demoted,
     * organization deleted), on whichever instance the change was made. Returns the unsubscribe.
     */
    watch(scope, permission, lost) {
        const { principal } = scope.actor;
        const onChange = ({ organizationId, userId, role }) => {
            if (organizationId !== scope.organizationId || userId !== principal.userId)
                return;
            if (role && (0, roles_js_1.isRole)(role) && (0, roles_js_1.allows)(this.effective(principal, role), permission))
                return;
            off();
            lost();
        };
        const off = () => this.bus.off('membershipChanged', onChange);
        this.bus.on('membershipChanged', onChange);
        return off;
    }
    /** A subscription's events until its caller loses `permission` in the organization; then it completes. */
    guard(scope, permission, source) {
        const iterator = source[Symbol.asyncIterator]();
        return new subscription_1.Repeater(async (push, stop) => {
            const unwatch = this.watch(scope, permission, () => stop());
            void stop.then(() => {
                unwatch();
                void iterator.return?.();
            });
            try {
                for (;;) {
                    const next = await iterator.next();
                    if (next.done)
                        break;
                    await push(next.value);
                }
                stop();
            }
            catch (err) {
                stop(err);
            }
        });
    }
}
exports.AccessService = AccessService;
/**
 * The caller's access within one GraphQL request (or one subscription): resolves roles, memoized per request, and
 * asks AccessService for the decision.
 */
class RequestAccess {
    constructor(service, principal, 
    /** Why the credentials sent were refused; raised by the first operation that needs a caller. */
    authError, remoteAddress, 
    /** Off for subscriptions: each event sees the current role. */
    cache = true) {
        this.service = service;
        this.principal = principal;
        this.authError = authError;
        this.remoteAddress = remoteAddress;
        this.cache = cache;
        this.roles = new Map();
    }
    /** The caller, or UNAUTHENTICATED. */
    caller() {
        if (this.authError)
            throw this.authError;
        if (!this.principal)
            throw (0, errors_js_1.unauthenticated)();
        return this.principal;
    }
    actor() {
        return { principal: this.caller(), remoteAddress: this.remoteAddress };
    }
    roleIn(organizationId) {
        const principal = this.caller();
        if (!this.cache)
            return this.service.roleOf(principal, organizationId);
        let role = this.roles.get(organizationId);
        if (!role)
            this.roles.set(organizationId, (role = this.service.roleOf(principal, organizationId)));
        return role;
    }
    /** The scope in the named organization (the caller's default one when omitted), or NOT_FOUND / FORBIDDEN. */
    async organization(organizationId, permission) {
        const id = organizationId ?? this.caller().defaultOrganizationId;
        return this.within(id, permission, 'Organization');
    }
    /** The scope in the organization that holds an object (a device, a certificate…); NOT_FOUND names the object. */
    async within(organizationId, permission, what) {
        const actor = this.actor();
        return this.service.decide(actor, organizationId, await this.roleIn(organizationId), permission, what);
    }
    /** Whether the caller has `permission` in the organization (field-level checks). */
    async may(organizationId, permission) {
        const role = this.principal && !this.authError ? await this.roleIn(organizationId) : null;
        return role !== null && (0, roles_js_1.allows)(role, permission);
    }
}
exports.RequestAccess = RequestAccess;
//# sourceMappingURL=access.service.js.map