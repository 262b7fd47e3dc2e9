import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

import type { Logger } from '../common/index.js';
import type { MqttConfig } from '../config/index.js';
import { MqttListener } from '../history/index.js';
import type { DeviceCertificateVerifier } from './device-auth.js';
import { mqttWebSocketServer } from './websocket.js';
import type { ByteSocket } from './wire-guard.js';

/** What the message server needs from the PKI (platform CA and the server certificate). */
export interface TlsCredentialsProvider {
  serverTlsCredentials(): Promise<{ keyPem: string; certPem: string; caPem: string }>;
  caCertificatePem(): string;
}

/** Optional collaborators, looked up when the server starts (they may be wired after this service). */
export interface MessageServerTlsDeps {
  pki?: TlsCredentialsProvider;
  certificates?: DeviceCertificateVerifier;
}

export interface MessageServerPorts {
  /** Plain MQTT (Token auth); null when off. */
  port: number | null;
  /** One-way TLS (Token auth); null when off or no PKI. */
  tlsPort: number | null;
  /** Two-way TLS (certificate auth); null when off or no certificate registry. */
  mutualTlsPort: number | null;
  /** MQTT over a TLS WebSocket (Token auth); null when off or no PKI. */
  wssPort: number | null;
}

export interface ListenerHandlers {
  accept(socket: ByteSocket, listener: MqttListener): void;
  /** A two-way TLS handshake failed (no or a foreign client certificate). */
  mutualHandshakeFailed(err: Error & { code?: string }, peer: { address?: string; port?: number }): void;
}

/** The listeners of the message server: plain, one-way TLS and two-way TLS, as configured. */
export class Listeners {
  readonly ports: MessageServerPorts = { port: null, tlsPort: null, mutualTlsPort: null, wssPort: null };
  private readonly servers: net.Server[] = [];

  constructor(
    private readonly cfg: MqttConfig,
    private readonly log: Logger,
    /** Largest WebSocket message accepted (an MQTT packet may span several; the wire guard limits packets). */
    private readonly maxWebSocketMessage: number,
  ) {}

  async open(tlsDeps: MessageServerTlsDeps, h: ListenerHandlers): Promise<MessageServerPorts> {
    const cfg = this.cfg;
    if (cfg.port != null) {
      this.ports.port = await this.listen(
        net.createServer((socket) => h.accept(socket, MqttListener.MQTT)),
        cfg.port,
      );
    }
    if ((cfg.tlsPort != null || cfg.mutualTlsPort != null) && !tlsDeps.pki) {
      this.log.warn('MQTT over TLS is off: no PKI service to issue the server certificate');
    }
    if (!tlsDeps.pki || (cfg.tlsPort == null && cfg.mutualTlsPort == null && cfg.wssPort == null)) return this.ports;
    const creds = await tlsDeps.pki.serverTlsCredentials();
    if (cfg.tlsPort != null) {
      const server = tls.createServer({ key: creds.keyPem, cert: creds.certPem, minVersion: 'TLSv1.2' }, (socket) => h.accept(socket, MqttListener.MQTTS));
      server.on('tlsClientError', (err, socket) => this.log.debug(`MQTTS handshake failed from ${socket.remoteAddress}: ${err.message}`));
      this.ports.tlsPort = await this.listen(server, cfg.tlsPort);
    }
    if (cfg.wssPort != null) {
      const server = https.createServer({ key: creds.keyPem, cert: creds.certPem, minVersion: 'TLSv1.2' });
      mqttWebSocketServer(h.accept, MqttListener.WSS, this.maxWebSocketMessage, server, cfg.wsPath);
      this.ports.wssPort = await this.listen(server, cfg.wssPort);
    }
    if (cfg.mutualTlsPort != null && !tlsDeps.certificates) this.log.warn('MQTT two-way TLS is off: no certificate registry');
    if (cfg.mutualTlsPort != null && tlsDeps.certificates) {
      const options = { key: creds.keyPem, cert: creds.certPem, ca: tlsDeps.pki.caCertificatePem(), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' as const };
      const server = tls.createServer(options, (socket) => h.accept(socket, MqttListener.MQTTS_MUTUAL));
      // A failed handshake may have torn the socket down before 'tlsClientError': note the peer on accept.
      const peers = new WeakMap<net.Socket, { address?: string; port?: number }>();
      server.on('connection', (raw: net.Socket) => peers.set(raw, { address: raw.remoteAddress, port: raw.remotePort }));
      server.on('tlsClientError', (err, socket) => {
        const raw = (socket as unknown as { _parent?: net.Socket })._parent;
        const peer = (raw && peers.get(raw)) ?? { address: socket.remoteAddress, port: socket.remotePort };
        const address = peer.address?.startsWith('::ffff:') ? peer.address.slice(7) : peer.address;
        h.mutualHandshakeFailed(err, { address, port: peer.port });
      });
      this.ports.mutualTlsPort = await this.listen(server, cfg.mutualTlsPort);
    }
    return this.ports;
  }

  /** Stops accepting; resolves once every listener is closed. */
  close(): Promise<void> {
    return Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  }

  private listen(server: net.Server, port: number): Promise<number> {
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.cfg.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.error('MQTT listener error', err));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }
}
