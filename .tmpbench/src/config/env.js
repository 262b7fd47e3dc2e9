"use strict";
/** Reading typed settings from environment variables, with clear errors (used by config.ts only). */
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigError = void 0;
exports.int = int;
exports.bool = bool;
exports.port = port;
exports.list = list;
exports.oneOf = oneOf;
exports.wsPath = wsPath;
class ConfigError extends Error {
}
exports.ConfigError = ConfigError;
function int(env, name, fallback, min = 0) {
    const raw = env[name];
    if (raw === undefined || raw === '')
        return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
        throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    }
    return value;
}
function bool(env, name, fallback) {
    const raw = env[name];
    if (raw === undefined || raw === '')
        return fallback;
    if (/^(1|true|yes|on)$/i.test(raw))
        return true;
    if (/^(0|false|no|off)$/i.test(raw))
        return false;
    throw new ConfigError(`${name} must be a boolean, got "${raw}"`);
}
/** A port number, `off` (listener disabled) or the default. */
function port(env, name, fallback) {
    const raw = env[name];
    if (raw === undefined || raw === '')
        return fallback;
    if (/^(off|none|disabled)$/i.test(raw))
        return null;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
        throw new ConfigError(`${name} must be a port (0–65535) or "off", got "${raw}"`);
    return value;
}
function list(env, name, fallback) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '')
        return fallback;
    return raw.split(',').map((s) => s.trim()).filter(Boolean);
}
function oneOf(env, name, allowed, fallback) {
    const raw = env[name];
    if (raw === undefined || raw === '')
        return fallback;
    if (!allowed.includes(raw)) {
        throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return raw;
}
function wsPath(env) {
    const raw = env.PORTICO_MQTT_WS_PATH || '/mqtt';
    if (!/^\/[A-Za-z0-9._~\/-]*$/.test(raw) || raw === '/graphql' || raw.startsWith('/graphiql')) {
        throw new ConfigError(`PORTICO_MQTT_WS_PATH must be a URL path such as /mqtt, other than /graphql, got "${raw}"`);
    }
    return raw;
}
//# sourceMappingURL=env.js.map