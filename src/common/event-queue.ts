/** A stream of live events that says when it ends (so a guard can stop watching without wrapping every event). */
export interface LiveStream<T> extends AsyncIterableIterator<T> {
  /** Runs `hook` once the stream ends: returned by its reader, ended by its source, failed or overflowed. */
  onEnd(hook: () => void): void;
}

export const isLiveStream = <T>(source: AsyncIterable<T>): source is LiveStream<T> => typeof (source as Partial<LiveStream<T>>).onEnd === 'function';

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/**
 * A bounded queue of live events read as an async iterator: the source pushes synchronously, the reader awaits.
 * It costs one promise per event while the reader waits and none while the reader is behind. (Repeater's push
 * allocates half a dozen promises and closures per event; in the fan-in profile four Repeater layers per GraphQL
 * subscriber were the largest item after SQLite, ~9 CPU-µs each per event.)
 *
 * `attach` connects the queue to its source and returns the detach; it runs on the first `next()` (so an iterator
 * returned before it is read never listens: graphql-ws does that when a client completes early) or at `open()`.
 */
export class EventQueue<T> implements LiveStream<T> {
  /** Events that fail this are dropped when pushed. */
  accept: ((value: T) => boolean) | null = null;
  /** Events waiting beyond this many: the queue is dropped and the reader gets `overflow()`. */
  maxQueue: number;
  overflow: () => unknown;
  /** Turns the error the source ended with into the one the reader gets, once it has read what came before. */
  mapFailure: ((err: unknown) => unknown) | null = null;
  /** The last event handed to the reader. */
  lastTaken: T | null = null;

  private items: (T | undefined)[] = [];
  private head = 0;
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | null = null;
  private waitingPromise: Promise<IteratorResult<T>> | null = null;
  private state: 'idle' | 'open' | 'ended' = 'idle';
  /** The error the reader gets after the queued events; `raw`: still to go through `mapFailure`. */
  private failure: { err: unknown; raw: boolean } | null = null;
  private detach: (() => void) | null = null;
  private endHooks: (() => void)[] = [];

  constructor(
    private readonly attach: ((queue: EventQueue<T>) => () => void) | null,
    options: { maxQueue: number; overflow: () => unknown },
  ) {
    this.maxQueue = options.maxQueue;
    this.overflow = options.overflow;
  }

  /** Connects to the source now (instead of at the first read). */
  open(): this {
    if (this.state !== 'idle') return this;
    this.state = 'open';
    if (this.attach) this.detach = this.attach(this);
    return this;
  }

  push(value: T): void {
    if (this.state === 'ended' || (this.accept && !this.accept(value))) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = this.waitingPromise = null;
      this.lastTaken = value;
      waiting.resolve({ done: false, value });
      return;
    }
    this.items.push(value);
    if (this.items.length - this.head > this.maxQueue) {
      this.drop();
      this.finish({ err: this.overflow(), raw: false });
    }
  }

  /** Ends the queue: the reader gets what is queued, then the end (or `err`, through `mapFailure`). */
  end(err?: unknown): void {
    this.finish(err === undefined ? null : { err, raw: true });
  }

  /** Keeps only the queued events that pass `keep`. */
  retain(keep: (value: T) => boolean): void {
    const kept = this.items.slice(this.head).filter((v) => keep(v as T));
    this.items = kept;
    this.head = 0;
  }

  onEnd(hook: () => void): void {
    if (this.state === 'ended') hook();
    else this.endHooks.push(hook);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head] as T;
      this.items[this.head++] = undefined;
      if (this.head === this.items.length) this.drop();
      else if (this.head >= 1024 && this.head * 2 >= this.items.length) this.retain(() => true);
      this.lastTaken = value;
      return Promise.resolve({ done: false, value });
    }
    if (this.state === 'idle') this.open();
    if (this.state === 'ended') {
      const failure = this.failure;
      this.failure = null;
      return failure ? Promise.reject(this.errorOf(failure)) : Promise.resolve(DONE);
    }
    // A second reader while one waits (graphql-ws never does this): it reads after the first.
    if (this.waitingPromise) return this.waitingPromise.then(() => this.next());
    return (this.waitingPromise = new Promise((resolve, reject) => (this.waiting = { resolve, reject })));
  }

  /** Ends at once: what is queued is dropped, a waiting read gets the end. */
  return(): Promise<IteratorResult<T>> {
    this.drop();
    this.failure = null;
    this.finish(null);
    return Promise.resolve(DONE);
  }

  async throw(err: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private drop(): void {
    this.items = [];
    this.head = 0;
  }

  private errorOf(failure: { err: unknown; raw: boolean }): unknown {
    return failure.raw && this.mapFailure ? this.mapFailure(failure.err) : failure.err;
  }

  private finish(failure: { err: unknown; raw: boolean } | null): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.failure = failure;
    const waiting = this.waiting;
    this.waiting = this.waitingPromise = null;
    if (waiting) {
      this.failure = null;
      if (failure) waiting.reject(this.errorOf(failure));
      else waiting.resolve(DONE);
    }
    const detach = this.detach;
    this.detach = null;
    detach?.();
    for (const hook of this.endHooks.splice(0)) hook();
  }
}
