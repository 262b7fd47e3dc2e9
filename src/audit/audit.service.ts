import type { DataSource, EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';

import type { Scope } from '../access/index.js';
import { type Clock, keysetPage, type Page, sortableId } from '../common/index.js';
import { type AuditAction, AuditActorType, AuditEntryEntity } from './audit.entity.js';

export interface AuditTarget {
  type: 'DEVICE' | 'CERTIFICATE' | 'MEMBER' | 'INVITATION' | 'API_KEY' | 'TOPIC' | 'ORGANIZATION' | 'TEST_CLIENT_SESSION';
  id?: string | null;
  label?: string | null;
}

export interface AuditQuery {
  actions?: AuditAction[] | null;
  actorUserId?: string | null;
  targetId?: string | null;
  since?: Date | null;
  until?: Date | null;
  first?: number | null;
  after?: string | null;
}

const clip = (s: string | null | undefined, n: number): string | null => (s == null ? null : s.length > n ? s.slice(0, n) : s);

/** `{ field: { from, to } }` for the fields whose value differs (values must not be secrets). */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) out[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  return out;
}

/** The audit trail: every change in an organization, with its actor. Written with the change (same transaction when given). */
export class AuditService {
  private readonly repo: Repository<AuditEntryEntity>;

  private timer: NodeJS.Timeout | null = null;

  constructor(
    ds: DataSource,
    private readonly clock: Clock,
    /** Kept like the connection log: entries older than this many days go (0: kept forever). */
    private readonly retention: { maxAgeDays: number; intervalMs: number } = { maxAgeDays: 0, intervalMs: 60_000 },
  ) {
    this.repo = ds.getRepository(AuditEntryEntity);
  }

  /** Applies the retention now and every interval (a failed pass is retried at the next one). */
  startRetention(onError: (err: unknown) => void): void {
    if (!this.retention.maxAgeDays) return;
    const pass = () => void this.enforceRetention().catch(onError);
    pass();
    this.timer = setInterval(pass, this.retention.intervalMs);
    this.timer.unref();
  }

  stopRetention(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  enforceRetention(): Promise<number> {
    return this.deleteBefore(new Date(this.clock().getTime() - this.retention.maxAgeDays * 86_400_000));
  }

  async record(scope: Scope, action: AuditAction, target: AuditTarget, changes: Record<string, unknown> | null = null, manager?: EntityManager): Promise<void> {
    const { principal, remoteAddress } = scope.actor;
    const time = this.clock();
    const row: AuditEntryEntity = {
      // Ordered within a millisecond: the trail pages by (time, id).
      id: sortableId(time.getTime()),
      organizationId: scope.organizationId,
      time,
      action,
      actorType: principal.apiKey ? AuditActorType.API_KEY : AuditActorType.USER,
      actorUserId: principal.userId,
      actorApiKeyId: principal.apiKey?.id ?? null,
      actorLabel: clip(principal.label, 300) ?? '',
      remoteAddress: clip(remoteAddress, 64),
      targetType: target.type,
      targetId: clip(target.id, 64),
      targetLabel: clip(target.label, 300),
      changes: changes && Object.keys(changes).length ? changes : null,
    };
    // `changes` is JSON text through its transformer; TypeORM's insert type does not see through transformers.
    await (manager ? manager.getRepository(AuditEntryEntity) : this.repo).insert(row as QueryDeepPartialEntity<AuditEntryEntity>);
  }

  /** Newest first. */
  list(organizationId: string, q: AuditQuery): Promise<Page<AuditEntryEntity>> {
    const qb = this.repo.createQueryBuilder('a').where('a.organization_id = :organizationId', { organizationId });
    if (q.actions?.length) qb.andWhere('a.action IN (:...actions)', { actions: q.actions });
    if (q.actorUserId) qb.andWhere('a.actor_user_id = :actorUserId', { actorUserId: q.actorUserId });
    if (q.targetId) qb.andWhere('a.target_id = :targetId', { targetId: q.targetId });
    if (q.since) qb.andWhere('a.time >= :since', { since: q.since.getTime() });
    if (q.until) qb.andWhere('a.time < :until', { until: q.until.getTime() });
    return keysetPage(qb, { kind: 'audit', sortSql: 'a.time', idColumn: 'a.id', direction: 'DESC', keyOf: (a) => a.time.getTime(), first: q.first, after: q.after });
  }

  /** Deletes entries older than `before` (retention, like the connection log's maximum age). */
  async deleteBefore(before: Date): Promise<number> {
    const result = await this.repo.createQueryBuilder().delete().from(AuditEntryEntity).where('time < :before', { before: before.getTime() }).execute();
    return result.affected ?? 0;
  }
}
