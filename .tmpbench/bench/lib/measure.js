"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rssOf = exports.CpuMeter = exports.now = void 0;
exports.waitIdle = waitIdle;
exports.waitFor = waitFor;
exports.log = log;
const node_perf_hooks_1 = require("node:perf_hooks");
const procs_js_1 = require("./procs.js");
/** Milliseconds on a monotonic clock shared by every measurement of this process. */
const now = () => node_perf_hooks_1.performance.now();
exports.now = now;
/** CPU of the server child and of the bench process itself over one measured interval. */
class CpuMeter {
    constructor(pid) {
        this.pid = pid;
        this.wallStart = (0, exports.now)();
        this.serverStart = (0, procs_js_1.processCpuMicros)(pid);
        this.benchStart = process.cpuUsage();
    }
    /** µs of server CPU, and the load generator's share of one core (1 = saturated), since construction. */
    read() {
        const wallMs = (0, exports.now)() - this.wallStart;
        const bench = process.cpuUsage(this.benchStart);
        return {
            serverCpuMicros: (0, procs_js_1.processCpuMicros)(this.pid) - this.serverStart,
            benchCoreShare: wallMs > 0 ? (bench.user + bench.system) / 1000 / wallMs : 0,
            wallMs,
        };
    }
}
exports.CpuMeter = CpuMeter;
/**
 * Waits until the server uses < `threshold` of a core over two consecutive `sampleMs` windows (its
 * background work after a measurement is done), at most `maxMs`. Returns how long it waited.
 */
async function waitIdle(pid, maxMs = 30_000, threshold = 0.05, sampleMs = 250) {
    const start = (0, exports.now)();
    let calm = 0;
    let last = (0, procs_js_1.processCpuMicros)(pid);
    while ((0, exports.now)() - start < maxMs) {
        await (0, procs_js_1.sleep)(sampleMs);
        const cpu = (0, procs_js_1.processCpuMicros)(pid);
        const share = (cpu - last) / 1000 / sampleMs;
        last = cpu;
        calm = share < threshold ? calm + 1 : 0;
        if (calm >= 2)
            break;
    }
    return (0, exports.now)() - start;
}
/** Polls `done()` every `intervalMs` until it is true or `timeoutMs` passes; returns whether it became true. */
async function waitFor(done, timeoutMs, intervalMs = 5) {
    const deadline = (0, exports.now)() + timeoutMs;
    while (!done()) {
        if ((0, exports.now)() > deadline)
            return false;
        await (0, procs_js_1.sleep)(intervalMs);
    }
    return true;
}
const rssOf = (pid) => (0, procs_js_1.processRssBytes)(pid);
exports.rssOf = rssOf;
/** Log line to stderr with a timestamp (stdout stays free for the final table). */
function log(message) {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
//# sourceMappingURL=measure.js.map