"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.MOSQUITTO_BIN = void 0;
exports.mosquittoVersion = mosquittoVersion;
exports.startMosquitto = startMosquitto;
exports.startBareAedes = startBareAedes;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const env_js_1 = require("../lib/env.js");
const procs_js_1 = require("../lib/procs.js");
const target_js_1 = require("./target.js");
exports.MOSQUITTO_BIN = process.env.BENCH_MOSQUITTO || '/usr/sbin/mosquitto';
/** "mosquitto version 2.0.11" → "2.0.11"; null when the binary is missing. */
function mosquittoVersion() {
    if (!node_fs_1.default.existsSync(exports.MOSQUITTO_BIN))
        return null;
    try {
        (0, node_child_process_1.execFileSync)(exports.MOSQUITTO_BIN, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    }
    catch (err) {
        // `mosquitto -h` exits with status 3 after printing its usage.
        const out = String(err.stdout ?? '');
        const m = /mosquitto version (\S+)/.exec(out);
        if (m)
            return m[1];
    }
    return 'unknown';
}
/** Starts a private Mosquitto (own config: one anonymous listener on a free 127.0.0.1 port, no persistence). */
async function startMosquitto() {
    const version = mosquittoVersion();
    if (!version)
        throw new Error(`${exports.MOSQUITTO_BIN} not found`);
    const dir = (0, procs_js_1.makeTempDir)('portico-bench-mosquitto-');
    const port = await (0, procs_js_1.freePort)();
    const conf = node_path_1.default.join(dir, 'mosquitto.conf');
    node_fs_1.default.writeFileSync(conf, [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence false',
        // The bench bounds what is in flight itself; never drop queued QoS 1 messages for the subscriber.
        'max_queued_messages 0',
        // Like Portico's listeners (socket.setNoDelay): no Nagle delay on small packets.
        'set_tcp_nodelay true',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        '',
    ].join('\n'));
    node_fs_1.default.chmodSync(dir, 0o755);
    node_fs_1.default.chmodSync(conf, 0o644);
    let server;
    try {
        ({ server } = await (0, procs_js_1.startChild)('mosquitto', exports.MOSQUITTO_BIN, ['-c', conf], {}));
    }
    catch (err) {
        (0, procs_js_1.removeTempDir)(dir);
        throw err;
    }
    try {
        await (0, procs_js_1.waitForPort)(port);
    }
    catch (err) {
        await server.stop(1000);
        (0, procs_js_1.removeTempDir)(dir);
        throw new Error(`${String(err)}\n${server.outputTail()}`);
    }
    return {
        name: 'mosquitto',
        label: `Mosquitto ${version}`,
        server,
        host: '127.0.0.1',
        mqttPort: port,
        authenticates: false,
        devices: async (count, tag) => (0, target_js_1.anonymousDevices)(count, tag),
        async stop() {
            await server.stop();
            (0, procs_js_1.removeTempDir)(dir);
        },
    };
}
/** Starts bench/servers/aedes-bare.js (aedes without hooks) as a child process. */
async function startBareAedes(distBench) {
    const version = (0, env_js_1.packageVersion)('aedes');
    const { server, ready } = await (0, procs_js_1.startChild)('aedes', process.execPath, [node_path_1.default.join(distBench, 'servers', 'aedes-bare.js')], {
        env: { ...process.env, BENCH_HOST: '127.0.0.1', BENCH_PORT: '0' },
        ready: (line) => {
            const msg = JSON.parse(line);
            return msg.ready ? msg : undefined;
        },
    });
    return {
        name: 'aedes',
        label: `bare aedes ${version}`,
        server,
        host: '127.0.0.1',
        mqttPort: ready.mqtt,
        authenticates: false,
        devices: async (count, tag) => (0, target_js_1.anonymousDevices)(count, tag),
        stop: () => server.stop(),
    };
}
//# sourceMappingURL=baselines.js.map