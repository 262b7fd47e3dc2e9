"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AuditService = void 0;
exports.diff = diff;
const ids_js_1 = require("../broker/ids.js");
const pagination_js_1 = require("../common/pagination.js");
const audit_entity_js_1 = require("./audit.entity.js");
const clip = (s, n) => (s == null ? null : s.length > n ? s.slice(0, n) : s);
/** `{ field: { from, to } }` for the fields whose value differs (values must not be secrets). */
function diff(before, after) {
    const out = {};
    for (const key of Object.keys(after)) {
        if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null))
            out[key] = { from: before[key] ?? null, to: after[key] ?? null };
    }
    return out;
}
/** The audit trail: every change in an organization, with its actor. Written with the change (same transaction when given). */
class AuditService {
    constructor(ds, clock, 
    /** Kept like the connection log: entries older than this many days go (0: kept forever). */
    retention = { maxAgeDays: 0, intervalMs: 60_000 }) {
        this.clock = clock;
        this.retention = retention;
        this.timer = null;
        this.repo = ds.getRepository(audit_entity_js_1.AuditEntryEntity);
    }
    /** Applies the retention now and every interval (a failed pass is retried at the next one). */
    startRetention(onError) {
        if (!this.retention.maxAgeDays)
            return;
        const pass = () => void this.enforceRetention().catch(onError);
        pass();
        this.timer = setInterval(pass, this.retention.intervalMs);
        this.timer.unref();
    }
    stopRetention() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
    }
    enforceRetention() {
        return this.deleteBefore(new Date(this.clock().getTime() - this.retention.maxAgeDays * 86_400_000));
    }
    async record(scope, action, target, changes = null, manager) {
        const { principal, remoteAddress } = scope.actor;
        const time = this.clock();
        const row = {
            // Ordered within a millisecond: the trail pages by (time, id).
            id: (0, ids_js_1.sortableId)(time.getTime()),
            organizationId: scope.organizationId,
            time,
            action,
            actorType: principal.apiKey ? audit_entity_js_1.AuditActorType.API_KEY : audit_entity_js_1.AuditActorType.USER,
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
        await (manager ? manager.getRepository(audit_entity_js_1.AuditEntryEntity) : this.repo).insert(row);
    }
    /** Newest first. */
    list(organizationId, q) {
        const qb = this.repo.createQueryBuilder('a').where('a.organization_id = :organizationId', { organizationId });
        if (q.actions?.length)
            qb.andWhere('a.action IN (:...actions)', { actions: q.actions });
        if (q.actorUserId)
            qb.andWhere('a.actor_user_id = :actorUserId', { actorUserId: q.actorUserId });
        if (q.targetId)
            qb.andWhere('a.target_id = :targetId', { targetId: q.targetId });
        if (q.since)
            qb.andWhere('a.time >= :since', { since: q.since.getTime() });
        if (q.until)
            qb.andWhere('a.time < :until', { until: q.until.getTime() });
        return (0, pagination_js_1.keysetPage)(qb, { kind: 'audit', sortSql: 'a.time', idColumn: 'a.id', direction: 'DESC', keyOf: (a) => a.time.getTime(), first: q.first, after: q.after });
    }
    /** Deletes entries older than `before` (retention, like the connection log's maximum age). */
    async deleteBefore(before) {
        const result = await this.repo.createQueryBuilder().delete().from(audit_entity_js_1.AuditEntryEntity).where('time < :before', { before: before.getTime() }).execute();
        return result.affected ?? 0;
    }
}
exports.AuditService = AuditService;
//# sourceMappingURL=audit.service.js.map