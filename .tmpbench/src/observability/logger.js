"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.createLogger = createLogger;
const pino_1 = __importDefault(require("pino"));
/**
 * Keys whose values never reach a log line, at the top level or one level down (`{ device: { deviceKey } }`):
 * passwords, device keys, tokens, API keys, private keys, the server secret. Call sites do not log them in the
 * first place; this is the second line.
 */
const SECRET_KEYS = ['password', 'deviceKey', 'key', 'token', 'authorization', 'apiKey', 'secret', 'serverSecret', 'privateKey', 'privateKeyPem', 'cookie'];
/**
 * The process logger: JSON lines (pino) with `level`, `time` (ISO 8601), `msg`, the base fields and whatever a
 * call adds (`requestId`, `deviceId`, `err` with its stack, ...).
 */
function createLogger(o) {
    const options = {
        level: o.level,
        base: { pid: process.pid, ...o.base },
        timestamp: pino_1.default.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '[redacted]' },
    };
    return adapt((0, pino_1.default)(options, o.destination ?? defaultDestination()));
}
/** stdout; on a terminal, through pino-pretty when it is installed (it is not a dependency). */
function defaultDestination() {
    if (process.stdout.isTTY) {
        try {
            const target = require.resolve('pino-pretty');
            return pino_1.default.transport({ target, options: { destination: 1 } });
        }
        catch {
            // not installed: plain JSON lines
        }
    }
    return pino_1.default.destination({ dest: 1, sync: true });
}
/**
 * The codebase's Logger over pino: `log.info(msg, extra)` where `extra` is an object of fields, an Error (logged
 * as `err`, with its stack) or anything else (logged as `detail`).
 */
function adapt(p) {
    const emit = (level) => (msg, extra) => {
        if (!p.isLevelEnabled(level))
            return;
        if (extra === undefined)
            p[level](msg);
        else
            p[level](fieldsOf(extra), msg);
    };
    return {
        error: emit('error'),
        warn: emit('warn'),
        info: emit('info'),
        debug: emit('debug'),
        child: (bindings) => adapt(p.child(bindings)),
    };
}
function fieldsOf(extra) {
    if (extra instanceof Error)
        return { err: extra };
    if (extra !== null && typeof extra === 'object' && !Array.isArray(extra))
        return extra;
    return { detail: extra };
}
//# sourceMappingURL=logger.js.map