"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PublishTemplate = exports.RawMqttClient = exports.ConnackError = void 0;
exports.pool = pool;
const node_net_1 = __importDefault(require("node:net"));
const node_tls_1 = __importDefault(require("node:tls"));
const mqttPacket = __importStar(require("mqtt-packet"));
class ConnackError extends Error {
    constructor(returnCode) {
        super(`CONNACK return code ${returnCode}`);
        this.returnCode = returnCode;
    }
}
exports.ConnackError = ConnackError;
class RawMqttClient {
    constructor(socket) {
        this.socket = socket;
        this.onMessage = null;
        this.onPuback = null;
        /** Messages received (PUBLISH packets). */
        this.received = 0;
        this.closed = false;
        this.subacks = new Map();
        this.nextSubId = 1;
        this.closedPromise = new Promise((resolve) => socket.once('close', () => {
            this.closed = true;
            resolve();
        }));
    }
    /** Connects and resolves after a successful CONNACK (rejects on a refusal, an error or the timeout). */
    static connect(o) {
        return new Promise((resolve, reject) => {
            const timeoutMs = o.timeoutMs ?? 30_000;
            const socket = o.tls
                ? node_tls_1.default.connect({ host: o.host, port: o.port, ca: o.tls.ca, servername: o.tls.servername ?? (node_net_1.default.isIP(o.host) ? undefined : o.host) })
                : node_net_1.default.connect({ host: o.host, port: o.port });
            socket.setNoDelay(true);
            const client = new RawMqttClient(socket);
            const parser = mqttPacket.parser({ protocolVersion: 4 });
            let connected = false;
            const fail = (err) => {
                if (connected)
                    return;
                connected = true;
                clearTimeout(timer);
                socket.destroy();
                reject(err);
            };
            const timer = setTimeout(() => fail(new Error(`connect ${o.clientId}: no CONNACK after ${timeoutMs} ms`)), timeoutMs);
            socket.once('error', fail);
            socket.once('close', () => fail(new Error(`connect ${o.clientId}: connection closed before CONNACK`)));
            socket.on('error', () => undefined);
            parser.on('error', (err) => {
                fail(err);
                socket.destroy();
            });
            parser.on('packet', (packet) => {
                if (!connected) {
                    if (packet.cmd !== 'connack')
                        return fail(new Error(`expected CONNACK, got ${packet.cmd}`));
                    const rc = packet.returnCode ?? 0;
                    if (rc !== 0)
                        return fail(new ConnackError(rc));
                    connected = true;
                    clearTimeout(timer);
                    resolve(client);
                    return;
                }
                client.handle(packet);
            });
            socket.on('data', (chunk) => {
                // Acknowledgements written while parsing one chunk go out in one write.
                socket.cork();
                parser.parse(chunk);
                socket.uncork();
            });
            const connect = {
                cmd: 'connect',
                protocolId: 'MQTT',
                protocolVersion: 4,
                clientId: o.clientId,
                clean: o.clean ?? true,
                keepalive: o.keepalive ?? 0,
            };
            if (o.username !== undefined)
                connect.username = o.username;
            if (o.password !== undefined)
                connect.password = Buffer.from(o.password);
            socket.write(mqttPacket.generate(connect));
        });
    }
    handle(packet) {
        switch (packet.cmd) {
            case 'publish': {
                this.received++;
                if (packet.qos === 1 && packet.messageId !== undefined) {
                    this.socket.write(Buffer.from([0x40, 0x02, packet.messageId >> 8, packet.messageId & 0xff]));
                }
                this.onMessage?.(packet.topic, packet.payload, packet.qos);
                break;
            }
            case 'puback':
                if (packet.messageId !== undefined)
                    this.onPuback?.(packet.messageId);
                break;
            case 'suback': {
                const done = packet.messageId !== undefined ? this.subacks.get(packet.messageId) : undefined;
                if (done) {
                    this.subacks.delete(packet.messageId);
                    done();
                }
                break;
            }
            default:
                break;
        }
    }
    /** Subscribes and resolves on SUBACK (rejects when the server refuses the filter or after the timeout). */
    subscribe(topic, qos, timeoutMs = 10_000) {
        const messageId = this.nextSubId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.subacks.delete(messageId);
                reject(new Error(`no SUBACK for ${topic} after ${timeoutMs} ms`));
            }, timeoutMs);
            this.subacks.set(messageId, () => {
                clearTimeout(timer);
                resolve();
            });
            this.socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] }));
        });
    }
    /** Writes a prepared packet; false when the socket buffer is full (wait for 'drain'). */
    write(buf) {
        return this.socket.write(buf);
    }
    publish(topic, payload, qos = 0, messageId) {
        const packet = { cmd: 'publish', topic, payload, qos, retain: false, dup: false };
        if (qos > 0)
            packet.messageId = messageId ?? 1;
        return this.socket.write(mqttPacket.generate(packet));
    }
    /** Sends DISCONNECT, ends the socket and resolves once it is closed (destroyed after `timeoutMs`). */
    async end(timeoutMs = 5000) {
        if (this.closed)
            return;
        this.socket.end(Buffer.from([0xe0, 0x00]));
        const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
        await this.closedPromise;
        clearTimeout(timer);
    }
    destroy() {
        this.socket.destroy();
    }
}
exports.RawMqttClient = RawMqttClient;
/**
 * A prepared PUBLISH: the packet is generated once; QoS 1 copies get their packet id patched in
 * (in MQTT 3.1.1 it sits right before the payload).
 */
class PublishTemplate {
    constructor(topic, payload, qos) {
        this.qos = qos;
        const packet = { cmd: 'publish', topic, payload, qos, retain: false, dup: false };
        if (qos > 0)
            packet.messageId = 1;
        this.buf = mqttPacket.generate(packet);
        this.idOffset = this.buf.length - payload.length - 2;
    }
    /** The packet bytes; for QoS 0 the same (shared, never modified) buffer every time. */
    packet(messageId) {
        if (this.qos === 0)
            return this.buf;
        const copy = Buffer.from(this.buf);
        copy.writeUInt16BE(messageId, this.idOffset);
        return copy;
    }
}
exports.PublishTemplate = PublishTemplate;
/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time; resolves with results in order. */
async function pool(count, concurrency, task) {
    const results = new Array(count);
    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) {
            const i = next++;
            results[i] = await task(i);
        }
    });
    await Promise.all(workers);
    return results;
}
//# sourceMappingURL=mqtt-raw.js.map