import crypto from 'node:crypto';

import { LRUCache } from 'lru-cache';
import { type DataSource, In, type Repository } from 'typeorm';

import { allows, MembershipEntity, OrganizationEntity, OrganizationRole, Permission, type Principal, type RequestAccess, roleAtLeast, type Scope } from '../access/index.js';
import { AuditAction, type AuditService } from '../audit/index.js';
import { hashPassword, signToken, TokenVerifier, verifyPassword } from '../auth/index.js';
import { badInput, checkName, type Clock, conflict, isUuid, newId, normalizeEmail, notFound, type RegistryBus, unauthenticated } from '../common/index.js';
import type { AuthConfig } from '../config/index.js';
import type { Secrets } from '../secrets/index.js';
import { type AttemptThrottle, noConnectThrottle, tooManyAttempts } from '../security/index.js';
import { ApiKeyEntity, UserEntity } from './user.entity.js';

export const API_KEY_PREFIX = 'pk_';

/** What signing up or logging in gives: a session token for the user (not an MQTT or test client session). */
export interface SignedIn {
  token: string;
  expiresAt: Date;
  user: UserEntity;
}

export type { Principal } from '../access/index.js';

export class UserService {
  private readonly users: Repository<UserEntity>;
  private readonly apiKeys: Repository<ApiKeyEntity>;
  /** A hash to verify against when the user does not exist, so timing does not reveal which e-mails exist. */
  private dummyHash?: Promise<string>;
  /** Users by id, as tokens resolve them (their fields never change): no query per request. */
  private readonly tokenUsers = new LRUCache<string, UserEntity>({ max: 10_000 });
  /**
   * API keys by keyed hash, for a few seconds: revocation (here or, through the bus, on another instance) and a
   * registry resync drop them at once; expiry is checked on every use.
   */
  private readonly apiKeyRows = new LRUCache<string, ApiKeyEntity>({ max: 10_000, ttl: 5_000 });
  /** Session tokens already verified (expiry checked on every use). */
  private readonly tokens: TokenVerifier;

  constructor(
    private readonly ds: DataSource,
    private readonly secrets: Secrets,
    private readonly config: AuthConfig,
    private readonly clock: Clock,
    private readonly bus: RegistryBus,
    private readonly audit: AuditService,
    /** Back-off for failed logins per account and remote address. */
    private readonly throttle: AttemptThrottle = noConnectThrottle,
  ) {
    this.users = ds.getRepository(UserEntity);
    this.tokens = new TokenVerifier(secrets.tokenKey);
    this.apiKeys = ds.getRepository(ApiKeyEntity);
    bus.on('apiKeyRevoked', ({ apiKeyId }) => {
      for (const [hash, row] of this.apiKeyRows.entries()) if (row.id === apiKeyId) this.apiKeyRows.delete(hash);
    });
    bus.on('registryResync', () => this.apiKeyRows.clear());
  }

  private static checkPassword(password: string): void {
    if (password.length < 8) throw badInput('password must be at least 8 characters', 'password');
    if (password.length > 200) throw badInput('password must be at most 200 characters', 'password');
  }

  private async issue(user: UserEntity): Promise<SignedIn> {
    const { token, expiresAt } = await signToken(this.secrets.tokenKey, user.id, this.config.tokenTtlSeconds, this.clock());
    return { token, expiresAt, user };
  }

  async signUp(emailInput: string, password: string): Promise<SignedIn> {
    const email = normalizeEmail(emailInput);
    UserService.checkPassword(password);
    if (await this.users.existsBy({ email })) throw conflict('an account with this e-mail already exists', 'email');
    const now = this.clock();
    const user = this.users.create({
      id: newId(),
      email,
      passwordHash: await hashPassword(password, this.config.passwordHashCost),
      personalOrganizationId: newId(),
      createdAt: now,
      updatedAt: now,
    });
    try {
      // The user and their personal organization, of which they are the OWNER, exist together or not at all.
      await this.ds.transaction(async (m) => {
        await m.getRepository(UserEntity).insert(user);
        await m.getRepository(OrganizationEntity).insert({ id: user.personalOrganizationId, name: email, personal: true, createdByUserId: user.id, createdAt: now });
        await m.getRepository(MembershipEntity).insert({ organizationId: user.personalOrganizationId, userId: user.id, role: OrganizationRole.OWNER, createdAt: now });
      });
    } catch (err) {
      // A concurrent sign-up with the same e-mail won the unique index.
      if (await this.users.existsBy({ email })) throw conflict('an account with this e-mail already exists', 'email');
      throw err;
    }
    return this.issue(user);
  }

  /** Logs in; throttled per account and per remote address (`address`, '' when unknown). */
  async logIn(emailInput: string, password: string, address = ''): Promise<SignedIn> {
    const email = emailInput.trim().toLowerCase();
    const admission = await this.throttle.admit(email, address);
    if (!admission.allowed) throw tooManyAttempts(admission.retryAfterMs);
    const user = await this.checkLogin(email, password);
    if (!user) {
      await this.throttle.failed(email, address);
      throw unauthenticated('invalid e-mail or password');
    }
    await this.throttle.succeeded(email, address);
    return this.issue(user);
  }

  /** The user, when the password is theirs; the same work (one hash verification) whether the e-mail exists or not. */
  private async checkLogin(email: string, password: string): Promise<UserEntity | null> {
    const user = await this.users.findOneBy({ email });
    if (!user) {
      this.dummyHash ??= hashPassword('not-a-password', this.config.passwordHashCost);
      await verifyPassword(password, await this.dummyHash);
      return null;
    }
    return (await verifyPassword(password, user.passwordHash)) ? user : null;
  }

  /** Users by id, in input order (for DataLoader). */
  async byIds(ids: readonly string[]): Promise<(UserEntity | null)[]> {
    const rows = ids.length ? await this.users.findBy({ id: In([...ids]) }) : [];
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /** A user without the password hash, cached (nothing about a user changes once it exists). */
  private async cachedUser(id: string): Promise<UserEntity | null> {
    const cached = this.tokenUsers.get(id);
    if (cached) return cached;
    const row = isUuid(id) ? await this.users.findOne({ where: { id }, select: { id: true, email: true, personalOrganizationId: true, createdAt: true, updatedAt: true } }) : null;
    if (row) this.tokenUsers.set(id, row);
    return row;
  }

  async getUser(id: string): Promise<UserEntity> {
    const user = await this.cachedUser(id);
    if (!user) throw notFound('User');
    return user;
  }

  /**
   * Resolves an Authorization header value (`Bearer <token>` or `Bearer pk_…` API key) to a principal.
   * Returns null when no credentials were given; throws UNAUTHENTICATED when they are invalid.
   */
  async authenticate(authorization: string | undefined | null): Promise<Principal | null> {
    // An empty value, or "Bearer" with nothing after it (a blank header editor), is no credential at all.
    if (!authorization || /^\s*(Bearer\s*)?$/i.test(authorization)) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthenticated('Authorization must be "Bearer <token>"');
    const credential = match[1]!;
    if (credential.startsWith(API_KEY_PREFIX)) return this.authenticateApiKey(credential);
    const claims = await this.tokens.verify(credential, this.clock());
    if (!claims) throw unauthenticated('invalid or expired token');
    const user = await this.cachedUser(claims.sub);
    if (!user) throw unauthenticated('invalid or expired token');
    return { userId: claims.sub, defaultOrganizationId: user.personalOrganizationId, tokenExpiresAt: new Date(claims.exp * 1000), label: user.email };
  }

  private async authenticateApiKey(key: string): Promise<Principal> {
    const keyHash = this.secrets.keyedHash(key);
    let row = this.apiKeyRows.get(keyHash) ?? null;
    if (!row) {
      row = await this.apiKeys.findOneBy({ keyHash });
      if (row && !row.revokedAt) this.apiKeyRows.set(keyHash, row);
    }
    const now = this.clock();
    if (!row || row.revokedAt) throw unauthenticated('invalid or revoked API key');
    if (row.expiresAt && row.expiresAt <= now) throw unauthenticated('API key expired');
    // Record use at most once a minute per key.
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
      row.lastUsedAt = now;
      await this.apiKeys.update({ id: row.id }, { lastUsedAt: now });
    }
    const label = `API key ${row.name} (${row.prefix}…)`;
    return { userId: row.userId, defaultOrganizationId: row.organizationId, apiKey: { id: row.id, organizationId: row.organizationId, role: row.role, label }, label };
  }

  /** A key acting in the scope's organization with `role` (default: the creator's role there), never above it. */
  async createApiKey(scope: Scope, nameInput: string, role?: OrganizationRole | null, expiresAt?: Date | null): Promise<{ key: string; apiKey: ApiKeyEntity }> {
    const name = checkName(nameInput);
    const keyRole = role ?? scope.role;
    if (!roleAtLeast(scope.role, keyRole)) throw badInput(`an API key's role cannot be above yours (${scope.role})`, 'role');
    if (expiresAt && expiresAt <= this.clock()) throw badInput('expiresAt must be in the future', 'expiresAt');
    const key = API_KEY_PREFIX + crypto.randomBytes(24).toString('base64url');
    const apiKey = this.apiKeys.create({
      id: newId(),
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
      await m.getRepository(ApiKeyEntity).insert(apiKey);
      await this.audit.record(
        scope,
        AuditAction.API_KEY_CREATED,
        { type: 'API_KEY', id: apiKey.id, label: `${name} (${apiKey.prefix}…)` },
        { role: keyRole, expiresAt: apiKey.expiresAt?.toISOString() ?? null },
        m,
      );
    });
    return { key, apiKey };
  }

  /** The organization's keys for those who manage them (API_KEYS), else the caller's own there. */
  listApiKeys(scope: Scope): Promise<ApiKeyEntity[]> {
    const where = allows(scope.role, Permission.API_KEYS) ? { organizationId: scope.organizationId } : { organizationId: scope.organizationId, userId: scope.actor.principal.userId };
    return this.apiKeys.find({ where, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  /** Revokes one's own key, or (API_KEYS) any key of the organization. */
  async revokeApiKey(access: RequestAccess, id: string): Promise<ApiKeyEntity> {
    const row = isUuid(id) ? await this.apiKeys.findOneBy({ id }) : null;
    if (!row) throw notFound('API key');
    const own = row.userId === access.caller().userId;
    const scope = await access.within(row.organizationId, own ? Permission.OWN_API_KEYS : Permission.API_KEYS, 'API key');
    if (!row.revokedAt) {
      row.revokedAt = this.clock();
      await this.ds.transaction(async (m) => {
        await m.getRepository(ApiKeyEntity).update({ id: row.id }, { revokedAt: row.revokedAt });
        await this.audit.record(scope, AuditAction.API_KEY_REVOKED, { type: 'API_KEY', id: row.id, label: `${row.name} (${row.prefix}…)` }, null, m);
      });
      this.bus.emit('apiKeyRevoked', { apiKeyId: row.id });
    }
    return row;
  }
}
