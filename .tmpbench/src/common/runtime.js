"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.childLogger = exports.systemClock = void 0;
exports.timerAt = timerAt;
const systemClock = () => new Date();
exports.systemClock = systemClock;
/** Node's longest timer delay (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Runs `fn` when `clock` reaches `at` (at once if it has); unref'd, so it never keeps the process alive. */
function timerAt(at, clock, fn) {
    const timer = setTimeout(fn, Math.min(Math.max(0, at.getTime() - clock().getTime()), MAX_TIMER_MS));
    timer.unref();
    return timer;
}
/** `log` with `bindings` on every line (for one concern, request or session), where the logger supports it. */
const childLogger = (log, bindings) => log.child?.(bindings) ?? log;
exports.childLogger = childLogger;
//# sourceMappingURL=runtime.js.map