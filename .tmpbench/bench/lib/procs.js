"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.sleep = void 0;
exports.makeTempDir = makeTempDir;
exports.removeTempDir = removeTempDir;
exports.startChild = startChild;
exports.stopAll = stopAll;
exports.processCpuMicros = processCpuMicros;
exports.processRssBytes = processRssBytes;
exports.freePort = freePort;
exports.waitForPort = waitForPort;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_net_1 = __importDefault(require("node:net"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const node_readline_1 = __importDefault(require("node:readline"));
/** Every child process the bench started; all are killed on exit, error and SIGINT/SIGTERM. */
const children = new Set();
let hooksInstalled = false;
function killAllSync() {
    for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
            try {
                child.kill('SIGKILL');
            }
            catch {
                /* already gone */
            }
        }
    }
    children.clear();
    for (const dir of tempDirs)
        node_fs_1.default.rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
}
/** Temporary directories of the servers; removed at exit (also on error and SIGINT). */
const tempDirs = new Set();
function makeTempDir(prefix) {
    installHooks();
    const dir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), prefix));
    tempDirs.add(dir);
    return dir;
}
function removeTempDir(dir) {
    node_fs_1.default.rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
}
function installHooks() {
    if (hooksInstalled)
        return;
    hooksInstalled = true;
    process.on('exit', killAllSync);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
        process.on(signal, () => {
            process.stderr.write(`\nbench: ${signal}, stopping servers\n`);
            killAllSync();
            process.exit(130);
        });
    }
}
/**
 * Starts a child process and waits until `ready(line)` accepts a stdout line (or `readyTimeoutMs`
 * passes, or the child exits first). Returns the server handle and the accepted line's value.
 */
async function startChild(name, command, args, options) {
    installHooks();
    const child = (0, node_child_process_1.spawn)(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void exited.then(() => children.delete(child));
    const tail = [];
    const keep = (line) => {
        tail.push(line);
        if (tail.length > 30)
            tail.shift();
    };
    node_readline_1.default.createInterface({ input: child.stderr }).on('line', keep);
    const stdout = node_readline_1.default.createInterface({ input: child.stdout });
    const server = {
        name,
        child,
        pid: child.pid ?? -1,
        outputTail: () => tail.join('\n'),
        async stop(graceMs = 5000) {
            if (child.exitCode !== null || child.signalCode !== null)
                return;
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(timer);
        },
    };
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    try {
        const ready = await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms\n${server.outputTail()}`)), timeoutMs);
            child.once('error', (err) => {
                clearTimeout(timer);
                reject(err);
            });
            void exited.then(() => {
                clearTimeout(timer);
                reject(new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready\n${server.outputTail()}`));
            });
            const isReady = options.ready;
            if (!isReady) {
                child.once('spawn', () => {
                    clearTimeout(timer);
                    resolve(undefined);
                });
            }
            stdout.on('line', (line) => {
                keep(line);
                if (!isReady)
                    return;
                let value;
                try {
                    value = isReady(line);
                }
                catch {
                    value = undefined;
                }
                if (value !== undefined) {
                    clearTimeout(timer);
                    resolve(value);
                }
            });
        });
        return { server, ready };
    }
    catch (err) {
        await server.stop(1000);
        throw err;
    }
}
/** Kills every child still running (SIGTERM, SIGKILL after `graceMs`). */
async function stopAll(graceMs = 5000) {
    await Promise.all([...children].map((child) => new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null)
            return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
    })));
}
let clockTicks = null;
function ticksPerSecond() {
    if (clockTicks == null) {
        try {
            clockTicks = Number((0, node_child_process_1.execFileSync)('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
        }
        catch {
            clockTicks = 100;
        }
    }
    return clockTicks;
}
/** User + system CPU time of a process (all its threads) in µs, from /proc/<pid>/stat. */
function processCpuMicros(pid) {
    const stat = node_fs_1.default.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces), starting with field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1e6) / ticksPerSecond();
}
/** Resident set size of a process in bytes, from /proc/<pid>/status. */
function processRssBytes(pid) {
    const status = node_fs_1.default.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
}
/** A free TCP port on 127.0.0.1 (listen on port 0, close, return the port). */
function freePort() {
    return new Promise((resolve, reject) => {
        const srv = node_net_1.default.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const port = srv.address().port;
            srv.close(() => resolve(port));
        });
    });
}
/** Resolves once a TCP connect to host:port succeeds; rejects after `timeoutMs`. */
async function waitForPort(port, host = '127.0.0.1', timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const ok = await new Promise((resolve) => {
            const s = node_net_1.default.connect(port, host);
            s.once('connect', () => {
                s.destroy();
                resolve(true);
            });
            s.once('error', () => resolve(false));
        });
        if (ok)
            return;
        if (Date.now() > deadline)
            throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
        await (0, exports.sleep)(50);
    }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
exports.sleep = sleep;
//# sourceMappingURL=procs.js.map