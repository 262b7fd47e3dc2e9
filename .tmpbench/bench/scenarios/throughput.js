"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.connectDevice = void 0;
exports.runThroughput = runThroughput;
const measure_js_1 = require("../lib/measure.js");
const mqtt_raw_js_1 = require("../lib/mqtt-raw.js");
const connectDevice = (target, d, tlsOn = false) => mqtt_raw_js_1.RawMqttClient.connect({
    host: target.host,
    port: tlsOn ? target.mqttsPort : target.mqttPort,
    tls: tlsOn ? { ca: target.caPem } : undefined,
    clientId: d.clientId,
    username: d.username,
    password: d.password,
});
exports.connectDevice = connectDevice;
/**
 * QoS 0/1 throughput: `publishers` devices publish as fast as the window allows to one subscriber
 * (at most `window` messages published and not yet delivered), for `seconds` or `maxMessages`.
 */
async function runThroughput(target, o) {
    const maxPublishers = Math.max(...o.publishers);
    const devices = await target.devices(maxPublishers + 1, 'tp');
    const results = [];
    let cell = 0;
    for (const qos of o.qos) {
        for (const publishers of o.publishers) {
            for (const payloadBytes of o.payloadBytes) {
                cell++;
                const r = await runCell(target, devices, o, { qos, publishers, payloadBytes, cell });
                (0, measure_js_1.log)(`  ${target.name} QoS ${qos} ${publishers}→1 ${payloadBytes} B: ${Math.round(r.msgsPerSec)} msg/s, ${r.serverCpuMicrosPerMsg.toFixed(1)} CPU-µs/msg` +
                    `${r.stored !== undefined ? `, stored ${r.stored}/${r.sent}` : ''}${r.received < r.sent ? `, LOST ${r.sent - r.received}` : ''}`);
                results.push(r);
            }
        }
    }
    return results;
}
async function runCell(target, devices, o, c) {
    const topicBase = `bench/tp/${c.cell}-${Date.now().toString(36)}`;
    const sub = await (0, exports.connectDevice)(target, devices[0]);
    const pubs = await (0, mqtt_raw_js_1.pool)(c.publishers, 20, (i) => (0, exports.connectDevice)(target, devices[i + 1]));
    try {
        await sub.subscribe(`${topicBase}/#`, c.qos);
        const payload = Buffer.alloc(c.payloadBytes, 'x');
        const templates = pubs.map((_, i) => new mqtt_raw_js_1.PublishTemplate(`${topicBase}/${i}`, payload, c.qos));
        const nextId = new Uint16Array(pubs.length);
        let sent = 0;
        let received = 0;
        let acked = 0;
        let lastReceipt = 0;
        let sending = true;
        let scheduled = false;
        for (const p of pubs)
            p.onPuback = () => acked++;
        await (0, measure_js_1.waitIdle)(target.server.pid, 10_000);
        const meter = new measure_js_1.CpuMeter(target.server.pid);
        const start = (0, measure_js_1.now)();
        const deadline = start + o.seconds * 1000;
        const pump = () => {
            scheduled = false;
            if (!sending)
                return;
            for (const p of pubs)
                p.socket.cork();
            while (sent - received < o.window && sent < o.maxMessages) {
                const i = sent % pubs.length;
                let id = 0;
                if (c.qos) {
                    id = (nextId[i] % 65535) + 1;
                    nextId[i] = id;
                }
                pubs[i].write(templates[i].packet(id));
                sent++;
                if ((sent & 63) === 0 && (0, measure_js_1.now)() > deadline) {
                    sending = false;
                    break;
                }
            }
            if (sent >= o.maxMessages)
                sending = false;
            for (const p of pubs)
                p.socket.uncork();
        };
        sub.onMessage = () => {
            received++;
            lastReceipt = (0, measure_js_1.now)();
            if (!scheduled && sending) {
                scheduled = true;
                setImmediate(pump);
            }
        };
        pump();
        // Bounded: the pump stops itself at the deadline; deliveries get 10 s more.
        await (0, measure_js_1.waitFor)(() => !sending || (0, measure_js_1.now)() > deadline + 1000, o.seconds * 1000 + 2000, 20);
        sending = false;
        await (0, measure_js_1.waitFor)(() => received >= sent && (c.qos === 0 || acked >= sent), 10_000, 5);
        const elapsed = (lastReceipt || (0, measure_js_1.now)()) - start;
        let stored;
        if (target.name === 'portico') {
            const portico = target;
            await (0, measure_js_1.waitFor)(() => portico.countEvents(`${topicBase}/`) >= sent, 15_000, 100);
            stored = portico.countEvents(`${topicBase}/`);
        }
        const cpu = meter.read();
        return {
            server: target.name,
            qos: c.qos,
            publishers: c.publishers,
            payloadBytes: c.payloadBytes,
            sent,
            received,
            msgsPerSec: (received / elapsed) * 1000,
            serverCpuMicrosPerMsg: received ? cpu.serverCpuMicros / received : NaN,
            benchCoreShare: cpu.benchCoreShare,
            stored,
        };
    }
    finally {
        await Promise.all([sub, ...pubs].map((cl) => cl.end()));
    }
}
//# sourceMappingURL=throughput.js.map