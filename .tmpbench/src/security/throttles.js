"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createThrottles = createThrottles;
const ioredis_1 = require("ioredis");
const attempt_throttle_js_1 = require("./attempt-throttle.js");
const connect_throttle_js_1 = require("./connect-throttle.js");
/**
 * The authentication throttles of one app instance. With Redis (scale-out) the counters are shared by every
 * instance through a Redis client of their own; otherwise they live in this process.
 */
function createThrottles(config, redisUrl, log) {
    let redis;
    if (redisUrl && (config.login.maxFailures > 0 || config.mqttAuth.maxFailures > 0)) {
        redis = new ioredis_1.Redis(redisUrl, { maxRetriesPerRequest: 1, disconnectTimeout: 200 });
        redis.on('error', (err) => log.warn(`Redis (throttle counters): ${err.message}`));
    }
    const store = { ...(redis ? { redis } : {}), keyPrefix: config.redisKeyPrefix, log };
    const make = (name, kind, limit) => (limit.maxFailures > 0 ? new attempt_throttle_js_1.FailureThrottle(name, kind, limit, store, log) : connect_throttle_js_1.noConnectThrottle);
    return {
        login: make('login', 'account', config.login),
        mqttAuth: make('mqtt-auth', 'client id', config.mqttAuth),
        close: async () => {
            if (!redis)
                return;
            if (redis.status === 'ready')
                await redis.quit().catch(() => redis.disconnect());
            else
                redis.disconnect();
        },
    };
}
//# sourceMappingURL=throttles.js.map