import { type Clock, sortableId, timerAt } from '../common/index.js';
import type { ConnectionLogEntity } from './connection-log.entity.js';

interface Window {
  endsAt: number;
  /** Rows counted after the first one. */
  folded: number;
  /** The last of them (its details go into the count row). */
  last: ConnectionLogEntity | null;
}

/**
 * Folds repeated AUTH_FAILED rows so a client retrying with bad credentials (or an attacker) cannot flood the
 * connection log: per (owner, client id, reason) — per remote address when there is no client id — the first row
 * of a window is written at once; later ones within `windowMs` are only counted, and one row carrying their count
 * (and the details of the last of them) is written when the window ends. Memory is bounded: at most `maxKeys`
 * windows are open, beyond that the oldest one ends early.
 */
export class FailureFolder {
  private readonly open = new Map<string, Window>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly clock: Clock,
    /** Writes a count row. */
    private readonly write: (row: ConnectionLogEntity) => void,
  ) {}

  /** Open windows (tests, metrics). */
  get size(): number {
    return this.open.size;
  }

  /** Whether `row` is to be written now (the first of its window); otherwise it has been counted. */
  offer(row: ConnectionLogEntity): boolean {
    const key = [row.organizationId ?? '', row.clientId ?? `\u0001${row.remoteAddress ?? ''}`, row.reason ?? ''].join('\u0000');
    const now = this.clock().getTime();
    const current = this.open.get(key);
    if (current && now < current.endsAt) {
      current.folded += 1;
      current.last = row;
      return false;
    }
    if (current) this.end(key, current);
    if (this.open.size >= this.maxKeys) {
      const [oldestKey, oldest] = this.open.entries().next().value!;
      this.end(oldestKey, oldest);
    }
    // Insertion order is end order: the first window is always the next to end.
    this.open.set(key, { endsAt: now + this.windowMs, folded: 0, last: null });
    if (!this.timer) this.schedule();
    return true;
  }

  /** Ends every window (their count rows are written); used on shutdown. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const [key, w] of [...this.open]) this.end(key, w);
  }

  private schedule(): void {
    const first = this.open.values().next().value;
    this.timer = first ? timerAt(new Date(first.endsAt), this.clock, () => this.endDue()) : null;
  }

  private endDue(): void {
    const now = this.clock().getTime();
    for (const [key, w] of [...this.open]) {
      if (w.endsAt > now) break;
      this.end(key, w);
    }
    this.schedule();
  }

  private end(key: string, w: Window): void {
    this.open.delete(key);
    if (!w.folded || !w.last) return;
    const time = this.clock();
    this.write(Object.assign(Object.create(Object.getPrototypeOf(w.last) as object) as ConnectionLogEntity, w.last, { id: sortableId(time.getTime()), count: w.folded, time }));
  }
}
