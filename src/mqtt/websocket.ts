import type http from 'node:http';
import type { Duplex } from 'node:stream';

import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';

import type { MqttListener } from '../history/index.js';
import type { ByteSocket } from './wire-guard.js';

/** WebSocket subprotocols MQTT clients ask for (MQTT 3.1.1/5 §6: `mqtt`; MQTT 3.1 clients: `mqttv3.1`). */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

/**
 * MQTT over WebSocket (MQTT 5 §6, 3.1.1 §6): each WebSocket connection becomes the byte stream of one MQTT client,
 * handed to the message server like a TCP socket (same authentication, namespace, log and limits).
 */
export function mqttWebSocketServer(
  accept: (socket: ByteSocket, listener: MqttListener) => void,
  listener: MqttListener,
  maxMessageBytes: number,
  server?: http.Server,
  path?: string,
): WebSocketServer {
  const wss = new WebSocketServer({
    ...(server ? { server, path } : { noServer: true }),
    maxPayload: maxMessageBytes,
    perMessageDeflate: false,
    // [MQTT-6.0.0-3]/[MQTT-6.0.0-4]: the server selects "mqtt" when offered; a client offering none is served too.
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  wss.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
    const stream = createWebSocketStream(ws) as Duplex & ByteSocket;
    const address = req.socket.remoteAddress;
    stream.remoteAddress = address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    stream.remotePort = req.socket.remotePort;
    req.socket.setNoDelay(true);
    accept(stream, listener);
  });
  wss.on('error', () => undefined);
  return wss;
}

/**
 * Serves MQTT over WebSocket at `path` on the HTTP server that also carries GraphQL (and graphql-ws at /graphql):
 * upgrade requests for `path` go to MQTT, every other one to the upgrade listeners already attached. Returns a
 * function that ends the MQTT WebSocket connections (at shutdown: the HTTP server waits for upgraded sockets).
 */
export function routeMqttUpgrades(httpServer: http.Server, path: string, wss: WebSocketServer): () => void {
  const others = httpServer.listeners('upgrade') as Array<(req: http.IncomingMessage, socket: Duplex, head: Buffer) => void>;
  httpServer.removeAllListeners('upgrade');
  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) === path) wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    else for (const listener of others) listener.call(httpServer, req, socket, head);
  });
  return () => {
    for (const ws of wss.clients) ws.terminate();
  };
}
