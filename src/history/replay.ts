import type { TimeSeriesRow } from './record-store.js';

export interface Position {
  time: number;
  id: string;
}

const positionOf = (row: TimeSeriesRow): Position => ({ time: row.time.getTime(), id: row.id });
const isAfter = (row: TimeSeriesRow, pos: Position): boolean => {
  const t = row.time.getTime();
  return t > pos.time || (t === pos.time && row.id > pos.id);
};

export interface ReplayThenLiveOptions<T extends TimeSeriesRow> {
  /** The live subscription, subscribed BEFORE the replay query runs (so nothing falls in between). */
  live: AsyncIterator<unknown>;
  /** Stored rows after the cursor, oldest first. */
  replay?: AsyncIterator<T> | null;
  /** The cursor position the replay starts after. */
  after?: Position | null;
  /** Which rows this subscriber gets (device, topic filter...). */
  match: (row: T) => boolean;
  /**
   * Live rows waiting for a slow subscriber beyond this many end the subscription with `overflow(last)`
   * (`last`: the last row delivered), so memory stays bounded; the client resumes with `after`.
   */
  maxBacklog?: number;
  overflow?: (lastDelivered: T | null) => Error;
  /**
   * The error the subscription ends with when the live subscription fails (e.g. EVENTS_MISSED), from the live error
   * and the last row delivered; asked once the rows received before the failure have been delivered.
   */
  liveFailed?: (err: unknown, lastDelivered: T | null) => unknown;
}

export const DEFAULT_MAX_BACKLOG = 10_000;

/**
 * Replays stored rows after a cursor, then continues with live rows: no gap (the live subscription
 * exists before the replay query) and no duplicate (live rows not after the last replayed position are
 * skipped). Hand-written rather than an async generator so that `return()` (client unsubscribes) ends it
 * at once even while it waits for the next live row.
 */
export function replayThenLive<T extends TimeSeriesRow>(o: ReplayThenLiveOptions<T>): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let replay = o.replay ?? null;
  let last: Position | null = o.after ?? null;
  let finished = false;
  let liveEnded = false;
  let failure: unknown = null;
  /** The live subscription failed (rather than overflowed): `failure` goes through `liveFailed` when thrown. */
  let liveFailure = false;
  let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  const done = (): IteratorResult<T> => ({ done: true, value: undefined });

  let lastDelivered: T | null = null;
  const maxBacklog = o.maxBacklog ?? DEFAULT_MAX_BACKLOG;
  const take = (): T | undefined => {
    while (queue.length) {
      const row = queue.shift()!;
      if (last && !isAfter(row, last)) continue;
      if (o.match(row)) return (lastDelivered = row);
    }
    return undefined;
  };

  const finalFailure = (): unknown => (liveFailure && o.liveFailed ? o.liveFailed(failure, lastDelivered) : failure);

  const deliver = () => {
    if (!waiting || replay) return;
    const row = take();
    const w = waiting;
    if (row) {
      waiting = null;
      w.resolve({ done: false, value: row });
    } else if (liveEnded) {
      waiting = null;
      finished = true;
      if (failure) w.reject(finalFailure());
      else w.resolve(done());
    }
  };

  // Start pulling at once: the pub/sub listener attaches on the first next().
  void (async () => {
    try {
      for (;;) {
        const r = await o.live.next();
        if (r.done || finished) break;
        queue.push(r.value as T);
        if (queue.length > maxBacklog) {
          queue.length = 0;
          failure = o.overflow ? o.overflow(lastDelivered) : new Error('subscriber too slow');
          void o.live.return?.();
          break;
        }
        deliver();
      }
    } catch (err) {
      failure = err;
      liveFailure = true;
    } finally {
      liveEnded = true;
      deliver();
    }
  })();

  const iterator: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      if (finished) return done();
      while (replay) {
        const r = await replay.next();
        if (finished) return done();
        if (r.done) {
          replay = null;
          break;
        }
        last = positionOf(r.value);
        if (o.match(r.value)) {
          lastDelivered = r.value;
          return { done: false, value: r.value };
        }
      }
      const row = take();
      if (row) return { done: false, value: row };
      if (liveEnded) {
        finished = true;
        if (failure) throw finalFailure();
        return done();
      }
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    async return(): Promise<IteratorResult<T>> {
      finished = true;
      const w = waiting;
      waiting = null;
      w?.resolve(done());
      await Promise.allSettled([o.live.return?.(), replay?.return?.(undefined)]);
      replay = null;
      return done();
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
