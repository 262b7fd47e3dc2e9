import type { ExecutionResult } from 'graphql';

import { AppError } from '../common/index.js';

type Run = (event: unknown) => ExecutionResult | Promise<ExecutionResult>;

const done = (): IteratorResult<ExecutionResult> => ({ done: true, value: undefined });

/** A source stream mapped through `run`; `return()` ends the source (what graphql-js's subscribe does). */
export function mapResults(source: AsyncIterator<unknown>, run: Run): AsyncIterableIterator<ExecutionResult> {
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const r = await source.next();
      return r.done ? done() : { done: false, value: await run(r.value) };
    },
    async return() {
      await source.return?.();
      return done();
    },
    async throw(err: unknown) {
      await source.return?.();
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** A subscriber too slow for its events: its queue is dropped, it resubscribes (with `after` to catch up). */
const tooSlow = (maxQueue: number): AppError =>
  new AppError('LIMIT_EXCEEDED', `More than ${maxQueue} events waited for this subscription; subscribe again (with after: to catch up)`, {
    reason: 'SUBSCRIBER_TOO_SLOW',
  });

interface Member {
  queue: ExecutionResult[];
  waiting: ((r: IteratorResult<ExecutionResult>) => void) | null;
  failWaiting: ((err: unknown) => void) | null;
  ended: boolean;
  failure: unknown;
}

/**
 * One source stream, each event executed once, its result handed to every member. Members read at their own
 * pace from a queue of shared results (bounded: past `maxQueue` the member ends with SUBSCRIBER_TOO_SLOW). The
 * source stops when the last member leaves.
 */
export class Hub {
  closed = false;
  private readonly members = new Set<Member>();

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly run: Run,
    private readonly maxQueue: number,
    private readonly onClosed: () => void,
  ) {
    void this.pump();
  }

  private async pump(): Promise<void> {
    let failure: unknown = null;
    try {
      for (;;) {
        const r = await this.source.next();
        if (r.done || this.closed) break;
        const result = await this.run(r.value);
        for (const m of this.members) this.push(m, result);
      }
    } catch (err) {
      failure = err;
    }
    this.close();
    for (const m of [...this.members]) this.end(m, failure);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed();
    void this.source.return?.()?.catch(() => undefined);
  }

  private push(m: Member, result: ExecutionResult): void {
    if (m.waiting) {
      const resolve = m.waiting;
      m.waiting = m.failWaiting = null;
      resolve({ done: false, value: result });
      return;
    }
    m.queue.push(result);
    if (m.queue.length > this.maxQueue) {
      m.queue.length = 0;
      this.end(m, tooSlow(this.maxQueue));
    }
  }

  /** Ends a member: it reads what is queued, then `failure` (or the end). */
  private end(m: Member, failure: unknown): void {
    if (m.ended) return;
    m.ended = true;
    m.failure = failure;
    this.leave(m);
    if (m.waiting && !m.queue.length) {
      const [resolve, reject] = [m.waiting, m.failWaiting!];
      m.waiting = m.failWaiting = null;
      if (failure) reject(failure);
      else resolve(done());
    }
  }

  private leave(m: Member): void {
    this.members.delete(m);
    if (!this.members.size) this.close();
  }

  join(): AsyncIterableIterator<ExecutionResult> {
    const m: Member = { queue: [], waiting: null, failWaiting: null, ended: false, failure: null };
    this.members.add(m);
    const endMember = (): void => this.end(m, null);
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      next() {
        const queued = m.queue.shift();
        if (queued) return Promise.resolve({ done: false, value: queued });
        if (m.ended) {
          const failure = m.failure;
          m.failure = null;
          return failure ? Promise.reject(failure) : Promise.resolve(done());
        }
        return new Promise((resolve, reject) => {
          m.waiting = resolve;
          m.failWaiting = reject;
        });
      },
      async return() {
        m.queue.length = 0;
        endMember();
        return done();
      },
      async throw(err: unknown) {
        m.queue.length = 0;
        endMember();
        throw err;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
