"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Baseline: aedes with no hooks (no authentication, no persistence beyond its in-memory default)
 * on a plain `net` server. Prints one JSON ready line: {"ready":true,"mqtt":<port>}.
 */
const node_net_1 = __importDefault(require("node:net"));
const aedes_1 = require("aedes");
async function main() {
    const host = process.env.BENCH_HOST || '127.0.0.1';
    const port = Number(process.env.BENCH_PORT || 0);
    const broker = await aedes_1.Aedes.createBroker();
    // No Nagle, like Portico's listeners (and Mosquitto with set_tcp_nodelay).
    const server = node_net_1.default.createServer({ noDelay: true }, (socket) => broker.handle(socket));
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
    });
    process.stdout.write(JSON.stringify({ ready: true, mqtt: server.address().port }) + '\n');
    const stop = () => {
        server.close();
        broker.close(() => process.exit(0));
        setTimeout(() => process.exit(0), 2000).unref();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}
main().catch((err) => {
    console.error(err);
    process.exit(1);
});
//# sourceMappingURL=aedes-bare.js.map