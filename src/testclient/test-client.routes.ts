import { Permission, type RequestAccess, type Scope } from '../access/index.js';
import { AppError, type ErrorCode, isUuid, type Logger, type MessageProperties, newId, notFound } from '../common/index.js';
import { type AppPubSub, type ClusterRedis, dateSafeJson, type LostRun, type Membership } from '../realtime/index.js';
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

const eventTopic = (sessionId: string): `testClient:${string}` => `testClient:${sessionId}`;

declare module '../realtime/pubsub.js' {
  interface PubSubTopics {
    [topic: `testClient:${string}`]: SessionEvent;
  }
}

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

  private key(...parts: string[]): string {
    return this.cluster!.redis.key('tc', ...parts);
  }

  /** Listens for requests and replies (with Redis). */
  async listen(): Promise<void> {
    if (!this.cluster) return;
    const redis = this.cluster.redis;
    await redis.listen(this.key('reply', this.me), (msg) => {
      const reply = dateSafeJson.parse(msg.toString()) as Reply;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      clearTimeout(waiting.timer);
      waiting.resolve(reply);
    });
    await redis.listen(this.key('rpc', this.me), (msg) => this.track(this.serve(dateSafeJson.parse(msg.toString()) as Request)));
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
    this.track(redis.multi().hset(this.key('sessions'), s.id, `${this.me}|${s.organizationId}`).sadd(this.key('org', s.organizationId), s.id).exec());
  }

  private removed(s: TestClientSession): void {
    this.detach.get(s.id)?.();
    this.detach.delete(s.id);
    const redis = this.cluster!.redis.cmd;
    this.track(redis.multi().hdel(this.key('sessions'), s.id).srem(this.key('org', s.organizationId), s.id).exec());
  }

  /** A lost (or restarted) instance's sessions are gone with it. */
  private async forget(run: LostRun): Promise<void> {
    const redis = this.cluster!.redis.cmd;
    const entries = await redis.hgetall(this.key('sessions'));
    for (const [id, value] of Object.entries(entries)) {
      const [instanceId, organizationId] = value.split('|');
      if (instanceId === run.instanceId) await redis.multi().hdel(this.key('sessions'), id).srem(this.key('org', organizationId!), id).exec();
    }
  }

  private async serve(req: Request): Promise<void> {
    let reply: Reply;
    try {
      reply = { id: req.id, ok: true, value: await this.runLocally(req) };
    } catch (err) {
      if (!(err instanceof AppError)) this.log.error(`test client operation ${req.op} failed`, err);
      reply =
        err instanceof AppError
          ? { id: req.id, ok: false, error: { code: err.code, message: err.message, details: err.details } }
          : { id: req.id, ok: false, error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } };
    }
    await this.cluster!.redis.publish(this.key('reply', req.from), dateSafeJson.stringify(reply));
  }

  /** An operation asked by another instance, which authorized the caller for it; args: [sessionId, …]. */
  private async runLocally(req: Request): Promise<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each operation passes its own arguments on
    const a = req.args as [string, ...any[]];
    if (req.op === 'list') return this.local.list(a[0]).map(snapshotOf);
    const session = this.local.find(a[0]);
    if (!session) throw notFound('Test client session');
    switch (req.op) {
      case 'get':
        return snapshotOf(session);
      case 'publish':
        return this.local.publishIn(session, a[1], a[2], a[3], a[4], a[5], a[6]);
      case 'subscribe':
        return snapshotOf(await this.local.subscribeIn(session, a[1], a[2], a[3]));
      case 'unsubscribe':
        return snapshotOf(await this.local.unsubscribeIn(session, a[1], a[2]));
      case 'stop':
        return snapshotOf(await this.local.stopSession(session, a[1]));
    }
  }

  // ---- routing ---------------------------------------------------------------------------------------------------

  /**
   * Where session `id` runs and the caller's scope in its organization: NOT_FOUND when no instance holds it or the
   * caller is not a member there, FORBIDDEN below `permission`.
   */
  private async locate(access: RequestAccess, id: string, permission: Permission): Promise<{ session: TestClientSession | null; instanceId: string; scope: Scope }> {
    const session = this.local.find(id);
    if (session) return { session, instanceId: this.me, scope: (await this.local.authorize(access, id, permission)).scope };
    const value = this.cluster && isUuid(id) ? await this.cluster.redis.cmd.hget(this.key('sessions'), id) : null;
    const [instanceId, organizationId] = value ? value.split('|') : [];
    if (!instanceId || !organizationId || instanceId === this.me) throw notFound('Test client session');
    return { session: null, instanceId, scope: await access.within(organizationId, permission, 'Test client session') };
  }

  private get me(): string {
    return this.cluster?.membership.instanceId ?? '';
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
      this.cluster!.redis.publish(this.key('rpc', instanceId), dateSafeJson.stringify(req)).then(
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

  private readonly view = (v: unknown): TestClientSessionLike => new RemoteTestClientSession(v as TestClientSnapshot);

  start(access: RequestAccess, deviceId: string, options: StartOptions = {}): Promise<TestClientSession> {
    return this.local.start(access, deviceId, options);
  }

  async get(access: RequestAccess, id: string): Promise<TestClientSessionLike> {
    const at = await this.locate(access, id, Permission.READ);
    return at.session ?? this.view(await this.call(at.instanceId, 'get', [id]));
  }

  /** An organization's sessions on every instance. */
  async list(organizationId: string): Promise<TestClientSessionLike[]> {
    const mine: TestClientSessionLike[] = this.local.list(organizationId);
    if (!this.cluster) return mine;
    const redis = this.cluster.redis.cmd;
    const ids = await redis.smembers(this.key('org', organizationId));
    const where = ids.length ? await redis.hmget(this.key('sessions'), ...ids) : [];
    const instances = new Set(where.map((v) => v?.split('|')[0]).filter((i): i is string => Boolean(i) && i !== this.me));
    const remote = await Promise.all([...instances].map((i) => this.call(i, 'list', [organizationId]).catch(() => [])));
    const all = [...mine, ...remote.flatMap((list) => (list as TestClientSnapshot[]).map((s) => this.view(s)))];
    return all.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
  }

  async publish(access: RequestAccess, id: string, topic: string, payload: string, qos = 0, retain = false, properties: MessageProperties | null = null): Promise<TestMessage> {
    const at = await this.locate(access, id, Permission.TEST_CLIENT);
    const principal = at.scope.actor.principal;
    if (at.session) return this.local.publishIn(at.session, principal, topic, payload, qos, retain, properties);
    return (await this.call(at.instanceId, 'publish', [id, principal, topic, payload, qos, retain, properties])) as TestMessage;
  }

  async subscribe(access: RequestAccess, id: string, topicFilter: string, qos = 0): Promise<TestClientSessionLike> {
    const at = await this.locate(access, id, Permission.TEST_CLIENT);
    if (at.session) return this.local.subscribeIn(at.session, at.scope.actor.principal, topicFilter, qos);
    return this.view(await this.call(at.instanceId, 'subscribe', [id, at.scope.actor.principal, topicFilter, qos]));
  }

  async unsubscribe(access: RequestAccess, id: string, topicFilter: string): Promise<TestClientSessionLike> {
    const at = await this.locate(access, id, Permission.TEST_CLIENT);
    if (at.session) return this.local.unsubscribeIn(at.session, at.scope.actor.principal, topicFilter);
    return this.view(await this.call(at.instanceId, 'unsubscribe', [id, at.scope.actor.principal, topicFilter]));
  }

  async stop(access: RequestAccess, id: string, abrupt = false): Promise<TestClientSessionLike> {
    const at = await this.locate(access, id, Permission.TEST_CLIENT);
    if (at.session) return this.local.stopSession(at.session, abrupt);
    return this.view(await this.call(at.instanceId, 'stop', [id, abrupt]));
  }

  // ---- streams ---------------------------------------------------------------------------------------------------

  /** Messages of a session (buffered after `afterSeq`, then live), wherever it runs; ends if the caller loses access. */
  async messages(access: RequestAccess, id: string, afterSeq = 0): Promise<AsyncIterableIterator<TestMessage>> {
    const at = await this.locate(access, id, Permission.READ);
    const source = at.session ? this.local.messagesOf(at.session, afterSeq) : this.remoteMessages(at.instanceId, id, afterSeq);
    return access.service.guard(at.scope, Permission.READ, source);
  }

  /** The session now, then at each change, until it has ended; wherever it runs; ends if the caller loses access. */
  async stateChanges(access: RequestAccess, id: string): Promise<AsyncIterableIterator<TestClientSessionLike>> {
    const at = await this.locate(access, id, Permission.READ);
    const source = at.session ? this.local.statesOf(at.session) : this.remoteStates(at.instanceId, id);
    return access.service.guard(at.scope, Permission.READ, source);
  }

  private async *remoteMessages(instanceId: string, id: string, afterSeq: number): AsyncGenerator<TestMessage> {
    const events = this.follow(id);
    try {
      const snap = (await this.call(instanceId, 'get', [id])) as TestClientSnapshot;
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

  private async *remoteStates(instanceId: string, id: string): AsyncGenerator<TestClientSessionLike> {
    const events = this.follow(id);
    try {
      const now = this.view(await this.call(instanceId, 'get', [id]));
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
    const live = this.pubSub.subscribe(eventTopic(id));
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
        await live.return();
      }
    })();
  }
}
