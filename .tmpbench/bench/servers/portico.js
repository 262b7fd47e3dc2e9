"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.startPortico = startPortico;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
const graphql_js_1 = require("../lib/graphql.js");
const mqtt_raw_js_1 = require("../lib/mqtt-raw.js");
const procs_js_1 = require("../lib/procs.js");
const DEVICE_FIELDS = 'id deviceNumber username credentials { deviceKey }';
/**
 * Starts `node dist/src/main.js` on ephemeral ports with a fresh data directory, signs up the bench
 * user and fetches the platform CA. `extraEnv` overrides Portico settings (e.g. PORTICO_EVENT_FLUSH_INTERVAL_MS).
 */
async function startPortico(root, extraEnv = {}, nodeArgs = []) {
    const main = node_path_1.default.join(root, 'dist', 'src', 'main.js');
    if (!node_fs_1.default.existsSync(main))
        throw new Error(`${main} is missing: run npm run build first`);
    const dataDir = (0, procs_js_1.makeTempDir)('portico-bench-data-');
    const env = {
        ...process.env,
        PORT: '0',
        PORTICO_MQTT_PORT: '0',
        PORTICO_MQTTS_PORT: '0',
        PORTICO_MQTTS_MUTUAL_PORT: 'off',
        PORTICO_HOST: '127.0.0.1',
        PORTICO_MQTT_HOST: '127.0.0.1',
        PORTICO_DATA_DIR: dataDir,
        PORTICO_LOG_LEVEL: 'warn',
        // One sign-up only; keep the default cost (it is not measured).
        ...extraEnv,
    };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    let started;
    try {
        started = await (0, procs_js_1.startChild)('portico', process.execPath, [...nodeArgs, main], {
            cwd: root,
            env,
            readyTimeoutMs: 120_000,
            ready: (line) => {
                const msg = JSON.parse(line);
                return msg.ready ? msg : undefined;
            },
        });
    }
    catch (err) {
        (0, procs_js_1.removeTempDir)(dataDir);
        throw err;
    }
    const { server, ready } = started;
    let db = null;
    const sqlitePath = node_path_1.default.join(dataDir, 'portico.sqlite');
    const stop = async () => {
        db?.close();
        db = null;
        await server.stop(15_000);
        (0, procs_js_1.removeTempDir)(dataDir);
    };
    try {
        if (ready.mqtt == null)
            throw new Error('Portico started without its MQTT listener');
        const httpUrl = `http://127.0.0.1:${ready.http}`;
        const graphqlUrl = `${httpUrl}/graphql`;
        const email = `bench-${Date.now()}@example.com`;
        const { signUp } = await (0, graphql_js_1.gql)(graphqlUrl, 'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { token } }', {
            email,
            password: 'bench password, long enough',
        });
        const token = signUp.token;
        const { platformCa } = await (0, graphql_js_1.gql)(graphqlUrl, '{ platformCa { certificatePem } }', undefined, token);
        const version = JSON.parse(node_fs_1.default.readFileSync(node_path_1.default.join(root, 'package.json'), 'utf8')).version;
        let created = 0;
        return {
            name: 'portico',
            label: `Portico ${version}`,
            server,
            host: '127.0.0.1',
            mqttPort: ready.mqtt,
            mqttsPort: ready.mqtts ?? undefined,
            caPem: platformCa.certificatePem,
            authenticates: true,
            httpUrl,
            graphqlUrl,
            token,
            dataDir,
            sqlitePath,
            async devices(count, tag) {
                // Many createDevice mutations per request (aliases, within the server's default alias limit of 30), a few
                // requests at a time.
                const perRequest = 25;
                const batches = Math.ceil(count / perRequest);
                const results = await (0, mqtt_raw_js_1.pool)(batches, 2, async (b) => {
                    const n = Math.min(perRequest, count - b * perRequest);
                    const fields = Array.from({ length: n }, (_, i) => `d${i}: createDevice(input: { name: ${JSON.stringify(`${tag} ${created + b * perRequest + i}`)} }) { ${DEVICE_FIELDS} }`);
                    const data = await (0, graphql_js_1.gql)(graphqlUrl, `mutation { ${fields.join('\n')} }`, undefined, token, 120_000);
                    return Array.from({ length: n }, (_, i) => data[`d${i}`]);
                });
                created += count;
                return results.flat().map((d) => ({ id: d.id, clientId: d.deviceNumber, username: d.username, password: d.credentials.deviceKey ?? '' }));
            },
            countEvents(topicPrefix) {
                if (!db) {
                    // eslint-disable-next-line @typescript-eslint/no-require-imports
                    const Database = require('better-sqlite3');
                    db = new Database(sqlitePath, { fileMustExist: true, timeout: 10_000 });
                }
                const row = db.prepare("SELECT COUNT(*) AS n FROM device_events WHERE substr(topic, 1, ?) = ?").get(topicPrefix.length, topicPrefix);
                return row.n;
            },
            stop,
        };
    }
    catch (err) {
        await stop();
        throw err;
    }
}
//# sourceMappingURL=portico.js.map