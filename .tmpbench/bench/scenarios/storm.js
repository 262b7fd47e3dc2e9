"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.runStorm = runStorm;
const measure_js_1 = require("../lib/measure.js");
const mqtt_raw_js_1 = require("../lib/mqtt-raw.js");
const throughput_js_1 = require("./throughput.js");
/** Connect storm: `devices` devices connect (at most `concurrency` connecting at once) and stay connected. */
async function runStorm(target, o, tlsOn, devices) {
    await (0, measure_js_1.waitIdle)(target.server.pid, 60_000);
    const rssBefore = (0, measure_js_1.rssOf)(target.server.pid);
    const meter = new measure_js_1.CpuMeter(target.server.pid);
    const start = (0, measure_js_1.now)();
    let failed = 0;
    let firstError;
    let last = start;
    const clients = await (0, mqtt_raw_js_1.pool)(devices.length, o.concurrency, async (i) => {
        try {
            const c = await (0, throughput_js_1.connectDevice)(target, devices[i], tlsOn);
            last = (0, measure_js_1.now)();
            return c;
        }
        catch (err) {
            failed++;
            firstError ??= String(err.message ?? err);
            return null;
        }
    });
    const ok = clients.filter((c) => c !== null);
    const elapsed = last - start;
    const benchShare = meter.read().benchCoreShare;
    const settleMs = await (0, measure_js_1.waitIdle)(target.server.pid, 60_000);
    const cpu = meter.read();
    const rssAfter = (0, measure_js_1.rssOf)(target.server.pid);
    const result = {
        server: target.name,
        tls: tlsOn,
        authenticated: target.authenticates,
        devices: devices.length,
        connected: ok.length,
        failed,
        firstError,
        connectsPerSec: ok.length ? (ok.length / elapsed) * 1000 : 0,
        rssBytesPerConnection: ok.length ? (rssAfter - rssBefore) / ok.length : NaN,
        rssBeforeMiB: rssBefore / 2 ** 20,
        rssAfterMiB: rssAfter / 2 ** 20,
        serverCpuMicrosPerConnect: ok.length ? cpu.serverCpuMicros / ok.length : NaN,
        settleMs: Math.max(0, settleMs - 500),
        benchCoreShare: benchShare,
    };
    (0, measure_js_1.log)(`  ${target.name} storm${tlsOn ? ' TLS' : ''}: ${ok.length}/${devices.length} connected, ${Math.round(result.connectsPerSec)} connects/s, ` +
        `${(result.rssBytesPerConnection / 1024).toFixed(1)} KiB/connection, ${Math.round(result.serverCpuMicrosPerConnect)} CPU-µs/connect` +
        (failed ? `, ${failed} failed (${firstError})` : ''));
    await (0, mqtt_raw_js_1.pool)(ok.length, 500, (i) => ok[i].end());
    await (0, measure_js_1.waitIdle)(target.server.pid, 60_000);
    return result;
}
//# sourceMappingURL=storm.js.map