import crypto from 'node:crypto';

import { type DataSource, type EntityManager, IsNull, type Repository } from 'typeorm';

import { MembershipEntity, OrganizationEntity, OrganizationRole, Permission, type Principal, type RequestAccess, type Scope } from '../access/index.js';
import { AuditAction, type AuditService } from '../audit/index.js';
import { CertificateEntity } from '../certificates/index.js';
import { AppError, checkName, type Clock, conflict, forbidden, isUuid, newId, normalizeEmail, notFound, type RegistryBus } from '../common/index.js';
import { DeviceEntity } from '../devices/index.js';
import type { Secrets } from '../secrets/index.js';
import { ApiKeyEntity, UserEntity } from '../users/index.js';
import { InvitationEntity } from './invitation.entity.js';

export const INVITATION_PREFIX = 'inv_';
const INVITATION_TTL_MS = 7 * 24 * 3600_000;

const ownersOnly = (): AppError => new AppError('FORBIDDEN', 'only an OWNER can make, change or remove owners', { requiredRole: OrganizationRole.OWNER });

/** Organizations, their members and invitations. Every change is audited and announced on the registry bus. */
export class OrganizationService {
  private readonly orgs: Repository<OrganizationEntity>;
  private readonly members: Repository<MembershipEntity>;
  private readonly invitations: Repository<InvitationEntity>;

  constructor(
    private readonly ds: DataSource,
    private readonly secrets: Secrets,
    private readonly audit: AuditService,
    private readonly bus: RegistryBus,
    private readonly clock: Clock,
  ) {
    this.orgs = ds.getRepository(OrganizationEntity);
    this.members = ds.getRepository(MembershipEntity);
    this.invitations = ds.getRepository(InvitationEntity);
  }

  private static userOnly(principal: Principal): void {
    if (principal.apiKey) throw forbidden('an API key acts only within its own organization; sign in as a user for this');
  }

  async create(access: RequestAccess, nameInput: string): Promise<OrganizationEntity> {
    const principal = access.caller();
    OrganizationService.userOnly(principal);
    const now = this.clock();
    const org = this.orgs.create({ id: newId(), name: checkName(nameInput), personal: false, createdByUserId: principal.userId, createdAt: now });
    const scope: Scope = { organizationId: org.id, role: OrganizationRole.OWNER, actor: access.actor() };
    await this.ds.transaction(async (m) => {
      await m.getRepository(OrganizationEntity).insert(org);
      await m.getRepository(MembershipEntity).insert({ organizationId: org.id, userId: principal.userId, role: OrganizationRole.OWNER, createdAt: now });
      await this.audit.record(scope, AuditAction.ORGANIZATION_CREATED, { type: 'ORGANIZATION', id: org.id, label: org.name }, null, m);
    });
    return org;
  }

  /** The organizations the caller belongs to (an API key: its own), oldest membership first. */
  async listFor(principal: Principal): Promise<OrganizationEntity[]> {
    const qb = this.orgs
      .createQueryBuilder('o')
      .innerJoin(MembershipEntity, 'm', 'm.organization_id = o.id AND m.user_id = :userId', { userId: principal.userId })
      .orderBy('m.created_at', 'ASC')
      .addOrderBy('o.id', 'ASC');
    if (principal.apiKey) qb.andWhere('o.id = :id', { id: principal.apiKey.organizationId });
    return qb.getMany();
  }

  async get(scope: Scope): Promise<OrganizationEntity> {
    const org = await this.orgs.findOneBy({ id: scope.organizationId });
    if (!org) throw notFound('Organization');
    return org;
  }

  async rename(scope: Scope, nameInput: string): Promise<OrganizationEntity> {
    const org = await this.get(scope);
    const name = checkName(nameInput);
    if (name === org.name) return org;
    await this.ds.transaction(async (m) => {
      await m.getRepository(OrganizationEntity).update({ id: org.id }, { name });
      await this.audit.record(scope, AuditAction.ORGANIZATION_RENAMED, { type: 'ORGANIZATION', id: org.id, label: name }, { name: { from: org.name, to: name } }, m);
    });
    org.name = name;
    return org;
  }

  membersOf(organizationId: string): Promise<MembershipEntity[]> {
    return this.members.find({ where: { organizationId }, order: { createdAt: 'ASC', userId: 'ASC' } });
  }

  pendingInvitations(organizationId: string): Promise<InvitationEntity[]> {
    return this.invitations.find({ where: { organizationId, acceptedAt: IsNull() }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  /** An invitation token for `email` (shown once; the inviter passes it on). Only owners invite owners. */
  async invite(scope: Scope, emailInput: string, role: OrganizationRole): Promise<{ token: string; invitation: InvitationEntity }> {
    if (role === OrganizationRole.OWNER && scope.role !== OrganizationRole.OWNER) throw ownersOnly();
    const email = normalizeEmail(emailInput);
    const member = await this.ds.getRepository(UserEntity).findOneBy({ email });
    if (member && (await this.members.existsBy({ organizationId: scope.organizationId, userId: member.id }))) throw conflict('already a member of this organization', 'email');
    const token = INVITATION_PREFIX + crypto.randomBytes(24).toString('base64url');
    const now = this.clock();
    const invitation = this.invitations.create({
      id: newId(),
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
      await m.getRepository(InvitationEntity).insert(invitation);
      await this.audit.record(scope, AuditAction.MEMBER_INVITED, { type: 'INVITATION', id: invitation.id, label: email }, { role }, m);
    });
    return { token, invitation };
  }

  /** Joins the invitation's organization; only the invited e-mail's user can, once, before it expires. */
  async accept(access: RequestAccess, token: string): Promise<MembershipEntity> {
    const principal = access.caller();
    OrganizationService.userOnly(principal);
    const invitation = await this.invitations.findOneBy({ tokenHash: this.secrets.keyedHash(token.trim()) });
    const user = await this.ds.getRepository(UserEntity).findOneBy({ id: principal.userId });
    // Someone else's invitation looks like no invitation at all.
    if (!invitation || !user || invitation.email !== user.email) throw notFound('Invitation');
    const now = this.clock();
    if (invitation.acceptedAt) throw conflict('this invitation was already accepted');
    if (invitation.expiresAt <= now) throw conflict('this invitation has expired; ask for a new one');
    if (await this.members.existsBy({ organizationId: invitation.organizationId, userId: user.id })) throw conflict('already a member of this organization');
    const membership = this.members.create({ organizationId: invitation.organizationId, userId: user.id, role: invitation.role, createdAt: now });
    const scope: Scope = { organizationId: invitation.organizationId, role: invitation.role, actor: access.actor() };
    await this.ds.transaction(async (m) => {
      const claimed = await m.getRepository(InvitationEntity).update({ id: invitation.id, acceptedAt: IsNull() }, { acceptedAt: now });
      if (!claimed.affected) throw conflict('this invitation was already accepted');
      await m.getRepository(MembershipEntity).insert(membership);
      await this.audit.record(scope, AuditAction.MEMBER_JOINED, { type: 'MEMBER', id: user.id, label: user.email }, { role: invitation.role, invitationId: invitation.id }, m);
    });
    this.bus.emit('membershipChanged', { organizationId: membership.organizationId, userId: user.id, role: membership.role });
    return membership;
  }

  private async member(m: EntityManager, organizationId: string, userId: string): Promise<MembershipEntity> {
    const row = isUuid(userId) ? await m.getRepository(MembershipEntity).findOneBy({ organizationId, userId }) : null;
    if (!row) throw notFound('Member');
    return row;
  }

  /** Fails when the change would leave the organization without an OWNER. */
  private static async keepAnOwner(m: EntityManager, organizationId: string, leaving: MembershipEntity): Promise<void> {
    if (leaving.role !== OrganizationRole.OWNER) return;
    const owners = await m.getRepository(MembershipEntity).countBy({ organizationId, role: OrganizationRole.OWNER });
    if (owners <= 1) throw conflict('an organization keeps at least one OWNER: make another member OWNER first');
  }

  async changeRole(scope: Scope, userId: string, role: OrganizationRole): Promise<MembershipEntity> {
    const changed = await this.ds.transaction(async (m) => {
      const row = await this.member(m, scope.organizationId, userId);
      if ((row.role === OrganizationRole.OWNER || role === OrganizationRole.OWNER) && scope.role !== OrganizationRole.OWNER) throw ownersOnly();
      if (row.role === role) return null;
      if (role !== OrganizationRole.OWNER) await OrganizationService.keepAnOwner(m, scope.organizationId, row);
      const before = row.role;
      await m.getRepository(MembershipEntity).update({ organizationId: row.organizationId, userId: row.userId }, { role });
      row.role = role;
      const user = await m.getRepository(UserEntity).findOneBy({ id: row.userId });
      await this.audit.record(scope, AuditAction.MEMBER_ROLE_CHANGED, { type: 'MEMBER', id: row.userId, label: user?.email ?? null }, { role: { from: before, to: role } }, m);
      return row;
    });
    if (!changed) return this.member(this.ds.manager, scope.organizationId, userId);
    this.bus.emit('membershipChanged', { organizationId: changed.organizationId, userId: changed.userId, role: changed.role });
    return changed;
  }

  /**
   * Removes a member (MEMBERS; owners only by owners), or the caller themselves (leaving needs no more than READ).
   * Their subscriptions and test client sessions in the organization end at once, on every instance.
   */
  async removeMember(access: RequestAccess, organizationId: string, userId: string): Promise<MembershipEntity> {
    const self = userId === access.caller().userId;
    const scope = await access.organization(organizationId, self ? Permission.READ : Permission.MEMBERS);
    const removed = await this.ds.transaction(async (m) => {
      const row = await this.member(m, scope.organizationId, userId);
      if (!self && row.role === OrganizationRole.OWNER && scope.role !== OrganizationRole.OWNER) throw ownersOnly();
      await OrganizationService.keepAnOwner(m, scope.organizationId, row);
      await m.getRepository(MembershipEntity).delete({ organizationId: row.organizationId, userId: row.userId });
      const user = await m.getRepository(UserEntity).findOneBy({ id: row.userId });
      await this.audit.record(scope, AuditAction.MEMBER_REMOVED, { type: 'MEMBER', id: row.userId, label: user?.email ?? null }, { role: row.role }, m);
      return row;
    });
    this.bus.emit('membershipChanged', { organizationId: removed.organizationId, userId: removed.userId, role: null });
    return removed;
  }

  /** Deletes an organization with no devices and certificates left (not a personal one); its API keys stop working. */
  async delete(scope: Scope): Promise<OrganizationEntity> {
    const org = await this.get(scope);
    if (org.personal) throw conflict('a personal organization cannot be deleted');
    const id = org.id;
    const devices = await this.ds.getRepository(DeviceEntity).countBy({ organizationId: id });
    const certificates = await this.ds.getRepository(CertificateEntity).countBy({ organizationId: id, deletedAt: IsNull() });
    if (devices || certificates) throw conflict(`delete its ${devices} device(s) and ${certificates} certificate(s) first`);
    const members = await this.membersOf(id);
    const keys = await this.ds.getRepository(ApiKeyEntity).findBy({ organizationId: id, revokedAt: IsNull() });
    await this.ds.transaction(async (m) => {
      await m.getRepository(ApiKeyEntity).update({ organizationId: id, revokedAt: IsNull() }, { revokedAt: this.clock() });
      await m.getRepository(InvitationEntity).delete({ organizationId: id });
      await m.getRepository(MembershipEntity).delete({ organizationId: id });
      await m.getRepository(OrganizationEntity).delete({ id });
    });
    for (const key of keys) this.bus.emit('apiKeyRevoked', { apiKeyId: key.id });
    for (const member of members) this.bus.emit('membershipChanged', { organizationId: id, userId: member.userId, role: null });
    return org;
  }
}
