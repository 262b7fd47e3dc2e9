"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.UserService = exports.API_KEY_PREFIX = void 0;
const node_crypto_1 = __importDefault(require("node:crypto"));
const lru_cache_1 = require("lru-cache");
const typeorm_1 = require("typeorm");
const password_js_1 = require("../auth/password.js");
const token_js_1 = require("../auth/token.js");
const errors_js_1 = require("../common/errors.js");
const ids_js_1 = require("../common/ids.js");
const validate_js_1 = require("../common/validate.js");
const connect_throttle_js_1 = require("../security/connect-throttle.js");
const refusal_js_1 = require("../security/refusal.js");
const index_js_1 = require("../access/index.js");
const index_js_2 = require("../audit/index.js");
const user_entity_js_1 = require("./user.entity.js");
exports.API_KEY_PREFIX = 'pk_';
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
class UserService {
    constructor(ds, secrets, config, clock, bus, audit, 
    /** Back-off for failed logins per account and remote address. */
    throttle = connect_throttle_js_1.noConnectThrottle) {
        this.ds = ds;
        this.secrets = secrets;
        this.config = config;
        this.clock = clock;
        this.bus = bus;
        this.audit = audit;
        this.throttle = throttle;
        /** What a token's user resolves to (e-mail and personal organization never change): no query per request. */
        this.tokenUsers = new lru_cache_1.LRUCache({ max: 10_000 });
        /**
         * API keys by keyed hash, for a few seconds: revocation (here or, through the bus, on another instance) and a
         * registry resync drop them at once; expiry is checked on every use.
         */
        this.apiKeyRows = new lru_cache_1.LRUCache({ max: 10_000, ttl: 5_000 });
        this.users = ds.getRepository(user_entity_js_1.UserEntity);
        this.apiKeys = ds.getRepository(user_entity_js_1.ApiKeyEntity);
        bus.on('apiKeyRevoked', ({ apiKeyId }) => {
            for (const [hash, row] of this.apiKeyRows.entries())
                if (row.id === apiKeyId)
                    this.apiKeyRows.delete(hash);
        });
        bus.on('registryResync', () => this.apiKeyRows.clear());
    }
    static normalizeEmail(email) {
        const e = email.trim().toLowerCase();
        if (e.length > 254 || !EMAIL_RE.test(e))
            throw (0, errors_js_1.badInput)('email is not a valid e-mail address', 'email');
        return e;
    }
    static checkPassword(password) {
        if (password.length < 8)
            throw (0, errors_js_1.badInput)('password must be at least 8 characters', 'password');
        if (password.length > 200)
            throw (0, errors_js_1.badInput)('password must be at most 200 characters', 'password');
    }
    issue(user) {
        const { token, expiresAt } = (0, token_js_1.signToken)(this.secrets.tokenKey, user.id, this.config.tokenTtlSeconds, this.clock());
        return { token, expiresAt, user };
    }
    async signUp(emailInput, password) {
        const email = UserService.normalizeEmail(emailInput);
        UserService.checkPassword(password);
        if (await this.users.existsBy({ email }))
            throw (0, errors_js_1.conflict)('an account with this e-mail already exists', 'email');
        const now = this.clock();
        const user = this.users.create({
            id: (0, ids_js_1.newId)(),
            email,
            passwordHash: await (0, password_js_1.hashPassword)(password, this.config.passwordHashCost),
            personalOrganizationId: (0, ids_js_1.newId)(),
            createdAt: now,
            updatedAt: now,
        });
        try {
            // The user and their personal organization, of which they are the OWNER, exist together or not at all.
            await this.ds.transaction(async (m) => {
                await m.getRepository(user_entity_js_1.UserEntity).insert(user);
                await m.getRepository(index_js_1.OrganizationEntity).insert({ id: user.personalOrganizationId, name: email, personal: true, createdByUserId: user.id, createdAt: now });
                await m.getRepository(index_js_1.MembershipEntity).insert({ organizationId: user.personalOrganizationId, userId: user.id, role: index_js_1.OrganizationRole.OWNER, createdAt: now });
            });
        }
        catch (err) {
            // A concurrent sign-up with the same e-mail won the unique index.
            if (await this.users.existsBy({ email }))
                throw (0, errors_js_1.conflict)('an account with this e-mail already exists', 'email');
            throw err;
        }
        return this.issue(user);
    }
    /** Logs in; throttled per account and per remote address (`address`, '' when unknown). */
    async logIn(emailInput, password, address = '') {
        const email = emailInput.trim().toLowerCase();
        const admission = await this.throttle.admit(email, address);
        if (!admission.allowed)
            throw (0, refusal_js_1.tooManyAttempts)(admission.retryAfterMs);
        const user = await this.checkLogin(email, password);
        if (!user) {
            await this.throttle.failed(email, address);
            throw (0, errors_js_1.unauthenticated)('invalid e-mail or password');
        }
        await this.throttle.succeeded(email, address);
        return this.issue(user);
    }
    /** The user, when the password is theirs; the same work (one hash verification) whether the e-mail exists or not. */
    async checkLogin(email, password) {
        const user = await this.users.findOneBy({ email });
        if (!user) {
            this.dummyHash ??= (0, password_js_1.hashPassword)('not-a-password', this.config.passwordHashCost);
            await (0, password_js_1.verifyPassword)(password, await this.dummyHash);
            return null;
        }
        return (await (0, password_js_1.verifyPassword)(password, user.passwordHash)) ? user : null;
    }
    /** Users by id, in input order (for DataLoader). */
    async byIds(ids) {
        const rows = ids.length ? await this.users.findBy({ id: (0, typeorm_1.In)([...ids]) }) : [];
        const map = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => map.get(id) ?? null);
    }
    async getUser(id) {
        const user = (0, ids_js_1.isUuid)(id) ? await this.users.findOneBy({ id }) : null;
        if (!user)
            throw (0, errors_js_1.notFound)('User');
        return user;
    }
    /**
     * Resolves an Authorization header value (`Bearer <token>` or `Bearer pk_…` API key) to a principal.
     * Returns null when no credentials were given; throws UNAUTHENTICATED when they are invalid.
     */
    async authenticate(authorization) {
        // An empty value, or "Bearer" with nothing after it (a blank header editor), is no credential at all.
        if (!authorization || /^\s*(Bearer\s*)?$/i.test(authorization))
            return null;
        const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
        if (!match)
            throw (0, errors_js_1.unauthenticated)('Authorization must be "Bearer <token>"');
        const credential = match[1];
        if (credential.startsWith(exports.API_KEY_PREFIX))
            return this.authenticateApiKey(credential);
        const claims = (0, token_js_1.verifyToken)(this.secrets.tokenKey, credential, this.clock());
        if (!claims)
            throw (0, errors_js_1.unauthenticated)('invalid or expired token');
        let user = this.tokenUsers.get(claims.sub);
        if (!user) {
            const row = (0, ids_js_1.isUuid)(claims.sub) ? await this.users.findOne({ where: { id: claims.sub }, select: { id: true, email: true, personalOrganizationId: true } }) : null;
            if (!row)
                throw (0, errors_js_1.unauthenticated)('invalid or expired token');
            user = { email: row.email, personalOrganizationId: row.personalOrganizationId };
            this.tokenUsers.set(claims.sub, user);
        }
        return { userId: claims.sub, defaultOrganizationId: user.personalOrganizationId, tokenExpiresAt: new Date(claims.exp * 1000), label: user.email };
    }
    async authenticateApiKey(key) {
        const keyHash = this.secrets.keyedHash(key);
        let row = this.apiKeyRows.get(keyHash) ?? null;
        if (!row) {
            row = await this.apiKeys.findOneBy({ keyHash });
            if (row && !row.revokedAt)
                this.apiKeyRows.set(keyHash, row);
        }
        const now = this.clock();
        if (!row || row.revokedAt)
            throw (0, errors_js_1.unauthenticated)('invalid or revoked API key');
        if (row.expiresAt && row.expiresAt <= now)
            throw (0, errors_js_1.unauthenticated)('API key expired');
        // Record use at most once a minute per key.
        if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
            row.lastUsedAt = now;
            await this.apiKeys.update({ id: row.id }, { lastUsedAt: now });
        }
        const label = `API key ${row.name} (${row.prefix}…)`;
        return { userId: row.userId, defaultOrganizationId: row.organizationId, apiKey: { id: row.id, organizationId: row.organizationId, role: row.role, label }, label };
    }
    /** A key acting in the scope's organization with `role` (default: the creator's role there), never above it. */
    async createApiKey(scope, nameInput, role, expiresAt) {
        const name = (0, validate_js_1.checkName)(nameInput);
        const keyRole = role ?? scope.role;
        if (!(0, index_js_1.roleAtLeast)(scope.role, keyRole))
            throw (0, errors_js_1.badInput)(`an API key's role cannot be above yours (${scope.role})`, 'role');
        if (expiresAt && expiresAt <= this.clock())
            throw (0, errors_js_1.badInput)('expiresAt must be in the future', 'expiresAt');
        const key = exports.API_KEY_PREFIX + node_crypto_1.default.randomBytes(24).toString('base64url');
        const apiKey = this.apiKeys.create({
            id: (0, ids_js_1.newId)(),
            userId: scope.actor.principal.userId,
            organizationId: scope.organizationId,
            role: keyRole,
            expiresAt: expiresAt ?? null,
            name,
            prefix: key.slice(0, 10),
            keyHash: this.secrets.keyedHash(key),
            createdAt: this.clock(),
            lastUsedAt: null,
            revokedAt: null,
        });
        await this.ds.transaction(async (m) => {
            await m.getRepository(user_entity_js_1.ApiKeyEntity).insert(apiKey);
            await this.audit.record(scope, index_js_2.AuditAction.API_KEY_CREATED, { type: 'API_KEY', id: apiKey.id, label: `${name} (${apiKey.prefix}…)` }, { role: keyRole, expiresAt: apiKey.expiresAt?.toISOString() ?? null }, m);
        });
        return { key, apiKey };
    }
    /** The organization's keys for those who manage them (API_KEYS), else the caller's own there. */
    listApiKeys(scope) {
        const where = (0, index_js_1.allows)(scope.role, index_js_1.Permission.API_KEYS)
            ? { organizationId: scope.organizationId }
            : { organizationId: scope.organizationId, userId: scope.actor.principal.userId };
        return this.apiKeys.find({ where, order: { createdAt: 'DESC', id: 'ASC' } });
    }
    /** Revokes one's own key, or (API_KEYS) any key of the organization. */
    async revokeApiKey(access, id) {
        const row = (0, ids_js_1.isUuid)(id) ? await this.apiKeys.findOneBy({ id }) : null;
        if (!row)
            throw (0, errors_js_1.notFound)('API key');
        const own = row.userId === access.caller().userId;
        const scope = await access.within(row.organizationId, own ? index_js_1.Permission.OWN_API_KEYS : index_js_1.Permission.API_KEYS, 'API key');
        if (!row.revokedAt) {
            row.revokedAt = this.clock();
            await this.ds.transaction(async (m) => {
                await m.getRepository(user_entity_js_1.ApiKeyEntity).update({ id: row.id }, { revokedAt: row.revokedAt });
                await this.audit.record(scope, index_js_2.AuditAction.API_KEY_REVOKED, { type: 'API_KEY', id: row.id, label: `${row.name} (${row.prefix}…)` }, null, m);
            });
            this.bus.emit('apiKeyRevoked', { apiKeyId: row.id });
        }
        return row;
    }
}
exports.UserService = UserService;
//# sourceMappingURL=user.service.js.map