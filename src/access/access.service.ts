import { Repeater } from '@graphql-yoga/subscription';
import { LRUCache } from 'lru-cache';
import type { DataSource, Repository } from 'typeorm';

import { AppError, isLiveStream, isUuid, notFound, type RegistryBus, unauthenticated } from '../common/index.js';
import { MembershipEntity } from './membership.entity.js';
import type { Actor, Principal, Scope } from './principal.js';
import { allows, isRole, lowerRole, type OrganizationRole, type Permission, REQUIRED_ROLE } from './roles.js';

/** FORBIDDEN for a member whose role is too low; `extensions.requiredRole` says which role would do. */
export const forbiddenFor = (permission: Permission, role: OrganizationRole): AppError =>
  new AppError('FORBIDDEN', `this needs the ${REQUIRED_ROLE[permission]} role or higher in the organization`, { requiredRole: REQUIRED_ROLE[permission], role });

/**
 * Who may do what, decided in one place. A caller who is not a member of an organization gets NOT_FOUND for
 * everything in it (no hint that it exists); a member whose role is too low gets FORBIDDEN. An API key acts only in
 * its own organization, with the lower of its role and its creator's current role.
 */
export class AccessService {
  private readonly memberships: Repository<MembershipEntity>;
  /**
   * Member roles by `userId orgId` (null: not a member), for a few seconds: a change (here or, through the bus, on
   * another instance) and a registry resync drop them at once; the TTL bounds what a missed event could leave.
   */
  private readonly roles = new LRUCache<string, { role: OrganizationRole | null }>({ max: 50_000, ttl: 5_000 });

  constructor(
    ds: DataSource,
    private readonly bus: RegistryBus,
  ) {
    this.memberships = ds.getRepository(MembershipEntity);
    bus.on('membershipChanged', ({ organizationId, userId }) => this.roles.delete(`${userId} ${organizationId}`));
    bus.on('registryResync', () => this.roles.clear());
  }

  private async memberRole(userId: string, organizationId: string): Promise<OrganizationRole | null> {
    const key = `${userId} ${organizationId}`;
    const cached = this.roles.get(key);
    if (cached) return cached.role;
    const row = await this.memberships.findOne({ where: { organizationId, userId }, select: { role: true } });
    this.roles.set(key, { role: row?.role ?? null });
    return row?.role ?? null;
  }

  /** The principal's effective role in the organization, or null when it has none there. */
  async roleOf(principal: Principal, organizationId: string): Promise<OrganizationRole | null> {
    if (!isUuid(organizationId)) return null;
    if (principal.apiKey && principal.apiKey.organizationId !== organizationId) return null;
    const role = await this.memberRole(principal.userId, organizationId);
    return role ? this.effective(principal, role) : null;
  }

  private effective(principal: Principal, memberRole: OrganizationRole): OrganizationRole {
    return principal.apiKey ? lowerRole(memberRole, principal.apiKey.role) : memberRole;
  }

  /** The decision: NOT_FOUND (`what`) without a role, FORBIDDEN when the role is too low, else the scope. */
  decide(actor: Actor, organizationId: string, role: OrganizationRole | null, permission: Permission, what: string): Scope {
    if (!role) throw notFound(what);
    if (!allows(role, permission)) throw forbiddenFor(permission, role);
    return { organizationId, role, actor };
  }

  /**
   * Calls `lost` once when the scope's caller loses `permission` in the scope's organization (removed, demoted,
   * organization deleted), on whichever instance the change was made. Returns the unsubscribe.
   */
  watch(scope: Scope, permission: Permission, lost: () => void): () => void {
    const { principal } = scope.actor;
    const onChange = ({ organizationId, userId, role }: { organizationId: string; userId: string; role: string | null }) => {
      if (organizationId !== scope.organizationId || userId !== principal.userId) return;
      if (role && isRole(role) && allows(this.effective(principal, role), permission)) return;
      off();
      lost();
    };
    const off = () => this.bus.off('membershipChanged', onChange);
    this.bus.on('membershipChanged', onChange);
    return off;
  }

  /** A subscription's events until its caller loses `permission` in the organization; then it completes. */
  guard<T>(scope: Scope, permission: Permission, source: AsyncIterable<T>): AsyncIterableIterator<T> {
    if (isLiveStream(source)) {
      // A live stream says when it ends: it is watched as it is, with no layer per event.
      const unwatch = this.watch(scope, permission, () => void source.return?.());
      source.onEnd(unwatch);
      return source;
    }
    const iterator = source[Symbol.asyncIterator]();
    return new Repeater<T>(async (push, stop) => {
      const unwatch = this.watch(scope, permission, () => stop());
      void stop.then(() => {
        unwatch();
        void iterator.return?.();
      });
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          await push(next.value);
        }
        stop();
      } catch (err) {
        stop(err);
      }
    });
  }
}

/**
 * The caller's access within one GraphQL request (or one subscription): resolves roles, memoized per request, and
 * asks AccessService for the decision.
 */
export class RequestAccess {
  private readonly roles = new Map<string, Promise<OrganizationRole | null>>();

  constructor(
    readonly service: AccessService,
    private readonly principal: Principal | null,
    /** Why the credentials sent were refused; raised by the first operation that needs a caller. */
    private readonly authError: AppError | undefined,
    private readonly remoteAddress: string | undefined,
    /** Off for subscriptions: each event sees the current role. */
    private readonly cache = true,
  ) {}

  /** The caller, or UNAUTHENTICATED. */
  caller(): Principal {
    if (this.authError) throw this.authError;
    if (!this.principal) throw unauthenticated();
    return this.principal;
  }

  actor(): Actor {
    return { principal: this.caller(), remoteAddress: this.remoteAddress };
  }

  roleIn(organizationId: string): Promise<OrganizationRole | null> {
    const principal = this.caller();
    if (!this.cache) return this.service.roleOf(principal, organizationId);
    let role = this.roles.get(organizationId);
    if (!role) this.roles.set(organizationId, (role = this.service.roleOf(principal, organizationId)));
    return role;
  }

  /** The scope in the named organization (the caller's default one when omitted), or NOT_FOUND / FORBIDDEN. */
  async organization(organizationId: string | null | undefined, permission: Permission): Promise<Scope> {
    const id = organizationId ?? this.caller().defaultOrganizationId;
    return this.within(id, permission, 'Organization');
  }

  /** The scope in the organization that holds an object (a device, a certificate…); NOT_FOUND names the object. */
  async within(organizationId: string, permission: Permission, what: string): Promise<Scope> {
    const actor = this.actor();
    return this.service.decide(actor, organizationId, await this.roleIn(organizationId), permission, what);
  }
}
