import { EventEmitter, once } from 'node:events';

/**
 * Counts live subscribers per key and lets a caller wait until a key has one: how tests and tools know a GraphQL
 * subscription is listening before they make something happen, without sleeping.
 */
export class SubscriberCounter {
  private readonly counts = new Map<string, number>();
  private readonly added = new EventEmitter();

  constructor() {
    this.added.setMaxListeners(0);
  }

  /** Counts one subscriber of `key`; the returned function uncounts it (once). */
  add(key: string): () => void {
    this.counts.set(key, this.count(key) + 1);
    this.added.emit(key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = this.count(key) - 1;
      if (n > 0) this.counts.set(key, n);
      else this.counts.delete(key);
    };
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Resolves once `key` has a subscriber, at once if it has one already. */
  async whenAny(key: string): Promise<void> {
    if (this.count(key) > 0) return;
    await once(this.added, key);
  }
}
