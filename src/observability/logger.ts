import pino from 'pino';

import type { Logger, LogLevel } from '../common/index.js';

export interface LoggerOptions {
  level: LogLevel;
  /** Where the JSON lines go (tests capture them); default stdout, pretty-printed when it is a terminal and pino-pretty is installed. */
  destination?: pino.DestinationStream;
  /** Fields on every line (e.g. `instanceId`). */
  base?: Record<string, unknown>;
}

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
export function createLogger(o: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level: o.level,
    base: { pid: process.pid, ...o.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '[redacted]' },
  };
  return adapt(pino(options, o.destination ?? defaultDestination()));
}

/** stdout; on a terminal, through pino-pretty when it is installed (it is not a dependency). */
function defaultDestination(): pino.DestinationStream {
  if (process.stdout.isTTY) {
    try {
      const target = require.resolve('pino-pretty');
      return pino.transport({ target, options: { destination: 1 } }) as pino.DestinationStream;
    } catch {
      // not installed: plain JSON lines
    }
  }
  return pino.destination({ dest: 1, sync: true });
}

type Level = 'error' | 'warn' | 'info' | 'debug';

/**
 * The codebase's Logger over pino: `log.info(msg, extra)` where `extra` is an object of fields, an Error (logged
 * as `err`, with its stack) or anything else (logged as `detail`).
 */
function adapt(p: pino.Logger): Logger {
  const emit = (level: Level) => (msg: string, extra?: unknown) => {
    if (!p.isLevelEnabled(level)) return;
    if (extra === undefined) p[level](msg);
    else p[level](fieldsOf(extra), msg);
  };
  return {
    error: emit('error'),
    warn: emit('warn'),
    info: emit('info'),
    debug: emit('debug'),
    child: (bindings) => adapt(p.child(bindings)),
  };
}

function fieldsOf(extra: unknown): object {
  if (extra instanceof Error) return { err: extra };
  if (extra !== null && typeof extra === 'object' && !Array.isArray(extra)) return extra;
  return { detail: extra };
}
