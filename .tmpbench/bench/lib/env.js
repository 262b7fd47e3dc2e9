"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.repoRoot = repoRoot;
exports.packageVersion = packageVersion;
exports.gitCommit = gitCommit;
exports.machine = machine;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
/** The repository root (the directory holding package.json), from bench/ or dist/bench/ alike. */
function repoRoot() {
    let dir = __dirname;
    while (!node_fs_1.default.existsSync(node_path_1.default.join(dir, 'package.json')) && node_path_1.default.dirname(dir) !== dir)
        dir = node_path_1.default.dirname(dir);
    return dir;
}
/** Installed version of a dependency (read from node_modules, which works despite `exports`). */
function packageVersion(name) {
    try {
        return JSON.parse(node_fs_1.default.readFileSync(node_path_1.default.join(repoRoot(), 'node_modules', name, 'package.json'), 'utf8')).version;
    }
    catch {
        return 'unknown';
    }
}
function gitCommit() {
    try {
        return (0, node_child_process_1.execFileSync)('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    }
    catch {
        return null;
    }
}
function machine() {
    const cpus = node_os_1.default.cpus();
    return {
        cpuModel: cpus[0]?.model ?? 'unknown',
        cpus: cpus.length,
        memoryGiB: Math.round((node_os_1.default.totalmem() / 2 ** 30) * 10) / 10,
        node: process.version,
        platform: `${node_os_1.default.type()} ${node_os_1.default.release()}`,
        loadAverageAtStart: node_os_1.default.loadavg().map((l) => Math.round(l * 100) / 100),
    };
}
//# sourceMappingURL=env.js.map