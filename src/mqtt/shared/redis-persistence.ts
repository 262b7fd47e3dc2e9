import { Readable } from 'node:stream';

import type { Redis } from 'ioredis';

import { type Logger, topicMatches } from '../../common/index.js';
import type { ClusterRedis } from '../../realtime/index.js';
import { type ClientRef, copyPacket, decode, encode, firstLevel, type StoredPacket, type StoredWill, type SubsChange, type Subscription, type SubscriptionRecord } from './codec.js';
import { FilterIndex, type IndexedSubscription } from './filter-index.js';
import { type Scripted, type ScriptedPipeline, withScripts } from './scripts.js';

const hasWildcard = (filter: string): boolean => filter.includes('+') || filter.includes('#');

/**
 * An aedes persistence (the async interface of aedes 2, checked with aedes-persistence's abstract tests) keeping
 * every piece of MQTT state in Redis, shared by all instances: retained messages (a hash per first topic level),
 * persistent subscriptions, QoS 1/2 queues with their message ids, QoS 2 incoming state and wills (per broker run).
 * Each instance indexes the persistent QoS 1/2 subscriptions in memory to know which sessions a PUBLISH is queued
 * for, kept in step over a Redis channel (and reloaded whenever that channel was interrupted).
 *
 * Beyond the interface: `cleanSubscriptions` also drops the client's incoming QoS 2 state (what `cleanIncoming`
 * does in newer persistences; aedes 2.0.0-beta.1 does not call it), and `wipeSession` ends a session of a client
 * connected nowhere (expiry handled by another instance).
 */
export class RedisPersistence {
  private broker: { id: string } | null = null;
  private readonly redis: Scripted<Redis>;
  private readonly index = new FilterIndex();
  /** Clients whose queue is being sent (after a resume), with the entries sent so far. */
  private readonly draining = new Map<string, Set<string>>();
  /** What was sent from a client's queue lately: a live copy arriving after its queued one is not sent again. */
  private readonly recentlySent = new Map<string, Set<string>>();
  /** Entries of a queue being sent whose message id was just set: the next forward of each is the queued copy. */
  private readonly replaying = new Set<string>();
  private destroyed = false;

  constructor(
    private readonly cluster: ClusterRedis,
    private readonly log: Logger,
  ) {
    this.redis = withScripts(cluster.cmd);
  }

  private get runId(): string {
    return this.broker?.id ?? 'unknown';
  }

  private key(...parts: string[]): string {
    return this.cluster.key('mq', ...parts);
  }

  private outKeys(clientId: string): [string, string, string, string] {
    return [this.key('out', clientId), this.key('outp', clientId), this.key('outm', clientId), this.key('outi', clientId)];
  }

  async setup(broker: { id: string }): Promise<void> {
    this.broker = broker;
    let loading: SubsChange[] | null = [];
    await this.cluster.listen(this.key('subs'), (message) => {
      const change = decode<SubsChange>(message);
      if (change.from === this.runId) return;
      if (loading) loading.push(change);
      else this.apply(change);
    });
    await this.loadIndex();
    for (const change of loading) this.apply(change);
    loading = null;
    this.cluster.onResubscribed(() => {
      this.loadIndex().catch((err: unknown) => this.log.error('could not reload the persistent subscriptions from Redis', err));
    });
  }

  /** Rebuilds the subscription index from Redis. */
  private async loadIndex(): Promise<void> {
    const clients = await this.redis.smembers(this.key('clients'));
    const next: IndexedSubscription[] = [];
    for (let i = 0; i < clients.length; i += 200) {
      const batch = clients.slice(i, i + 200);
      const p = this.redis.pipeline();
      for (const id of batch) p.hgetallBuffer(this.key('subs', id));
      const results = (await p.exec()) ?? [];
      results.forEach(([err, hash], n) => {
        if (err || !hash) return;
        for (const [topic, blob] of Object.entries(hash as Record<string, Buffer>)) {
          const rec = decode<SubscriptionRecord>(blob);
          if (rec.qos > 0) next.push({ clientId: batch[n]!, topic, qos: rec.qos, rh: rec.rh, rap: rec.rap, nl: rec.nl });
        }
      });
    }
    this.index.clear();
    for (const sub of next) this.index.add(sub);
  }

  private apply(change: SubsChange): void {
    if (change.op === 'add') {
      for (const s of change.subs as IndexedSubscription[]) {
        if (s.qos > 0) this.index.add({ ...s, clientId: change.clientId });
        else this.index.remove(change.clientId, s.topic);
      }
    } else {
      for (const topic of change.subs as string[]) this.index.remove(change.clientId, topic);
    }
  }

  private announce(change: Omit<SubsChange, 'from'>): Promise<unknown> {
    return this.cluster.publish(this.key('subs'), encode({ ...change, from: this.runId }));
  }

  // ---- retained messages ----------------------------------------------------------------------------------------

  async storeRetained(packet: StoredPacket & { topic: string; payload: Buffer | string }): Promise<void> {
    const level = firstLevel(packet.topic);
    if (packet.payload.length === 0) {
      await this.redis.hdel(this.key('ret', level), packet.topic);
      return;
    }
    await this.redis
      .multi()
      .hset(this.key('ret', level), packet.topic, encode({ ...packet }))
      .sadd(this.key('retl'), level)
      .exec();
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.retained(patterns));
  }

  private async *retained(patterns: string[]): AsyncGenerator<StoredPacket> {
    const sent = new Set<string>();
    const wildcards: string[] = [];
    for (const p of patterns) {
      if (hasWildcard(p)) {
        wildcards.push(p);
        continue;
      }
      const blob = await this.redis.hgetBuffer(this.key('ret', firstLevel(p)), p);
      if (blob && !sent.has(p)) {
        sent.add(p);
        yield decode<StoredPacket>(blob);
      }
    }
    if (!wildcards.length) return;
    const levels = new Set<string>();
    for (const p of wildcards) {
      const level = firstLevel(p);
      if (hasWildcard(level)) for (const l of await this.redis.smembers(this.key('retl'))) levels.add(l);
      else levels.add(level);
    }
    for (const level of levels) {
      let cursor = '0';
      do {
        const [next, entries] = await this.redis.hscanBuffer(this.key('ret', level), cursor, 'COUNT', 200);
        cursor = next.toString();
        for (let i = 0; i < entries.length; i += 2) {
          const topic = entries[i]!.toString();
          if (sent.has(topic) || !wildcards.some((p) => topicMatches(p, topic))) continue;
          sent.add(topic);
          yield decode<StoredPacket>(entries[i + 1]!);
        }
      } while (cursor !== '0');
    }
  }

  // ---- subscriptions --------------------------------------------------------------------------------------------

  async addSubscriptions(client: ClientRef, subs: Subscription[]): Promise<void> {
    if (!subs.length) return;
    const m = this.redis.multi();
    for (const sub of subs) {
      const rec: SubscriptionRecord = { qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
      if (sub.subscriptionIdentifier !== undefined) rec.subscriptionIdentifier = sub.subscriptionIdentifier;
      m.hset(this.key('subs', client.id), sub.topic, encode(rec));
    }
    await m.sadd(this.key('clients'), client.id).exec();
    const indexed = subs.map((s) => ({ clientId: client.id, topic: s.topic, qos: s.qos, rh: s.rh, rap: s.rap, nl: s.nl }));
    this.apply({ from: this.runId, op: 'add', clientId: client.id, subs: indexed });
    await this.announce({ op: 'add', clientId: client.id, subs: indexed });
  }

  async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    if (!topics.length) return;
    await this.redis.porticoUnsubscribe(this.key('subs', client.id), this.key('clients'), client.id, ...topics);
    this.apply({ from: this.runId, op: 'rm', clientId: client.id, subs: topics });
    await this.announce({ op: 'rm', clientId: client.id, subs: topics });
  }

  async subscriptionsByClient(client: ClientRef): Promise<Subscription[]> {
    const hash = await this.redis.hgetallBuffer(this.key('subs', client.id));
    return Object.entries(hash).map(([topic, blob]) => ({ topic, ...decode<SubscriptionRecord>(blob) }));
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return { subsCount: this.index.size, clientsCount: await this.redis.scard(this.key('clients')) };
  }

  async subscriptionsByTopic(topic: string): Promise<IndexedSubscription[]> {
    return this.index.match(topic);
  }

  /** Removes the client's subscriptions and its incoming QoS 2 state (a clean start, or the session ended). */
  async cleanSubscriptions(client: ClientRef): Promise<ClientRef> {
    const topics = await this.redis.hkeys(this.key('subs', client.id));
    await this.removeSubscriptions(client, topics);
    await this.redis.del(this.key('in', client.id));
    return client;
  }

  /** Ends the session of a client connected nowhere: subscriptions, queued and incoming messages. */
  async wipeSession(clientId: string): Promise<void> {
    await this.cleanSubscriptions({ id: clientId });
    await this.redis.del(...this.outKeys(clientId));
  }

  getClientList(topic: string): Readable {
    const gen = async function* (this: RedisPersistence): AsyncGenerator<string> {
      // A Redis set has no order (it differs between servers and restarts): sorted, so every instance lists the same.
      const clients = (await this.redis.smembers(this.key('clients'))).sort();
      for (const id of clients) if (await this.redis.hexists(this.key('subs', id), topic)) yield id;
    };
    return Readable.from(gen.call(this));
  }

  // ---- outgoing (QoS 1/2 to clients) ----------------------------------------------------------------------------

  private entryKey(packet: StoredPacket): string {
    return packet.brokerId ? `${packet.brokerId}:${packet.brokerCounter ?? 0}` : `anon:${process.hrtime.bigint()}:${Math.random()}`;
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: StoredPacket): Promise<void> {
    await this.outgoingEnqueueCombi([sub], packet);
  }

  async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: StoredPacket): Promise<void> {
    if (!subs?.length) return;
    const key = this.entryKey(packet);
    const blob = encode(copyPacket(packet));
    const m = this.redis.multi() as unknown as ScriptedPipeline;
    for (const sub of subs) {
      const [out, outp] = this.outKeys(sub.clientId);
      m.porticoEnqueue(out, outp, key, blob);
    }
    await m.exec();
  }

  /**
   * A queued message gets its message id before it is sent (or a QoS 2 one is replaced by its PUBREL). A PUBLISH
   * that was not queued for this client (its subscription reached the publishing instance late) is queued now, so
   * it is sent again if the connection ends before the acknowledgement.
   */
  async outgoingUpdate(client: ClientRef, packet: StoredPacket): Promise<void> {
    const keys = this.outKeys(client.id);
    const messageId = String(packet.messageId);
    if (packet.brokerId) {
      const key = this.entryKey(packet);
      if ((this.draining.get(client.id) ?? this.recentlySent.get(client.id))?.has(key)) this.replaying.add(`${client.id}\u0000${key}`);
      await this.redis.porticoUpdate(...keys, this.entryKey(packet), messageId, encode(copyPacket(packet)));
      return;
    }
    const replaced = await this.redis.porticoReplace(keys[1], keys[2], keys[3], messageId, encode({ ...packet }));
    if (!replaced) throw new Error('no such packet');
  }

  async outgoingClearMessageId(client: ClientRef, packet: { messageId?: number } | number): Promise<StoredPacket | undefined> {
    const messageId = typeof packet === 'object' && packet ? packet.messageId : undefined;
    if (messageId === undefined) return undefined;
    const blob = (await this.redis.porticoClearBuffer(...this.outKeys(client.id), String(messageId))) as Buffer | null;
    if (!blob) return undefined;
    const found = decode<StoredPacket>(blob);
    found.messageId = messageId;
    return found;
  }

  /**
   * The client's queue, in order. It reads the queue again until nothing new is found: a message queued while the
   * queue is being sent is sent from it too (its live copy is held back meanwhile, see `holdsBack`), after those
   * queued before it ([MQTT-4.6.0-6] order).
   */
  outgoingStream(client: ClientRef): Readable {
    const [out, outp, outm] = this.outKeys(client.id);
    const r = this.redis;
    const sent = new Set<string>();
    const draining = this.draining;
    const recent = this.recentlySent;
    async function* queued(): AsyncGenerator<StoredPacket> {
      draining.set(client.id, sent);
      try {
        for (let fresh = true; fresh;) {
          const keys = (await r.lrange(out, 0, -1)).filter((k) => !sent.has(k));
          fresh = keys.length > 0;
          for (let i = 0; i < keys.length; i += 100) {
            const batch = keys.slice(i, i + 100);
            const [blobs, ids] = await Promise.all([r.hmgetBuffer(outp, ...batch), r.hmget(outm, ...batch)]);
            for (let n = 0; n < batch.length; n++) {
              sent.add(batch[n]!);
              const blob = blobs[n];
              if (!blob) continue;
              const packet = decode<StoredPacket>(blob);
              const id = ids[n];
              if (id != null) packet.messageId = Number(id);
              yield packet;
            }
          }
        }
      } finally {
        if (draining.get(client.id) === sent) draining.delete(client.id);
        recent.set(client.id, sent);
        setTimeout(() => recent.get(client.id) === sent && recent.delete(client.id), 10_000).unref();
      }
    }
    // One packet read ahead at most: the queue is read again when it has been sent.
    return Readable.from(queued(), { highWaterMark: 1 });
  }

  /**
   * Whether a live copy of a QoS 1/2 message for a persistent session is not to be sent: the session's queue is
   * being sent (the message, queued too, is sent from there, in order), or it was sent from the queue lately.
   */
  holdsBack(clientId: string, packet: { brokerId?: string; brokerCounter?: number }): boolean {
    if (!packet.brokerId) return false;
    const key = this.entryKey(packet as StoredPacket);
    // The queued copy itself (aedes sets its message id, then forwards it).
    if (this.replaying.delete(`${clientId}\u0000${key}`)) return false;
    return this.draining.has(clientId) || Boolean(this.recentlySent.get(clientId)?.has(key));
  }

  // ---- incoming QoS 2 -------------------------------------------------------------------------------------------

  async incomingStorePacket(client: ClientRef, packet: StoredPacket): Promise<void> {
    const copy = copyPacket(packet);
    copy.messageId = packet.messageId;
    await this.redis.hset(this.key('in', client.id), String(packet.messageId), encode(copy));
  }

  async incomingGetPacket(client: ClientRef, packet: { messageId?: number }): Promise<StoredPacket> {
    const blob = await this.redis.hgetBuffer(this.key('in', client.id), String(packet.messageId));
    if (!blob) throw new Error('no such packet');
    return decode<StoredPacket>(blob);
  }

  async incomingDelPacket(client: ClientRef, packet: { messageId?: number }): Promise<void> {
    await this.redis.hdel(this.key('in', client.id), String(packet.messageId));
  }

  // ---- wills (per broker run: a dead run's wills are taken over by a surviving instance) --------------------------

  async putWill(client: ClientRef, packet: StoredPacket & { properties?: { willDelayInterval?: number } }): Promise<void> {
    const run = this.runId;
    packet.brokerId = run;
    packet.clientId = client.id;
    const delay = client.version === 5 ? Math.min(packet.properties?.willDelayInterval ?? 0, client.sessionExpiryInterval ?? 0) : 0;
    const will: StoredWill = { p: { ...packet }, d: delay };
    await this.redis.multi().hset(this.key('will', run), client.id, encode(will)).sadd(this.key('willruns'), run).exec();
  }

  async getWill(client: ClientRef): Promise<StoredPacket | undefined> {
    const blob = await this.redis.hgetBuffer(this.key('will', client.brokerId ?? this.runId), client.id);
    return blob ? decode<StoredWill>(blob).p : undefined;
  }

  /** Deletes the will the client left on broker run `client.brokerId` (this one when absent). */
  async delWill(client: ClientRef): Promise<StoredPacket | undefined> {
    const blob = (await this.redis.porticoTakeBuffer(this.key('will', client.brokerId ?? this.runId), client.id)) as Buffer | null;
    return blob ? decode<StoredWill>(blob).p : undefined;
  }

  streamWill(brokers: Record<string, unknown> = {}): Readable {
    const gen = async function* (this: RedisPersistence): AsyncGenerator<StoredPacket> {
      for (const run of await this.redis.smembers(this.key('willruns'))) {
        if (brokers[run]) continue;
        for (const blob of Object.values(await this.redis.hgetallBuffer(this.key('will', run)))) yield decode<StoredWill>(blob).p;
      }
    };
    return Readable.from(gen.call(this));
  }

  /** The wills a broker run left (client id → will packet and delay in seconds), for the instance taking it over. */
  async willsOf(run: string): Promise<Map<string, StoredWill>> {
    const hash = await this.redis.hgetallBuffer(this.key('will', run));
    return new Map(Object.entries(hash).map(([id, blob]) => [id, decode<StoredWill>(blob)]));
  }

  async destroy(): Promise<void> {
    if (this.destroyed) throw new Error('destroyed called twice!');
    this.destroyed = true;
    await this.cluster.unlisten(this.key('subs'));
  }
}
