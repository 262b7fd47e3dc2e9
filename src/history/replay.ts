import { FixedBuffer, Repeater } from '@graphql-yoga/subscription';

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
  live: AsyncIterator<T>;
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
 * exists before the replay query, and is read from the start into a bounded backlog) and no duplicate (live rows
 * not after the last replayed position are skipped). Ending it (`return()`) ends the live subscription and the
 * replay at once, even while it waits for the next live row.
 */
export function replayThenLive<T extends TimeSeriesRow>(options: ReplayThenLiveOptions<T>): AsyncIterableIterator<T> {
  const { live, replay, match } = options;
  const backlog = new FixedBuffer(options.maxBacklog ?? DEFAULT_MAX_BACKLOG);
  let overflowed = false;
  const liveRows = new Repeater<T>(async (push, stop) => {
    void stop.then(() => live.return?.());
    for (let r = await live.next(); !r.done; r = await live.next()) {
      if (backlog.full) {
        overflowed = true;
        break;
      }
      void push(r.value);
    }
    stop();
  }, backlog);
  // Read from now on (the pub/sub listener attaches on the first next()), not when the subscriber first reads.
  let firstLive: Promise<IteratorResult<T>> | null = liveRows.next();
  firstLive.catch(() => undefined);
  const nextLive = (): Promise<IteratorResult<T>> => {
    const next = firstLive ?? liveRows.next();
    firstLive = null;
    return next;
  };

  let lastDelivered: T | null = null;
  return new Repeater<T>(async (push, stop) => {
    let stopped = false;
    void stop.then(() => {
      stopped = true;
      return Promise.allSettled([liveRows.return(), replay?.return?.(undefined)]);
    });
    let last: Position | null = options.after ?? null;
    const deliver = async (row: T) => {
      if (!match(row)) return;
      lastDelivered = row;
      await push(row);
    };
    if (replay) {
      for (let r = await replay.next(); !r.done && !stopped; r = await replay.next()) {
        last = positionOf(r.value);
        await deliver(r.value);
      }
    }
    try {
      for (let r = await nextLive(); !r.done && !overflowed; r = await nextLive()) {
        if (!last || isAfter(r.value, last)) await deliver(r.value);
      }
    } catch (err) {
      throw options.liveFailed ? options.liveFailed(err, lastDelivered) : err;
    }
    if (overflowed) throw options.overflow ? options.overflow(lastDelivered) : new Error('subscriber too slow');
    stop();
  });
}
