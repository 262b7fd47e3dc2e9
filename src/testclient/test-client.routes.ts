import type { MessageProperties } from '../common/message-properties.js';
import { AppError, type ErrorCode, notFound } from '../common/errors.js';
import { newId } from '../common/ids.js';
import type { Logger } from '../common/runtime.js';
import type { ClusterRedis } from '../realtime/cluster-redis.js';
import type { LostRun, Membership } from '../realtime/instances.js';
import { type AppPubSub, dateSafeJson } from '../realtime/pubsub.js';
import type { Principal } from '../users/user.service.js';
import type { TestClientService } from './test-client.service.js';
import type { StartOptions, TestClientSession, TestMessage } from './test-client.session.js';
import { RemoteTestClientSession, snapshotOf, type TestClientSessionLike, type TestClientSnapshot } from './test-client.view.js';

/** What a session's owning instance publishes for watchers on other instances. */
type SessionEvent = { k: 'm'; m: TestMessage } | { k: 's'; s: TestClientSnapshot } | { k: 'e' };
interface Request {
  id: string;
  from: string;
  op: 'get' | 'list' | 'publish' | 'subscribe' | 'unsubscribe' | 'stop';
  args: unknown[];
}
interface Reply {
  id: string;
  ok: boolean;
  value?: unknown;
  error?: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

const eventTopic = (sessionId: string): string => `testClient:${sessionId}`;

/**
 * Test client sessions from any instance. A session lives in the instance that started it (its mqtt.js client is
 * there); with Redis, each session is registered (`<prefix>:tc:sessions`: session → instance and owner), and an
 * operation asked of another instance is sent to the owning one over Redis (request/reply channels per instance),
 * which checks ownership and runs it. The owning instance publishes each session's messages and state changes, so
 * subscriptions on any instance follow it. Without Redis, everything is local.
 */
export class TestClientRoutes {
  private readonly pending = new Map<string, { resolve: (r: Reply) => void; timer: NodeJS.Timeout }>();
  private readonly detach = new Map<string, () => void>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly local: TestClientService,
    private readonly cluster: { redis: ClusterRedis; membership: Membership } | null,
    private readonly pubSub: AppPubSub,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {
    if (!cluster) return;
    local.observer = { added: (s) => this.added(s), removed: (s) => this.removed(s) };
    cluster.membership.onLost((run) => this.forget(run));
  }

  private get me(): string {
    return this.cluster!.membership.instanceId;
  }

  private k(...parts: string[]): string {
    return this.cluster!.redis.key('tc', ...parts);
  }

  /** Listens for requests and replies (with Redis). */
  async listen(): Promise<void> {
    if (!this.cluster) return;
    const redis = this.cluster.redis;
    await redis.listen(this.k('reply', this.me), (msg) => {
      const reply = dateSafeJson.parse(msg.toString()) as Reply;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      clearTimeout(waiting.timer);
      waiting.resolve(reply);
    });
    await redis.listen(this.k('rpc', this.me), (msg) => this.track(this.serve(dateSafeJson.parse(msg.toString()) as Request)));
  }

  async close(): Promise<void> {
    await this.local.close();
    await Promise.all([...this.background]);
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.log.warn(`test client routing: ${err instanceof Error ? err.message : String(err)}`));
    this.background.add(tracked);
    void tracked.then(() => this.background.delete(tracked));
  }

  // ---- sessions of this instance ---------------------------------------------------------------------------------

  private added(s: TestClientSession): void {
    const publish = (e: SessionEvent) => this.pubSub.publish(eventTopic(s.id), e);
    const onMessage = (m: TestMessage) => publish({ k: 'm', m });
    const onState = () => publish({ k: 's', s: snapshotOf(s) });
    const onEnd = () => publish({ k: 'e' });
    s.events.on('message', onMessage);
    s.events.on('state', onState);
    s.events.on('end', onEnd);
    this.detach.set(s.id, () => {
      s.events.off('message', onMessage);
      s.events.off('state', onState);
      s.events.off('end', onEnd);
    });
    const redis = this.cluster!.redis.cmd;
    this.track(redis.multi().hset(this.k('sessions'), s.id, `${this.me}|${s.ownerId}`).sadd(this.k('owner', s.ownerId), s.id).exec());
  }

  private removed(s: TestClientSession): void {
    this.detach.get(s.id)?.();
    this.detach.delete(s.id);
    const redis = this.cluster!.redis.cmd;
    this.track(redis.multi().hdel(this.k('sessions'), s.id).srem(this.k('owner', s.ownerId), s.id).exec());
  }

  /** A lost (or restarted) instance's sessions are gone with it. */
  private async forget(run: LostRun): Promise<void> {
    const redis = this.cluster!.redis.cmd;
    const entries = await redis.hgetall(this.k('sessions'));
    for (const [id, value] of Object.entries(entries)) {
      const [instanceId, ownerId] = value.split('|');
      if (instanceId === run.instanceId) await redis.multi().hdel(this.k('sessions'), id).srem(this.k('owner', ownerId!), id).exec();
    }
  }

  private async serve(req: Request): Promise<void> {
    let reply: Reply;
    try {
      reply = { id: req.id, ok: true, value: await this.runLocally(req) };
    } catch (err) {
      if (!(err instanceof AppError)) this.log.error(`test client operation ${req.op} failed`, err);
      reply = err instanceof AppError ? { id: req.id, ok: false, error: { code: err.code, message: err.message, details: err.details } } : { id: req.id, ok: false, error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } };
    }
    await this.cluster!.redis.publish(this.k('reply', req.from), dateSafeJson.stringify(reply));
  }

  private async runLocally(req: Request): Promise<unknown> {
    const a = req.args as [any, string, ...any[]];
    switch (req.op) {
      case 'get':
        return snapshotOf(this.local.get(a[0], a[1]));
      case 'list':
        return this.local.list(a[0]).map(snapshotOf);
      case 'publish':
        return this.local.publish(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
      case 'subscribe':
        return snapshotOf(await this.local.subscribe(a[0], a[1], a[2], a[3]));
      case 'unsubscribe':
        return snapshotOf(await this.local.unsubscribe(a[0], a[1], a[2]));
      case 'stop':
        return snapshotOf(await this.local.stop(a[0], a[1], a[2]));
    }
  }

  // ---- routing ---------------------------------------------------------------------------------------------------

  /** The instance holding session `id` of `ownerId` (NOT_FOUND when none does). */
  private async owner(ownerId: string, id: string): Promise<string> {
    const value = await this.cluster!.redis.cmd.hget(this.k('sessions'), id);
    const [instanceId, owner] = value ? value.split('|') : [];
    if (!instanceId || owner !== ownerId || instanceId === this.me) throw notFound('Test client session');
    return instanceId;
  }

  private call(instanceId: string, op: Request['op'], args: unknown[]): Promise<unknown> {
    const req: Request = { id: newId(), from: this.me, op, args };
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req.id);
        reject(new AppError('SERVICE_UNAVAILABLE', 'the instance holding this test client session did not answer; try again'));
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(req.id, { resolve, timer });
      this.cluster!.redis.publish(this.k('rpc', instanceId), dateSafeJson.stringify(req)).then(
        (receivers) => {
          if (receivers > 0) return;
          clearTimeout(timer);
          this.pending.delete(req.id);
          reject(notFound('Test client session'));
        },
        (err: unknown) => {
          clearTimeout(timer);
          this.pending.delete(req.id);
          reject(err);
        },
      );
    }).then((reply) => {
      if (reply.ok) return reply.value;
      throw new AppError(reply.error!.code, reply.error!.message, reply.error!.details);
    });
  }

  private isLocal(ownerId: string, id: string): boolean {
    return !this.cluster || this.local.list(ownerId).some((s) => s.id === id);
  }

  private async route<T>(ownerId: string, id: string, op: Request['op'], args: unknown[], local: () => T | Promise<T>, wrap: (v: unknown) => T): Promise<T> {
    if (this.isLocal(ownerId, id)) return local();
    return wrap(await this.call(await this.owner(ownerId, id), op, args));
  }

  private readonly view = (v: unknown): TestClientSessionLike => new RemoteTestClientSession(v as TestClientSnapshot);

  start(principal: Principal, deviceId: string, options: StartOptions = {}): Promise<TestClientSession> {
    return this.local.start(principal, deviceId, options);
  }

  get(ownerId: string, id: string): Promise<TestClientSessionLike> {
    return this.route(ownerId, id, 'get', [ownerId, id], () => this.local.get(ownerId, id), this.view);
  }

  async list(ownerId: string): Promise<TestClientSessionLike[]> {
    const mine: TestClientSessionLike[] = this.local.list(ownerId);
    if (!this.cluster) return mine;
    const redis = this.cluster.redis.cmd;
    const ids = await redis.smembers(this.k('owner', ownerId));
    const where = ids.length ? await redis.hmget(this.k('sessions'), ...ids) : [];
    const instances = new Set(where.map((v) => v?.split('|')[0]).filter((i): i is string => Boolean(i) && i !== this.me));
    const remote = await Promise.all([...instances].map((i) => this.call(i, 'list', [ownerId]).catch(() => [])));
    const all = [...mine, ...remote.flatMap((list) => (list as TestClientSnapshot[]).map((s) => this.view(s)))];
    return all.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
  }

  publish(principal: Principal, id: string, topic: string, payload: string, qos = 0, retain = false, properties: MessageProperties | null = null): Promise<TestMessage> {
    const args = [principal, id, topic, payload, qos, retain, properties];
    return this.route(principal.userId, id, 'publish', args, () => this.local.publish(principal, id, topic, payload, qos, retain, properties), (v) => v as TestMessage);
  }

  subscribe(principal: Principal, id: string, topicFilter: string, qos = 0): Promise<TestClientSessionLike> {
    return this.route(principal.userId, id, 'subscribe', [principal, id, topicFilter, qos], () => this.local.subscribe(principal, id, topicFilter, qos), this.view);
  }

  unsubscribe(principal: Principal, id: string, topicFilter: string): Promise<TestClientSessionLike> {
    return this.route(principal.userId, id, 'unsubscribe', [principal, id, topicFilter], () => this.local.unsubscribe(principal, id, topicFilter), this.view);
  }

  stop(ownerId: string, id: string, abrupt = false): Promise<TestClientSessionLike> {
    return this.route(ownerId, id, 'stop', [ownerId, id, abrupt], () => this.local.stop(ownerId, id, abrupt), this.view);
  }

  // ---- streams ---------------------------------------------------------------------------------------------------

  /** Messages of a session (buffered after `afterSeq`, then live), wherever it runs. */
  async *messages(ownerId: string, id: string, afterSeq = 0): AsyncGenerator<TestMessage> {
    if (this.isLocal(ownerId, id)) return yield* this.local.messages(ownerId, id, afterSeq);
    const instanceId = await this.owner(ownerId, id);
    const events = this.follow(id);
    try {
      const snap = (await this.call(instanceId, 'get', [ownerId, id])) as TestClientSnapshot;
      let last = afterSeq;
      for (const m of snap.messages) if (m.seq > last) yield ((last = m.seq), m);
      if (!new RemoteTestClientSession(snap).active) return;
      for await (const e of events) {
        if (e.k === 'm' && e.m.seq > last) yield ((last = e.m.seq), e.m);
        if (e.k === 'e') return;
      }
    } finally {
      await events.return(undefined);
    }
  }

  /** The session now, then at each change, until it has ended; wherever it runs. */
  async *stateChanges(ownerId: string, id: string): AsyncGenerator<TestClientSessionLike> {
    if (this.isLocal(ownerId, id)) return yield* this.local.stateChanges(ownerId, id);
    const instanceId = await this.owner(ownerId, id);
    const events = this.follow(id);
    try {
      const now = this.view(await this.call(instanceId, 'get', [ownerId, id]));
      yield now;
      if (!now.active) return;
      for await (const e of events) {
        if (e.k !== 's') continue;
        const s = this.view(e.s);
        yield s;
        if (!s.active) return;
      }
    } finally {
      await events.return(undefined);
    }
  }

  /** A session's events, listened to from now on (buffered until read). */
  private follow(id: string): AsyncGenerator<SessionEvent> {
    const live = this.pubSub.subscribe(eventTopic(id)) as unknown as AsyncIterator<SessionEvent>;
    const queue: SessionEvent[] = [];
    let wake = null as (() => void) | null;
    let done = false;
    let failure: unknown = null;
    void (async () => {
      try {
        for (;;) {
          const r = await live.next();
          if (r.done) break;
          queue.push(r.value);
          wake?.();
        }
      } catch (err) {
        failure = err;
      } finally {
        done = true;
        wake?.();
      }
    })();
    return (async function* () {
      try {
        for (;;) {
          while (queue.length) yield queue.shift()!;
          if (done) {
            if (failure) throw failure;
            return;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      } finally {
        await live.return?.(undefined);
      }
    })();
  }
}
