"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.loadInstanceId = loadInstanceId;
exports.redisPubSubClients = redisPubSubClients;
exports.closeRedis = closeRedis;
exports.whenResubscribed = whenResubscribed;
exports.bridgeRegistryBus = bridgeRegistryBus;
const node_crypto_1 = __importDefault(require("node:crypto"));
const ioredis_1 = require("ioredis");
const data_file_js_1 = require("../common/data-file.js");
/**
 * This instance's id: configured, or generated once into `<dataDir>/instance-id` and kept across restarts, so a
 * restarted instance can tell which devices it held when it stopped.
 */
function loadInstanceId(dataDir, configured) {
    return configured ?? (0, data_file_js_1.readOrCreateDataFile)(dataDir, 'instance-id', () => `portico-${node_crypto_1.default.randomBytes(6).toString('hex')}`);
}
const CHANNEL = 'portico:registry';
/**
 * A publishing and a subscribing client for Redis pub/sub. ioredis reconnects by itself; its errors go to the log
 * (unheard, an outage would crash the process). A short `disconnectTimeout`: see closeRedis.
 */
function redisPubSubClients(redisUrl, log, purpose) {
    const pub = new ioredis_1.Redis(redisUrl, { maxRetriesPerRequest: 3, disconnectTimeout: 200 });
    const sub = new ioredis_1.Redis(redisUrl, { disconnectTimeout: 200 });
    for (const r of [pub, sub])
        r.on('error', (err) => log.warn(`Redis (${purpose}): ${err.message}`));
    return { pub, sub };
}
/**
 * Closes an ioredis client: politely when connected, at once otherwise (a client still retrying would wait forever).
 * Clients are made with a short `disconnectTimeout`: ioredis keeps a timer that long after disconnecting a dead socket.
 */
async function closeRedis(client) {
    if (client.status === 'ready')
        await client.quit().catch(() => client.disconnect());
    else
        client.disconnect();
}
/**
 * Calls `fn` each time a subscribing client is subscribed again after its connection was lost: what was published
 * in between never reached it. ioredis resubscribes by itself on reconnect; `resubscribe` (the same subscription,
 * idempotent) is answered after that, so `fn` runs once the subscription is live again.
 */
function whenResubscribed(sub, resubscribe, fn) {
    let lost = false;
    sub.on('close', () => {
        lost = true;
    });
    sub.on('ready', () => {
        if (!lost)
            return;
        lost = false;
        // Lost again before the answer: the next 'ready' tries again.
        resubscribe().then(fn, () => undefined);
    });
}
/**
 * Carries registry events (credentials changed, certificate withdrawn) between instances through Redis, so the
 * message server of every instance kicks the affected sessions and drops its cached credentials. `onReconnect`
 * runs when the link is back after an outage (events published meanwhile are lost: see RegistrySync).
 */
function bridgeRegistryBus(bus, redisUrl, instanceId, log, onReconnect) {
    const { pub, sub } = redisPubSubClients(redisUrl, log, 'registry events');
    if (onReconnect)
        whenResubscribed(sub, () => sub.subscribe(CHANNEL), onReconnect);
    sub.on('message', (_channel, text) => {
        let envelope;
        try {
            envelope = JSON.parse(text);
        }
        catch {
            return;
        }
        if (envelope.from === instanceId)
            return;
        bus.emitLocal(envelope.event, envelope.payload);
    });
    bus.forward = (event, payload) => {
        pub.publish(CHANNEL, JSON.stringify({ from: instanceId, event, payload })).catch((err) => {
            log.error(`could not forward ${event} to the other instances`, err);
        });
    };
    return {
        ready: sub.subscribe(CHANNEL),
        close: async () => {
            bus.forward = undefined;
            await Promise.all([pub, sub].map(closeRedis));
        },
    };
}
//# sourceMappingURL=scale-out.js.map