import type http from 'node:http';

import { handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

import { type Logger, TurnCork } from '../common/index.js';
import { WsCloseCode } from './close-codes.js';

/** What graphql-ws hooks get as `ctx.extra` (as with graphql-ws/use/ws). */
export interface WsExtra {
  socket: WebSocket;
  request: http.IncomingMessage;
}

export interface WsTransportOptions {
  /** Ping every this many ms; a socket that has not answered by the next ping is terminated. 0: no pings. */
  keepAliveMs: number;
  /** A socket with more unsent bytes than this is ended (a reader slower than its subscriptions). */
  maxBufferedBytes: number;
  /** Turns the text graphql-ws stringified into the text sent (see SharedExecution.assemble). */
  assemble: (data: string) => string;
  log: Logger;
}

/**
 * graphql-ws over a `ws` server, through graphql-ws's public `makeServer`: what graphql-ws/use/ws does, plus
 * a bound on each socket's send buffer, sends that never reject (a send on a dying socket is dropped, the close
 * follows), frames of one event-loop turn written together, and errors that go to the log instead of the console.
 */
export function serveGraphqlWs<P extends Record<string, unknown>>(wss: WebSocketServer, options: ServerOptions<P, WsExtra>, o: WsTransportOptions): { dispose(): Promise<void> } {
  const server = makeServer<P, WsExtra>(options);
  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (err) => o.log.error('graphql-ws server error', err));
  wss.on('connection', (socket: WebSocket, request: http.IncomingMessage) => {
    socket.once('error', (err) => {
      o.log.debug('graphql-ws socket error', err);
      socket.terminate();
    });
    let alive = true;
    socket.on('pong', () => (alive = true));
    const pinger =
      o.keepAliveMs > 0
        ? setInterval(() => {
            if (!alive) return socket.terminate();
            alive = false;
            socket.ping();
          }, o.keepAliveMs)
        : null;
    const tooSlow = () => {
      o.log.warn(`graphql-ws socket from ${request.socket.remoteAddress ?? '?'} closed: more than ${o.maxBufferedBytes} bytes waiting to be read`);
      socket.close(WsCloseCode.SUBSCRIBER_TOO_SLOW, 'Subscriber too slow');
      // The close frame waits behind the unread data: do not keep that data for long.
      setTimeout(() => socket.terminate(), 1000).unref();
    };
    // The frames of one turn after its first leave in one write (a subscriber getting one event gets it at once). A
    // send does not wait for its write: the bound above keeps memory in check.
    const turn = new TurnCork(request.socket, false);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== socket.OPEN) return;
          turn.beforeWrite();
          socket.send(o.assemble(data));
          if (socket.bufferedAmount > o.maxBufferedBytes) tooSlow();
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (message: Buffer) => {
            try {
              await cb(message.toString());
            } catch (err) {
              o.log.error('unexpected error handling a graphql-ws message', err);
              socket.close(WsCloseCode.INTERNAL_SERVER_ERROR, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code: number, reason: Buffer) => {
      if (pinger) clearInterval(pinger);
      void closed(code, reason.toString()).catch((err: unknown) => o.log.error('unexpected error closing a graphql-ws socket', err));
    });
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(WsCloseCode.GOING_AWAY, 'Going away');
      wss.removeAllListeners();
    },
  };
}
