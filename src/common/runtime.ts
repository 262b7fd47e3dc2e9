/** A source of the current time; injectable so tests can move time. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** Node's longest timer delay (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `fn` when `clock` reaches `at` (at once if it has); unref'd, so it never keeps the process alive. */
export function timerAt(at: Date, clock: Clock, fn: () => void): NodeJS.Timeout {
  const timer = setTimeout(fn, Math.min(Math.max(0, at.getTime() - clock().getTime()), MAX_TIMER_MS));
  timer.unref();
  return timer;
}

export interface Logger {
  error(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  debug(msg: string, extra?: unknown): void;
}

const LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** Line-oriented logger to stderr. */
export function createLogger(level: LogLevel): Logger {
  const threshold = LEVELS.indexOf(level);
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, extra?: unknown) => {
    if (LEVELS.indexOf(lvl) > threshold) return;
    const tail = extra === undefined ? '' : ' ' + (extra instanceof Error ? (extra.stack ?? extra.message) : JSON.stringify(extra));
    process.stderr.write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${msg}${tail}\n`);
  };
  return {
    error: (m, e) => emit('error', m, e),
    warn: (m, e) => emit('warn', m, e),
    info: (m, e) => emit('info', m, e),
    debug: (m, e) => emit('debug', m, e),
  };
}
