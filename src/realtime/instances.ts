import crypto from 'node:crypto';

import type { Clock, Logger } from '../common/index.js';
import type { ClusterRedis } from './cluster-redis.js';

/** A run (process lifetime) of an instance that is gone: what it held is to be taken over. */
export interface LostRun {
  instanceId: string;
  /** The run's id (`<instanceId>~<random>`): the aedes broker id, and the key of what it left in Redis. */
  runId: string;
  /** Its last heartbeat: when it was last known alive. */
  lastSeen: Date;
  /** When it was claimed: devices that connected later are not its. */
  claimedAt: Date;
  /** Claimed by a new run of the same instance at its start (rather than by a surviving instance). */
  restarted: boolean;
}

export type LostRunHandler = (run: LostRun) => Promise<void>;

/** A new run id for this process: `<instanceId>~<8 hex>`. */
export const newRunId = (instanceId: string): string => `${instanceId}~${crypto.randomBytes(4).toString('hex')}`;

// KEYS: instances hash, lease of the instance; ARGV: instance id, the entry expected. Claims a run whose lease ran out.
const CLAIM_LOST = `if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local v = redis.call('HGET', KEYS[1], ARGV[1]) if v ~= ARGV[2] then return false end
redis.call('HDEL', KEYS[1], ARGV[1]) return v`;
// KEYS: instances hash; ARGV: instance id, this run. Claims this instance's previous run (at start).
const CLAIM_PREVIOUS = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v or string.sub(v, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then return false end
redis.call('HDEL', KEYS[1], ARGV[1]) return v`;

/**
 * Instance leases in Redis. Each run renews `<prefix>:lease:<instanceId>` (value: its run id, expiring after
 * `leaseMs`) every quarter of the lease and records `<runId>|<time>` in `<prefix>:instances`. Every quarter of the
 * lease each instance looks for entries whose lease has run out and claims them (atomically: one claimer per run),
 * then runs the handlers (devices OFFLINE, wills, sessions, test clients). A new run claims its own previous run at
 * start. An instance only claims others after it has itself renewed its lease for a whole lease period without
 * failure (so after a Redis outage nobody mistakes a live instance for a dead one); an instance that finds its own
 * lease gone reports it (`onLeaseLost`) so it can re-assert what it holds.
 */
export class Membership {
  private readonly handlers: LostRunHandler[] = [];
  private readonly leaseLostHandlers: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private healthySince: number | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private renewedOnce = false;

  constructor(
    private readonly redis: ClusterRedis,
    readonly instanceId: string,
    readonly runId: string,
    readonly leaseMs: number,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  private get instancesKey(): string {
    return this.redis.key('instances');
  }

  private leaseKey(instanceId: string): string {
    return this.redis.key('lease', instanceId);
  }

  /** Runs `handler` for each run this instance claims (its own previous run, or a lost one). */
  onLost(handler: LostRunHandler): void {
    this.handlers.push(handler);
  }

  /** Runs `fn` when this instance finds its own lease had run out (it may have been taken for lost meanwhile). */
  onLeaseLost(fn: () => void): void {
    this.leaseLostHandlers.push(fn);
  }

  /** Claims this instance's previous run (handled at once), takes the lease, and starts renewing and watching (once). */
  async start(): Promise<void> {
    if (this.running) return;
    const previous = (await this.redis.cmd.eval(CLAIM_PREVIOUS, 1, this.instancesKey, this.instanceId, this.runId)) as string | null;
    if (previous) await this.handle(previous, this.instanceId, true);
    await this.renew();
    this.healthySince = Date.now();
    this.running = true;
    this.schedule();
  }

  /** The run holding `instanceId`'s lease now, or null when it has none (dead, or stopped). */
  async liveRun(instanceId: string): Promise<string | null> {
    return this.redis.cmd.get(this.leaseKey(instanceId));
  }

  /** Stops renewing and gives up the lease: a surviving instance takes over what this run left (delayed wills...). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    try {
      const now = this.clock().getTime();
      await this.redis.cmd.multi().hset(this.instancesKey, this.instanceId, `${this.runId}|${now}`).del(this.leaseKey(this.instanceId)).exec();
    } catch (err) {
      this.log.warn(`could not give up the lease of ${this.runId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(
      () => {
        this.ticking = this.tick().finally(() => {
          this.ticking = null;
          this.schedule();
        });
      },
      Math.max(50, Math.floor(this.leaseMs / 4)),
    );
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.renew();
      this.healthySince ??= Date.now();
    } catch (err) {
      this.healthySince = null;
      this.log.warn(`could not renew the lease of ${this.runId}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.healthySince === null || Date.now() - this.healthySince < this.leaseMs) return;
    try {
      await this.claimLost();
    } catch (err) {
      this.log.warn(`could not check for lost instances: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async renew(): Promise<void> {
    const now = this.clock().getTime();
    const [[err, previous]] = (await this.redis.cmd
      .multi()
      .set(this.leaseKey(this.instanceId), this.runId, 'PX', this.leaseMs, 'GET')
      .hset(this.instancesKey, this.instanceId, `${this.runId}|${now}`)
      .exec()) as Array<[Error | null, unknown]>;
    if (err) throw err;
    if (previous !== this.runId && this.renewedOnce) {
      if (previous) this.log.error(`instance id ${this.instanceId} is also used by run ${String(previous)}: give every instance an id of its own`);
      else this.log.warn(`the lease of ${this.runId} had run out (Redis unreachable or the process stalled): re-asserting what it holds`);
      for (const fn of this.leaseLostHandlers) fn();
    }
    this.renewedOnce = true;
  }

  private async claimLost(): Promise<void> {
    const entries = await this.redis.cmd.hgetall(this.instancesKey);
    for (const [instanceId, entry] of Object.entries(entries)) {
      if (instanceId === this.instanceId) continue;
      if (await this.redis.cmd.exists(this.leaseKey(instanceId))) continue;
      const claimed = (await this.redis.cmd.eval(CLAIM_LOST, 2, this.instancesKey, this.leaseKey(instanceId), instanceId, entry)) as string | null;
      if (claimed) await this.handle(claimed, instanceId, false);
    }
  }

  private async handle(entry: string, instanceId: string, restarted: boolean): Promise<void> {
    const [runId, seen] = entry.split('|');
    const run: LostRun = { instanceId, runId: runId!, lastSeen: new Date(Number(seen)), claimedAt: this.clock(), restarted };
    this.log.info(`${restarted ? 'previous run' : 'lost instance'} ${run.runId} (last seen ${run.lastSeen.toISOString()}): taking over what it held`);
    for (const handler of this.handlers) {
      try {
        await handler(run);
      } catch (err) {
        // Put it back so that it is claimed again (by this instance or another) and the rest is retried.
        this.log.error(`taking over ${run.runId} failed; it will be retried`, err);
        await this.redis.cmd.hsetnx(this.instancesKey, instanceId, entry).catch(() => undefined);
        return;
      }
    }
  }
}
