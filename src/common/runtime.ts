/** A source of the current time; injectable so tests can move time. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
/** `clock()` in epoch ms, without a Date when it is the system clock (per-message paths). */
export const nowMs = (clock: Clock): number => (clock === systemClock ? Date.now() : clock().getTime());

/**
 * A gate that opens at most once per `intervalMs` (wall time): for a warning that would otherwise repeat on every
 * failure or dropped message.
 */
export function atMostEvery(intervalMs: number): () => boolean {
  let last = -Infinity;
  return () => {
    const now = Date.now();
    if (now - last < intervalMs) return false;
    last = now;
    return true;
  };
}

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
  /** A logger adding `bindings` to every line (src/observability/logger.ts); loggers without it ignore bindings. */
  child?(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

/** `log` with `bindings` on every line (for one concern, request or session), where the logger supports it. */
export const childLogger = (log: Logger, bindings: Record<string, unknown>): Logger => log.child?.(bindings) ?? log;
