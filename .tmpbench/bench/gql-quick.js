"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
// Temporary quick measurement (not committed).
const node_child_process_1 = require("node:child_process");
const node_util_1 = require("node:util");
const run = (0, node_util_1.promisify)(node_child_process_1.execFile);
const app_js_1 = require("../src/app.js");
const config_js_1 = require("../src/config/config.js");
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
async function main() {
    const dataDir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'gqlq-'));
    const config = (0, config_js_1.makeConfig)({ host: '127.0.0.1', port: 0, logLevel: 'error', dataDir, mqtt: { ...(0, config_js_1.makeConfig)({ dataDir }).mqtt, host: '127.0.0.1', port: 0, tlsPort: 0, mutualTlsPort: 0, wssPort: null }, auth: { tokenTtlSeconds: 3600, passwordHashCost: 1024 } });
    const app = await (0, app_js_1.createApp)(config);
    const post = async (query, token) => (await (await fetch(app.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query }) })).json());
    const token = (await post('mutation { signUp(email: "b@example.com", password: "correct horse battery") { token } }')).data.signUp.token;
    for (let i = 0; i < 50; i++)
        await post(`mutation { createDevice(input: { name: "d${i}" }) { id } }`, token);
    const queries = (process.env.Q ?? 'me,devices').split(',');
    const texts = { me: '{ me { id } }', devices: '{ devices(first: 50) { nodes { id name credentials { deviceKey } lastConnectedAt } } }' };
    for (const q of queries) {
        for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
            const cpu0 = process.cpuUsage();
            const { stdout: out } = await run('node', ['node_modules/autocannon/autocannon.js', '-j', '-c', '10', '-d', String(process.env.SECS ?? 5), '-m', 'POST', '-H', 'content-type=application/json', '-H', `authorization=Bearer ${token}`, '-b', JSON.stringify({ query: texts[q] }), app.graphqlUrl], { encoding: 'utf8' });
            const cpu = process.cpuUsage(cpu0);
            const r = JSON.parse(out);
            console.log(`${q}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, non2xx ${r.non2xx}, server CPU µs/req ${Math.round((cpu.user + cpu.system) / r.requests.total)}`);
        }
    }
    await app.close();
}
void main();
//# sourceMappingURL=gql-quick.js.map