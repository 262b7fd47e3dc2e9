"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CLOSE_TOO_SLOW = void 0;
exports.serveGraphqlWs = serveGraphqlWs;
const graphql_ws_1 = require("graphql-ws");
/** Close code for a socket whose reader fell too far behind (graphql-ws leaves 4000-4399 to applications). */
exports.CLOSE_TOO_SLOW = 4008;
/**
 * graphql-ws over a `ws` server, through graphql-ws's public `makeServer`: what graphql-ws/use/ws does, plus
 * a bound on each socket's send buffer, sends that never reject (a send on a dying socket resolves, the close
 * follows) and errors that go to the log instead of the console.
 */
function serveGraphqlWs(wss, options, o) {
    const server = (0, graphql_ws_1.makeServer)(options);
    wss.options.handleProtocols = graphql_ws_1.handleProtocols;
    wss.on('error', (err) => o.log.error('graphql-ws server error', err));
    wss.on('connection', (socket, request) => {
        socket.once('error', (err) => {
            o.log.debug('graphql-ws socket error', err);
            socket.terminate();
        });
        let alive = true;
        socket.on('pong', () => (alive = true));
        const pinger = o.keepAliveMs > 0
            ? setInterval(() => {
                if (!alive)
                    return socket.terminate();
                alive = false;
                socket.ping();
            }, o.keepAliveMs)
            : null;
        const tooSlow = () => {
            o.log.warn(`graphql-ws socket from ${request.socket.remoteAddress ?? '?'} closed: more than ${o.maxBufferedBytes} bytes waiting to be read`);
            socket.close(exports.CLOSE_TOO_SLOW, 'Subscriber too slow');
            // The close frame waits behind the unread data: do not keep that data for long.
            setTimeout(() => socket.terminate(), 1000).unref();
        };
        const closed = server.opened({
            protocol: socket.protocol,
            send: (data) => new Promise((resolve) => {
                if (socket.readyState !== socket.OPEN)
                    return resolve();
                socket.send(o.assemble(data), () => resolve());
                if (socket.bufferedAmount > o.maxBufferedBytes)
                    tooSlow();
            }),
            close: (code, reason) => socket.close(code, reason),
            onMessage: (cb) => socket.on('message', async (message) => {
                try {
                    await cb(message.toString());
                }
                catch (err) {
                    o.log.error('unexpected error handling a graphql-ws message', err);
                    socket.close(graphql_ws_1.CloseCode.InternalServerError, 'Internal server error');
                }
            }),
        }, { socket, request });
        socket.once('close', (code, reason) => {
            if (pinger)
                clearInterval(pinger);
            void closed(code, reason.toString()).catch((err) => o.log.error('unexpected error closing a graphql-ws socket', err));
        });
    });
    return {
        async dispose() {
            for (const client of wss.clients)
                client.close(1001, 'Going away');
            wss.removeAllListeners();
        },
    };
}
//# sourceMappingURL=ws-server.js.map