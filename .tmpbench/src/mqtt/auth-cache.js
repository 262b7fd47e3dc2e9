"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.AuthCache = void 0;
const node_crypto_1 = __importDefault(require("node:crypto"));
/**
 * Successful Token authentications by client id, for `ttlMs`: a reconnect storm does not query the
 * database per connect. Only the password's keyed digest is kept (key random per process). Entries are
 * dropped when the registry reports a credential change (`invalidate`) or when registry events may have been
 * missed (`clear`); a lookup that was in flight while either happened is not cached (generation check).
 */
class AuthCache {
    constructor(ttlMs, clock, maxEntries = 100_000) {
        this.ttlMs = ttlMs;
        this.clock = clock;
        this.maxEntries = maxEntries;
        this.entries = new Map();
        this.generations = new Map();
        /** Source of generations: every invalidate and clear takes a new, larger one. */
        this.counter = 0;
        /** The generation of the last clear: no client id's generation is below it. */
        this.clearedAt = 0;
        this.key = node_crypto_1.default.randomBytes(32);
        this.hits = 0;
        this.misses = 0;
    }
    digest(password) {
        return node_crypto_1.default.createHmac('sha256', this.key).update(password ?? '').digest();
    }
    /** A key identifying these exact credentials (for sharing one lookup between concurrent connects). */
    lookupKey(clientId, username, password) {
        return `${clientId}\u0000${username ?? '\u0001'}\u0000${this.digest(password).toString('base64')}`;
    }
    /** Changes whenever the client id's credentials change or the cache is cleared; compare before/after a lookup. */
    generation(clientId) {
        return Math.max(this.generations.get(clientId) ?? 0, this.clearedAt);
    }
    get(clientId, username, password) {
        if (this.ttlMs <= 0)
            return null;
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
        const ok = entry.username === username && node_crypto_1.default.timingSafeEqual(entry.digest, this.digest(password));
        if (!ok) {
            this.misses += 1;
            return null;
        }
        this.hits += 1;
        return entry.device;
    }
    /** Caches a success, unless the credentials changed since `generation` was read. */
    put(clientId, username, password, device, generation) {
        if (this.ttlMs <= 0 || this.generation(clientId) !== generation)
            return;
        if (this.entries.size >= this.maxEntries) {
            const oldest = this.entries.keys().next().value;
            if (oldest !== undefined)
                this.entries.delete(oldest);
        }
        this.entries.delete(clientId);
        this.entries.set(clientId, { username, digest: this.digest(password), device, expiresAt: this.clock().getTime() + this.ttlMs });
    }
    invalidate(clientId) {
        this.entries.delete(clientId);
        this.generations.set(clientId, ++this.counter);
    }
    /** Drops every entry; lookups in flight are not cached either. */
    clear() {
        this.entries.clear();
        this.generations.clear();
        this.clearedAt = ++this.counter;
    }
}
exports.AuthCache = AuthCache;
//# sourceMappingURL=auth-cache.js.map