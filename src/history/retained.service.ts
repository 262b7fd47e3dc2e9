import type { Aedes, Client, PublishPacket } from 'aedes';
import type { DataSource, Repository } from 'typeorm';

import {
  type Clock,
  decodeCursor,
  isUuid,
  keysetQuery,
  type Logger,
  type MessageProperties,
  messageProperties,
  type PacketProperties,
  packetProperties,
  type Page,
  pageSize,
  planTopicFilter,
  toPage,
  topicMatches,
} from '../common/index.js';
import { encodePayload } from './device-event.service.js';
import { LATEST_TOPIC_MAX_CHARS } from './latest-values.js';
import { RetainedMessageEntity } from './retained.entity.js';
import { PayloadEncoding } from './stored-message.js';

/** A PUBLISH as the broker reports it (topic inside the namespace: `<organizationId>/<topic>`). */
export interface BrokerPublish {
  topic: string;
  payload: Buffer | string;
  qos: number;
  retain: boolean;
  properties?: PacketProperties;
}

/** A retained message to publish again into the broker (restore after a restart). */
export interface RetainedPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: true;
  properties?: ReturnType<typeof packetProperties>;
}

type Pending = { row: RetainedMessageEntity | null; organizationId: string; topic: string };

const FLUSH_MS = 50;

/**
 * Retained messages per organization: recorded from the broker's publishes (set by a non-empty retained PUBLISH,
 * cleared by an empty one, [MQTT-3.3.1-6]/[MQTT-3.3.1-7]), written in small batches (the last one per topic wins),
 * listed and paged by topic. Topics longer than 1024 characters are retained by the broker but not listed.
 */
export class RetainedMessages {
  private readonly repo: Repository<RetainedMessageEntity>;
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Packets being put back into the broker by `restore` (not recorded again). */
  private readonly restoring = new WeakSet<object>();

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.repo = ds.getRepository(RetainedMessageEntity);
  }

  /**
   * Records the broker's retained publishes (`deviceOf`: the publishing client's device id); with `restore`, first
   * puts back what was recorded before (an in-memory broker store starts empty).
   */
  async attach(broker: Aedes, deviceOf: (client: Client) => string | null, restore: boolean): Promise<void> {
    broker.on('publish', (packet, client) => this.observe(packet, client ? deviceOf(client) : null));
    if (restore) await this.restore((p) => new Promise((ok, fail) => broker.publish(p as PublishPacket, (e?: Error) => (e ? fail(e) : ok()))));
  }

  /** From the broker's 'publish' event: a retained PUBLISH in an organization's namespace, from `deviceId` (null: the platform). */
  observe(packet: BrokerPublish, deviceId: string | null): void {
    if (!packet.retain || this.restoring.has(packet)) return;
    const slash = packet.topic.indexOf('/');
    const organizationId = packet.topic.slice(0, slash);
    const topic = packet.topic.slice(slash + 1);
    if (slash < 0 || !isUuid(organizationId) || topic.length > LATEST_TOPIC_MAX_CHARS) return;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const row = payload.length
      ? this.repo.create({ organizationId, topic, ...encodePayload(payload), qos: packet.qos, retain: true, properties: messageProperties(packet.properties), publishedAt: this.clock(), deviceId })
      : null;
    this.pending.set(`${organizationId}\u0000${topic}`, { row, organizationId, topic });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is pending (also on close); a failed write is logged and retried with the next one. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.pending.values()];
    this.pending.clear();
    if (!batch.length) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await this.ds.transaction(async (m) => {
          const repo = m.getRepository(RetainedMessageEntity);
          for (const p of batch) {
            if (p.row) await repo.upsert(p.row as never, ['organizationId', 'topic']);
            else await repo.delete({ organizationId: p.organizationId, topic: p.topic });
          }
        });
      } catch (err) {
        this.log.warn('retained messages: a write failed, retrying', err);
        for (const p of batch) if (!this.pending.has(`${p.organizationId}\u0000${p.topic}`)) this.pending.set(`${p.organizationId}\u0000${p.topic}`, p);
        this.timer ??= setTimeout(() => void this.flush(), 1000);
      }
    });
    return this.flushing;
  }

  async get(organizationId: string, topic: string): Promise<RetainedMessageEntity | null> {
    await this.flush();
    return this.repo.findOneBy({ organizationId, topic });
  }

  /** An organization's retained messages by topic, matching an MQTT topic filter (default `#`). */
  async list(organizationId: string, q: { topic?: string | null; first?: number | null; after?: string | null }): Promise<Page<RetainedMessageEntity>> {
    await this.flush();
    const qb = this.repo.createQueryBuilder('r').where('r.organization_id = :organizationId', { organizationId });
    const filter = q.topic ?? '#';
    const plan = planTopicFilter(filter);
    if (plan.exact !== undefined) qb.andWhere('r.topic = :exact', { exact: plan.exact });
    else if (plan.startsWith !== undefined) qb.andWhere('(r.topic = :parent OR substr(r.topic, 1, :n) = :starts)', { parent: plan.parent, n: plan.startsWith.length, starts: plan.startsWith });
    const options = { kind: 'retained', sortSql: 'r.topic', idColumn: 'r.topic', direction: 'ASC' as const, keyOf: (r: RetainedMessageEntity) => r.topic, first: q.first, after: q.after };
    const withId = (rows: RetainedMessageEntity[]) => rows.map((r) => Object.assign(r, { id: r.topic }));
    if (!plan.regex) {
      const rows = withId(await keysetQuery(qb, options).getMany());
      return toPage(rows, options, () => qb.getCount());
    }
    // `+` filters: the database narrows by organization (and cursor), the filter decides.
    const scan = qb.clone().orderBy('r.topic', 'ASC');
    if (q.after) scan.andWhere('r.topic > :after', { after: String(decodeCursor('retained', q.after).value) });
    const matching = (rows: RetainedMessageEntity[]) => rows.filter((r) => topicMatches(filter, r.topic));
    const rows = withId(matching(await scan.getMany()).slice(0, pageSize(q.first) + 1));
    return toPage(rows, options, async () => matching(await qb.getMany()).length);
  }

  /** Puts every recorded retained message back into a broker that lost them (in-memory store, after a restart). */
  async restore(publish: (packet: RetainedPublish) => Promise<void>): Promise<number> {
    const rows = await this.repo.find();
    for (const r of rows) {
      const packet: RetainedPublish = {
        topic: `${r.organizationId}/${r.topic}`,
        payload: r.payloadEncoding === PayloadEncoding.BASE64 ? Buffer.from(r.payload, 'base64') : Buffer.from(r.payload, 'utf8'),
        qos: r.qos as 0 | 1 | 2,
        retain: true,
        ...(r.properties ? { properties: packetProperties(r.properties as MessageProperties) } : {}),
      };
      this.restoring.add(packet);
      await publish(packet);
    }
    return rows.length;
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
