import type { Aedes, Client } from 'aedes';
import type { Redis } from 'ioredis';

import type { Clock, Logger } from '../../common/index.js';
import type { ClusterRedis, LostRun, Membership } from '../../realtime/index.js';
import { cancelSessionTimers, hasLocalClient } from '../aedes-internals.js';
import { decode, encode, type StoredPacket, type StoredWill } from './codec.js';
import type { RedisPersistence } from './redis-persistence.js';
import { type Scripted, withScripts } from './scripts.js';

/** 0xFFFFFFFF: an MQTT 5 session that never expires. */
const NEVER_EXPIRES = 0xffffffff;

/** What `<prefix>:mq:live` records of a connected client: `<run>|<connected at ms>|<version>|<expiry s>|<clean 0/1>`. */
interface LiveRecord {
  run: string;
  at: number;
  version: number;
  expiry: number;
  clean: boolean;
}

const parseLive = (text: string | null): LiveRecord | null => {
  if (!text) return null;
  const [run, at, version, expiry, clean] = text.split('|');
  return { run: run!, at: Number(at), version: Number(version), expiry: Number(expiry), clean: clean === '1' };
};

/** The instance id of a run id (`<instanceId>~<random>`). */
const instanceOf = (run: string): string => run.slice(0, run.lastIndexOf('~'));

/** Publishes the will of a client whose connection was lost with its instance, as that client (false: dropped). */
export type WillPublisher = (clientId: string, will: StoredPacket) => Promise<boolean>;

/**
 * What the cluster must know about MQTT sessions beyond aedes' own (per-instance) timers:
 * - which run holds each client's connection (`mq:live`), so that a run that dies leaves a record of its clients;
 * - when disconnected MQTT 5 sessions expire (`mq:expiring`), swept by every instance (aedes' timer lives only in
 *   the instance where the client disconnected, and dies with it);
 * - the wills of dead runs (`mq:duewill`), published once, cluster-wide, when due (after their will delay,
 *   counted from the run's last heartbeat), unless the client reconnected within the delay.
 * When another instance takes over a client id, this instance cancels its timers for it and drops its will record.
 */
export class ClusterSessions {
  private readonly redis: Scripted<Redis>;
  private broker: Aedes | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly remoteTakeovers = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly cluster: ClusterRedis,
    private readonly persistence: RedisPersistence,
    private readonly membership: Membership,
    private readonly publishWill: WillPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.redis = withScripts(cluster.cmd);
  }

  private key(...parts: string[]): string {
    return this.cluster.key('mq', ...parts);
  }

  private get runId(): string {
    return this.membership.runId;
  }

  /** Follows the broker's connections; starts sweeping expired sessions and due wills. */
  attach(broker: Aedes): void {
    this.broker = broker;
    broker.on('client', (client) => this.track(this.registered(client)));
    broker.on('clientDisconnect', (client) => this.track(this.released(client)));
    broker.subscribe(
      '$SYS/+/new/clients',
      (packet, done) => {
        const serverId = packet.topic.split('/')[1];
        if (serverId && serverId !== broker.id) this.takenOverElsewhere(String(packet.payload));
        done();
      },
      () => undefined,
    );
    this.membership.onLost((run) => this.takeOver(run));
    this.membership.onLeaseLost(() => {
      for (const client of Object.values((broker as unknown as { clients: Record<string, Client> }).clients)) this.track(this.registered(client));
    });
    this.schedule();
  }

  /** Stops sweeping; waits for what is under way. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.broker = null;
    await this.sweeping;
    await Promise.all([...this.background]);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.log.warn(`cluster session bookkeeping failed: ${err instanceof Error ? err.message : String(err)}`));
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
  }

  private async registered(client: Client): Promise<void> {
    const now = this.clock().getTime();
    const expiry = client.version === 5 ? client.sessionExpiryInterval : 0;
    const record = `${this.runId}|${now}|${client.version}|${expiry}|${client.clean ? 1 : 0}`;
    await this.redis.porticoRegister(this.key('live'), this.key('expiring'), this.key('duewill'), this.key('duebody'), client.id, record, now);
  }

  private async released(client: Client): Promise<void> {
    const id = client.id;
    if (this.remoteTakeovers.delete(id)) {
      // aedes arms its timers for this session right after this event: cancel them once it has.
      setImmediate(() => this.dropLocalSession(id));
      return;
    }
    const e = client.version === 5 ? client.sessionExpiryInterval : 0;
    const expireAt = e > 0 && e < NEVER_EXPIRES ? this.clock().getTime() + e * 1000 : 0;
    await this.redis.porticoRelease(this.key('live'), this.key('expiring'), id, this.runId, expireAt);
  }

  /** Another instance registered `clientId`: its session continues there. */
  private takenOverElsewhere(clientId: string): void {
    const broker = this.broker;
    if (!broker) return;
    if (hasLocalClient(broker, clientId)) this.remoteTakeovers.add(clientId);
    else this.dropLocalSession(clientId);
  }

  private dropLocalSession(clientId: string): void {
    if (this.broker && !hasLocalClient(this.broker, clientId)) cancelSessionTimers(this.broker, clientId);
    this.track(this.persistence.delWill({ id: clientId, brokerId: this.runId }));
  }

  // ---- a dead run -----------------------------------------------------------------------------------------------

  /**
   * Takes over what a dead run left: its wills become due (after their delay, from its last heartbeat) unless the
   * client reconnected within the delay; its clients' sessions expire as they would have (MQTT 5: after the Session
   * Expiry Interval; clean sessions at once; MQTT 3.1.1 persistent sessions are kept).
   */
  async takeOver(run: LostRun): Promise<void> {
    const diedAt = run.lastSeen.getTime();
    const wills = await this.persistence.willsOf(run.runId);
    for (const [clientId, will] of wills) {
      const due = diedAt + will.d * 1000;
      const live = parseLive(await this.redis.hget(this.key('live'), clientId));
      if (will.d > 0 && live && live.run !== run.runId && live.at < due) continue;
      const member = `${run.runId}|${clientId}`;
      await this.redis.multi().hset(this.key('duebody'), member, encode(will)).zadd(this.key('duewill'), due, member).exec();
    }
    await this.redis.multi().del(this.key('will', run.runId)).srem(this.key('willruns'), run.runId).exec();
    let cursor = '0';
    do {
      const [next, entries] = await this.redis.hscan(this.key('live'), cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i < entries.length; i += 2) {
        const live = parseLive(entries[i + 1]!);
        if (live?.run !== run.runId) continue;
        await this.endDeadConnection(entries[i]!, live, diedAt);
      }
    } while (cursor !== '0');
    if (wills.size) this.log.info(`${wills.size} wills of ${run.runId} taken over`);
    await this.sweep();
  }

  private async endDeadConnection(clientId: string, live: LiveRecord, diedAt: number): Promise<void> {
    const finite = live.version === 5 && live.expiry > 0 && live.expiry < NEVER_EXPIRES;
    const released = await this.redis.porticoRelease(this.key('live'), this.key('expiring'), clientId, live.run, finite ? diedAt + live.expiry * 1000 : 0);
    const endsNow = live.version === 5 ? live.expiry === 0 : live.clean;
    if (released && endsNow) await this.persistence.wipeSession(clientId);
  }

  // ---- sweeping -------------------------------------------------------------------------------------------------

  private schedule(): void {
    if (!this.broker) return;
    this.timer = setTimeout(
      () => {
        this.sweep().finally(() => this.schedule());
      },
      Math.max(50, Math.min(1000, Math.floor(this.membership.leaseMs / 4))),
    );
    this.timer.unref();
  }

  /** Expires the sessions and publishes the wills that are due (each claimed by one instance). */
  sweep(): Promise<void> {
    return (this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = null)));
  }

  private async sweepOnce(): Promise<void> {
    try {
      const now = this.clock().getTime();
      for (const clientId of await this.redis.zrangebyscore(this.key('expiring'), '-inf', now, 'LIMIT', 0, 100)) {
        if ((await this.redis.porticoClaimExpiry(this.key('live'), this.key('expiring'), clientId)) === 1) await this.persistence.wipeSession(clientId);
      }
      const due = await this.redis.zrangebyscore(this.key('duewill'), '-inf', now, 'WITHSCORES', 'LIMIT', 0, 100);
      for (let i = 0; i < due.length && this.broker; i += 2) await this.publishDue(due[i]!, Number(due[i + 1]));
    } catch (err) {
      this.log.warn(`sweeping shared sessions failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async publishDue(member: string, due: number): Promise<void> {
    const blob = (await this.redis.porticoClaimWillBuffer(this.key('duewill'), this.key('duebody'), member)) as Buffer | null;
    if (!blob) return;
    const will = decode<StoredWill>(blob);
    const run = member.slice(0, member.indexOf('|'));
    const clientId = member.slice(member.indexOf('|') + 1);
    const live = parseLive(await this.redis.hget(this.key('live'), clientId));
    // Still connected to a run that is alive after all (its lease had lapsed), or reconnected within the will delay.
    if (live?.run === run && (await this.membership.liveRun(instanceOf(run))) === run) return;
    if (will.d > 0 && live && live.run !== run && live.at < due) return;
    try {
      if (await this.publishWill(clientId, will.p)) this.log.info(`published the will of ${clientId}, left by ${run}`);
    } catch (err) {
      this.log.warn(`could not publish the will of ${clientId} (retried in a second): ${err instanceof Error ? err.message : String(err)}`);
      await this.redis
        .multi()
        .hset(this.key('duebody'), member, blob)
        .zadd(this.key('duewill'), this.clock().getTime() + 1000, member)
        .exec();
    }
  }
}
