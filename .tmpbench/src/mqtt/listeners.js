"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.Listeners = void 0;
const node_https_1 = __importDefault(require("node:https"));
const node_net_1 = __importDefault(require("node:net"));
const node_tls_1 = __importDefault(require("node:tls"));
const connection_log_entity_js_1 = require("../broker/connection-log.entity.js");
const websocket_js_1 = require("./websocket.js");
/** The listeners of the message server: plain, one-way TLS and two-way TLS, as configured. */
class Listeners {
    constructor(cfg, log, 
    /** Largest WebSocket message accepted (an MQTT packet may span several; the wire guard limits packets). */
    maxWebSocketMessage) {
        this.cfg = cfg;
        this.log = log;
        this.maxWebSocketMessage = maxWebSocketMessage;
        this.ports = { port: null, tlsPort: null, mutualTlsPort: null, wssPort: null };
        this.servers = [];
    }
    async open(tlsDeps, h) {
        const cfg = this.cfg;
        if (cfg.port != null) {
            this.ports.port = await this.listen(node_net_1.default.createServer((socket) => h.accept(socket, connection_log_entity_js_1.MqttListener.MQTT)), cfg.port);
        }
        if ((cfg.tlsPort != null || cfg.mutualTlsPort != null) && !tlsDeps.pki) {
            this.log.warn('MQTT over TLS is off: no PKI service to issue the server certificate');
        }
        if (!tlsDeps.pki || (cfg.tlsPort == null && cfg.mutualTlsPort == null && cfg.wssPort == null))
            return this.ports;
        const creds = await tlsDeps.pki.serverTlsCredentials();
        if (cfg.tlsPort != null) {
            const server = node_tls_1.default.createServer({ key: creds.keyPem, cert: creds.certPem, minVersion: 'TLSv1.2' }, (socket) => h.accept(socket, connection_log_entity_js_1.MqttListener.MQTTS));
            server.on('tlsClientError', (err, socket) => this.log.debug(`MQTTS handshake failed from ${socket.remoteAddress}: ${err.message}`));
            this.ports.tlsPort = await this.listen(server, cfg.tlsPort);
        }
        if (cfg.wssPort != null) {
            const server = node_https_1.default.createServer({ key: creds.keyPem, cert: creds.certPem, minVersion: 'TLSv1.2' });
            (0, websocket_js_1.mqttWebSocketServer)(h.accept, connection_log_entity_js_1.MqttListener.WSS, this.maxWebSocketMessage, server, cfg.wsPath);
            this.ports.wssPort = await this.listen(server, cfg.wssPort);
        }
        if (cfg.mutualTlsPort != null && !tlsDeps.certificates)
            this.log.warn('MQTT two-way TLS is off: no certificate registry');
        if (cfg.mutualTlsPort != null && tlsDeps.certificates) {
            const options = { key: creds.keyPem, cert: creds.certPem, ca: tlsDeps.pki.caCertificatePem(), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
            const server = node_tls_1.default.createServer(options, (socket) => h.accept(socket, connection_log_entity_js_1.MqttListener.MQTTS_MUTUAL));
            // A failed handshake may have torn the socket down before 'tlsClientError': note the peer on accept.
            const peers = new WeakMap();
            server.on('connection', (raw) => peers.set(raw, { address: raw.remoteAddress, port: raw.remotePort }));
            server.on('tlsClientError', (err, socket) => {
                const raw = socket._parent;
                const peer = (raw && peers.get(raw)) ?? { address: socket.remoteAddress, port: socket.remotePort };
                const address = peer.address?.startsWith('::ffff:') ? peer.address.slice(7) : peer.address;
                h.mutualHandshakeFailed(err, { address, port: peer.port });
            });
            this.ports.mutualTlsPort = await this.listen(server, cfg.mutualTlsPort);
        }
        return this.ports;
    }
    /** Stops accepting; resolves once every listener is closed. */
    close() {
        return Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(() => resolve())))).then(() => undefined);
    }
    listen(server, port) {
        this.servers.push(server);
        return new Promise((resolve, reject) => {
            server.once('error', reject);
            server.listen(port, this.cfg.host, () => {
                server.off('error', reject);
                server.on('error', (err) => this.log.error('MQTT listener error', err));
                resolve(server.address().port);
            });
        });
    }
}
exports.Listeners = Listeners;
//# sourceMappingURL=listeners.js.map