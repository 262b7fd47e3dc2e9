"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * `npm run bench`: Portico against Mosquitto and a bare aedes, on loopback, one server at a time.
 * Writes bench/results/<timestamp>.json and bench/results/latest.md (quick runs: <timestamp>-quick.json and
 * latest-quick.md, git-ignored), and prints the markdown.
 */
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const env_js_1 = require("./lib/env.js");
const measure_js_1 = require("./lib/measure.js");
const options_js_1 = require("./lib/options.js");
const procs_js_1 = require("./lib/procs.js");
const report_js_1 = require("./lib/report.js");
const fanin_js_1 = require("./scenarios/fanin.js");
const graphql_js_1 = require("./scenarios/graphql.js");
const storm_js_1 = require("./scenarios/storm.js");
const throughput_js_1 = require("./scenarios/throughput.js");
const baselines_js_1 = require("./servers/baselines.js");
const portico_js_1 = require("./servers/portico.js");
/** The whole run stops by itself after this long, whatever happens. */
const WATCHDOG_MS = Number(process.env.BENCH_WATCHDOG_MS || 40 * 60_000);
async function start(name, root, o) {
    if (name === 'mosquitto')
        return (0, baselines_js_1.startMosquitto)();
    if (name === 'aedes')
        return (0, baselines_js_1.startBareAedes)(node_path_1.default.join(root, 'dist', 'bench'));
    return (0, portico_js_1.startPortico)(root, o.porticoEnv, o.porticoNodeArgs);
}
async function main() {
    const root = (0, env_js_1.repoRoot)();
    const parsed = (0, options_js_1.parseOptions)(process.argv.slice(2), process.env, root);
    if (parsed === 'help') {
        process.stdout.write(options_js_1.USAGE + '\n');
        return;
    }
    const o = parsed;
    const startedAt = new Date();
    const t0 = (0, measure_js_1.now)();
    const results = {
        startedAt: startedAt.toISOString(),
        commit: (0, env_js_1.gitCommit)(),
        machine: (0, env_js_1.machine)(),
        options: o,
        servers: [],
        throughput: [],
        fanin: [],
        storm: [],
        graphql: {},
        ratios: (0, report_js_1.computeRatios)({ throughput: [], storm: [], fanin: [] }),
        errors: [],
    };
    (0, measure_js_1.log)(`options: ${JSON.stringify({ quick: o.quick, servers: o.servers, scenarios: o.scenarios })}`);
    for (const name of o.servers) {
        if (name === 'mosquitto' && !(0, baselines_js_1.mosquittoVersion)()) {
            (0, measure_js_1.log)('mosquitto: not installed, skipped');
            results.servers.push({ name, label: 'Mosquitto', skipped: 'not installed' });
            continue;
        }
        (0, measure_js_1.log)(`${name}: starting`);
        let target;
        try {
            target = await start(name, root, o);
        }
        catch (err) {
            (0, measure_js_1.log)(`${name}: could not start: ${String(err)}`);
            results.servers.push({ name, label: name, skipped: `could not start: ${String(err.message ?? err).split('\n')[0]}` });
            results.errors.push({ server: name, scenario: 'start', error: String(err) });
            continue;
        }
        results.servers.push({ name, label: target.label });
        (0, measure_js_1.log)(`${target.label}: pid ${target.server.pid}, MQTT ${target.mqttPort}${target.mqttsPort ? `, MQTTS ${target.mqttsPort}` : ''}`);
        const attempt = async (scenario, fn) => {
            if (target.server.child.exitCode !== null) {
                results.errors.push({ server: name, scenario, error: 'server exited earlier' });
                return;
            }
            try {
                await fn();
            }
            catch (err) {
                (0, measure_js_1.log)(`${name} ${scenario} failed: ${String(err.stack ?? err)}`);
                results.errors.push({ server: name, scenario, error: String(err.message ?? err) });
                await (0, measure_js_1.waitIdle)(target.server.pid, 15_000).catch(() => undefined);
            }
        };
        try {
            // The connect storm runs first, on a fresh server, so its memory numbers are not skewed by other runs.
            if (o.scenarios.includes('storm')) {
                await attempt('storm', async () => {
                    const c0 = (0, measure_js_1.now)();
                    const devices = await target.devices(o.storm.devices, 'storm');
                    if (target.name === 'portico')
                        results.deviceCreation = { devices: devices.length, perSec: (devices.length / ((0, measure_js_1.now)() - c0)) * 1000 };
                    results.storm.push(await (0, storm_js_1.runStorm)(target, o.storm, false, devices));
                    if (o.storm.tls && target.mqttsPort && target.caPem)
                        results.storm.push(await (0, storm_js_1.runStorm)(target, o.storm, true, devices));
                });
            }
            if (o.scenarios.includes('throughput'))
                await attempt('throughput', async () => void results.throughput.push(...(await (0, throughput_js_1.runThroughput)(target, o.throughput))));
            if (o.scenarios.includes('fanin'))
                await attempt('fanin', async () => void results.fanin.push(await (0, fanin_js_1.runFanin)(target, o.fanin)));
            if (o.scenarios.includes('graphql') && target.name === 'portico') {
                await attempt('graphql devices', async () => void (results.graphql.devicesQuery = await (0, graphql_js_1.runDevicesQuery)(target, o.graphql)));
                await attempt('graphql fan-out', async () => void (results.graphql.fanout = await (0, graphql_js_1.runFanout)(target, o.graphql)));
            }
            if (target.server.child.exitCode !== null) {
                results.errors.push({ server: name, scenario: 'run', error: `server exited with code ${target.server.child.exitCode}\n${target.server.outputTail()}` });
            }
            const tail = target.server.outputTail();
            if (tail.trim())
                (0, measure_js_1.log)(`${name} output (last lines):\n${tail}`);
        }
        finally {
            (0, measure_js_1.log)(`${name}: stopping`);
            await target.stop();
        }
    }
    const variantEnv = o.fanin.porticoVariantEnv;
    if (variantEnv && o.servers.includes('portico') && o.scenarios.includes('fanin') && results.servers.some((s) => s.name === 'portico' && !s.skipped)) {
        const variant = Object.entries(variantEnv).map(([k, v]) => `${k}=${v}`).join(' ');
        (0, measure_js_1.log)(`portico (${variant}): starting for the fan-in variant`);
        try {
            const target = await (0, portico_js_1.startPortico)(root, { ...o.porticoEnv, ...variantEnv }, o.porticoNodeArgs);
            try {
                const r = await (0, fanin_js_1.runFanin)(target, o.fanin);
                results.fanin.push({ ...r, variant });
            }
            catch (err) {
                (0, measure_js_1.log)(`portico (${variant}) fan-in failed: ${String(err.stack ?? err)}`);
                results.errors.push({ server: `portico (${variant})`, scenario: 'fanin', error: String(err.message ?? err) });
            }
            finally {
                await target.stop();
            }
        }
        catch (err) {
            results.errors.push({ server: `portico (${variant})`, scenario: 'start', error: String(err) });
        }
    }
    results.ratios = (0, report_js_1.computeRatios)(results);
    results.finishedAt = new Date().toISOString();
    results.durationSeconds = Math.round(((0, measure_js_1.now)() - t0) / 100) / 10;
    node_fs_1.default.mkdirSync(o.outDir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const jsonFile = node_path_1.default.join(o.outDir, `${stamp}${o.quick ? '-quick' : ''}.json`);
    node_fs_1.default.writeFileSync(jsonFile, JSON.stringify(results, null, 2) + '\n');
    const md = (0, report_js_1.markdown)(results);
    // Quick runs never replace the table of the last full run.
    const mdFile = node_path_1.default.join(o.outDir, o.quick ? 'latest-quick.md' : 'latest.md');
    node_fs_1.default.writeFileSync(mdFile, md);
    process.stdout.write(md);
    (0, measure_js_1.log)(`done in ${results.durationSeconds} s: ${node_path_1.default.relative(process.cwd(), jsonFile)}, ${node_path_1.default.relative(process.cwd(), mdFile)}`);
}
const watchdog = setTimeout(() => {
    (0, measure_js_1.log)(`watchdog: still running after ${WATCHDOG_MS / 60_000} min, stopping`);
    void (0, procs_js_1.stopAll)(2000).finally(() => process.exit(2));
}, WATCHDOG_MS);
watchdog.unref();
process.on('unhandledRejection', (err) => (0, measure_js_1.log)(`unhandled rejection: ${String(err?.stack ?? err)}`));
main().then(async () => {
    await (0, procs_js_1.stopAll)();
    process.exit(0);
}, async (err) => {
    (0, measure_js_1.log)(`failed: ${String(err?.stack ?? err)}`);
    await (0, procs_js_1.stopAll)(2000);
    process.exit(1);
});
//# sourceMappingURL=run.js.map