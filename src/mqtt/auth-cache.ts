import crypto from 'node:crypto';

import type { Clock } from '../common/index.js';
import type { DeviceEntity } from '../devices/index.js';

interface Entry {
  username: string | undefined;
  /** The password's keyed digest as a 32-character latin1 string (~50 B; a Buffer costs ~270 B of heap). */
  digest: string;
  device: DeviceEntity;
  expiresAt: number;
}

/**
 * Successful Token authentications by client id, for `ttlMs`: a reconnect storm does not query the
 * database per connect. Only the password's keyed digest is kept (key random per process). Entries are
 * dropped when the registry reports a credential change (`invalidate`) or when registry events may have been
 * missed (`clear`); a lookup that was in flight while either happened is not cached (generation check).
 */
export class AuthCache {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  /** Source of generations: every invalidate and clear takes a new, larger one. */
  private counter = 0;
  /** The generation of the last clear: no client id's generation is below it. */
  private clearedAt = 0;
  private readonly key = crypto.randomBytes(32);
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxEntries = 100_000,
  ) {}

  /** The password's keyed digest (a 32-character latin1 string): computed once per connect, for `lookupKey` and `put`. */
  digestOf(password: Buffer | string | undefined): string {
    return this.hmac(password).toString('latin1');
  }

  private hmac(password: Buffer | string | undefined): Buffer {
    return crypto
      .createHmac('sha256', this.key)
      .update(password ?? '')
      .digest();
  }

  /** A key identifying these exact credentials (for sharing one lookup between concurrent connects). */
  lookupKey(clientId: string, username: string | undefined, digest: string): string {
    return `${clientId}\u0000${username ?? '\u0001'}\u0000${digest}`;
  }

  /** Changes whenever the client id's credentials change or the cache is cleared; compare before/after a lookup. */
  generation(clientId: string): number {
    return Math.max(this.generations.get(clientId) ?? 0, this.clearedAt);
  }

  get(clientId: string, username: string | undefined, password: Buffer | string | undefined): DeviceEntity | null {
    if (this.ttlMs <= 0) return null;
    const entry = this.entries.get(clientId);
    if (!entry) {
      this.misses += 1;
      return null;
    }
    if (entry.expiresAt <= this.clock().getTime()) {
      this.entries.delete(clientId);
      this.misses += 1;
      return null;
    }
    const ok = entry.username === username && crypto.timingSafeEqual(Buffer.from(entry.digest, 'latin1'), this.hmac(password));
    if (!ok) {
      this.misses += 1;
      return null;
    }
    this.hits += 1;
    return entry.device;
  }

  /** Caches a success, unless the credentials changed since `generation` was read. */
  put(clientId: string, username: string | undefined, digest: string, device: DeviceEntity, generation: number): void {
    if (this.ttlMs <= 0 || this.generation(clientId) !== generation) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(clientId);
    this.entries.set(clientId, { username, digest, device, expiresAt: this.clock().getTime() + this.ttlMs });
  }

  invalidate(clientId: string): void {
    this.entries.delete(clientId);
    this.generations.set(clientId, ++this.counter);
  }

  /** Drops every entry; lookups in flight are not cached either. */
  clear(): void {
    this.entries.clear();
    this.generations.clear();
    this.clearedAt = ++this.counter;
  }
}
