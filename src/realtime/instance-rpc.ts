import { type Logger, newId } from '../common/index.js';
import type { AppPubSub, PubSubTopic, PubSubTopics } from './pubsub.js';

interface Request {
  id: string;
  from: string;
  method: string;
  arg: unknown;
}
interface Reply {
  id: string;
  value?: unknown;
  failed?: boolean;
}

declare module './pubsub.js' {
  interface PubSubTopics {
    [topic: `rpc:${string}`]: Request;
    [topic: `rpcReply:${string}`]: Reply;
  }
}

/**
 * Asks one named instance a question over the app pub/sub (Redis in scale-out): requests on `rpc:<instance>`,
 * replies on `rpcReply:<instance>`. An instance that does not answer within the timeout (gone, or Redis down)
 * yields `undefined`. Questions to this instance are answered directly.
 */
export class InstanceRpc {
  private readonly handlers = new Map<string, (arg: unknown) => Promise<unknown> | unknown>();
  private readonly pending = new Map<string, { resolve: (value: unknown) => void; timer: NodeJS.Timeout }>();
  private readonly loops: Array<AsyncIterator<unknown>> = [];
  private closed = false;

  constructor(
    private readonly pubSub: AppPubSub,
    private readonly instanceId: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  handle(method: string, fn: (arg: unknown) => Promise<unknown> | unknown): void {
    this.handlers.set(method, fn);
  }

  start(): void {
    this.listen(`rpc:${this.instanceId}`, async (req) => {
      const reply: Reply = { id: req.id };
      try {
        const fn = this.handlers.get(req.method);
        if (!fn) throw new Error(`no handler for ${req.method}`);
        reply.value = await fn(req.arg);
      } catch (err) {
        this.log.warn(`instance rpc ${req.method} failed`, err);
        reply.failed = true;
      }
      this.pubSub.publish(`rpcReply:${req.from}`, reply);
    });
    this.listen(`rpcReply:${this.instanceId}`, (reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      clearTimeout(waiting.timer);
      waiting.resolve(reply.failed ? undefined : reply.value);
    });
  }

  /** The named instance's answer, or undefined when it gives none in time. */
  async call<T>(instanceId: string, method: string, arg: unknown): Promise<T | undefined> {
    if (instanceId === this.instanceId) return (await this.handlers.get(method)?.(arg)) as T | undefined;
    const id = newId();
    const answer = new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, this.timeoutMs);
      this.pending.set(id, { resolve, timer });
    });
    this.pubSub.publish(`rpc:${instanceId}`, { id, from: this.instanceId, method, arg } satisfies Request);
    return (await answer) as T | undefined;
  }

  /** Listens on `topic` until close(), listening again when the pub/sub ends the subscription (a Redis outage). */
  private listen<T extends PubSubTopic>(topic: T, onMessage: (message: PubSubTopics[T]) => Promise<void> | void): void {
    if (this.closed) return;
    const it = this.pubSub.subscribe(topic)[Symbol.asyncIterator]();
    this.loops.push(it);
    void (async () => {
      for (;;) {
        const next = await it.next().catch(() => ({ done: true, value: undefined }) as const);
        if (next.done) break;
        void Promise.resolve(onMessage(next.value)).catch((err: unknown) => this.log.warn('instance rpc: message failed', err));
      }
      this.loops.splice(this.loops.indexOf(it), 1);
      this.listen(topic, onMessage);
    })();
  }

  close(): void {
    this.closed = true;
    for (const it of this.loops.splice(0)) void it.return?.();
    for (const { resolve, timer } of this.pending.values()) {
      clearTimeout(timer);
      resolve(undefined);
    }
    this.pending.clear();
  }
}
