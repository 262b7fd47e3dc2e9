import type { EventQueue, LiveStream } from '../common/index.js';
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
  /** The live subscription, not read yet: it is opened here, BEFORE the replay query runs (so nothing falls in between). */
  live: EventQueue<T>;
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
 * Replays stored rows after a cursor, then continues with live rows: no gap (the live subscription is opened
 * before the replay query and queues what arrives, bounded) and no duplicate (live rows not after the last
 * replayed position are skipped). The live rows are filtered as they arrive and wait in the live queue itself:
 * one queue per subscriber, no layer per event. Ending it (`return()`) ends the live subscription and the replay
 * at once, even while it waits for the next live row.
 */
export function replayThenLive<T extends TimeSeriesRow>(options: ReplayThenLiveOptions<T>): LiveStream<T> {
  const { live, replay, match } = options;
  let last: Position | null = options.after ?? null;
  let lastReplayed: T | null = null;
  const lastDelivered = (): T | null => live.lastTaken ?? lastReplayed;
  const onlyAfter = (pos: Position | null): ((row: T) => boolean) => (pos ? (row) => match(row) && isAfter(row, pos) : match);
  live.accept = onlyAfter(last);
  live.maxQueue = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
  live.overflow = () => (options.overflow ? options.overflow(lastDelivered()) : new Error('subscriber too slow'));
  const { liveFailed } = options;
  if (liveFailed) live.mapFailure = (err) => liveFailed(err, lastDelivered());
  live.open();
  if (!replay) return live;

  let replaying = true;
  let stopped = false;
  const endReplay = (): void => {
    replaying = false;
    // Live rows queued during the replay that the replay already delivered are dropped.
    const pos = last;
    if (pos) live.retain((row) => isAfter(row, pos));
    live.accept = onlyAfter(pos);
  };
  const stream: LiveStream<T> = {
    async next() {
      while (replaying && !stopped) {
        let r: IteratorResult<T>;
        try {
          r = await replay.next();
        } catch (err) {
          await stream.return!();
          throw err;
        }
        if (stopped) break;
        if (r.done) {
          endReplay();
          break;
        }
        last = positionOf(r.value);
        if (match(r.value)) {
          lastReplayed = r.value;
          return { done: false, value: r.value };
        }
      }
      return live.next();
    },
    async return() {
      stopped = true;
      await Promise.allSettled([live.return(), replay.return?.(undefined)]);
      return { done: true, value: undefined };
    },
    async throw(err: unknown) {
      await stream.return!();
      throw err;
    },
    onEnd: (hook) => live.onEnd(hook),
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
