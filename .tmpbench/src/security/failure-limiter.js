"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FailureLimiter = void 0;
const rate_limiter_flexible_1 = require("rate-limiter-flexible");
const isRes = (v) => v instanceof rate_limiter_flexible_1.RateLimiterRes;
/**
 * Counts attempts per key with rate-limiter-flexible (fixed window; once the limit is crossed the key is blocked
 * for `blockSeconds`, and further attempts do not extend the block). A failing store never refuses anyone: in
 * Redis mode an in-memory insurance limiter takes over, and any other error is logged and let through.
 */
class FailureLimiter {
    constructor(name, limit, store) {
        this.name = name;
        this.limit = limit;
        this.store = store;
        const opts = {
            keyPrefix: `${store.keyPrefix}:${name}`,
            points: limit.points,
            duration: limit.windowSeconds,
            blockDuration: limit.blockSeconds,
        };
        this.limiter = store.redis
            ? new rate_limiter_flexible_1.RateLimiterRedis({ ...opts, storeClient: store.redis, rejectIfRedisNotReady: true, insuranceLimiter: new rate_limiter_flexible_1.RateLimiterMemory(opts) })
            : new rate_limiter_flexible_1.RateLimiterMemory(opts);
    }
    /** Counts one attempt of `key`. */
    async take(key) {
        try {
            await this.limiter.consume(key);
            return { refused: false, retryAfterMs: 0, crossed: false };
        }
        catch (err) {
            if (!isRes(err))
                return this.storeFailed(err, { refused: false, retryAfterMs: 0, crossed: false });
            return { refused: true, retryAfterMs: Math.max(1, err.msBeforeNext), crossed: err.consumedPoints === this.limit.points + 1 };
        }
    }
    /** How long `key` is still refused (0: it may try now); counts nothing. */
    async blockedFor(key) {
        try {
            const res = await this.limiter.get(key);
            return res && res.consumedPoints > this.limit.points ? Math.max(1, res.msBeforeNext) : 0;
        }
        catch (err) {
            return this.storeFailed(err, 0);
        }
    }
    /** Forgets the attempts of `key`. */
    async reset(key) {
        try {
            await this.limiter.delete(key);
        }
        catch (err) {
            this.storeFailed(err, undefined);
        }
    }
    storeFailed(err, fallback) {
        this.store.log.warn(`throttle ${this.name}: counter store failed, attempt let through`, err instanceof Error ? err.message : err);
        return fallback;
    }
}
exports.FailureLimiter = FailureLimiter;
//# sourceMappingURL=failure-limiter.js.map