"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.GraphQLRequestError = void 0;
exports.gql = gql;
exports.wsClient = wsClient;
exports.connected = connected;
const graphql_ws_1 = require("graphql-ws");
const ws_1 = __importDefault(require("ws"));
class GraphQLRequestError extends Error {
}
exports.GraphQLRequestError = GraphQLRequestError;
/** POSTs a GraphQL operation; returns `data`, throws on transport or GraphQL errors. */
async function gql(url, query, variables, token, timeoutMs = 60_000) {
    const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json());
    if (body.errors?.length)
        throw new GraphQLRequestError(`GraphQL error: ${body.errors.map((e) => e.message).join('; ')}`);
    if (!res.ok || !body.data)
        throw new GraphQLRequestError(`GraphQL HTTP ${res.status}`);
    return body.data;
}
/** A graphql-ws client (no retries) authenticated with the bearer token in connectionParams. */
function wsClient(graphqlUrl, token) {
    return (0, graphql_ws_1.createClient)({
        url: graphqlUrl.replace(/^http/, 'ws'),
        webSocketImpl: ws_1.default,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        // The bench measures, it does not ping.
        keepAlive: 0,
    });
}
/** Resolves once the client's socket is open and acknowledged (rejects on close/error or timeout). */
function connected(client, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
        const offs = [];
        const done = (err) => {
            clearTimeout(timer);
            for (const off of offs)
                off();
            if (err)
                reject(err instanceof Error ? err : new Error(`graphql-ws: ${JSON.stringify(err.reason ?? err)}`));
            else
                resolve();
        };
        const timer = setTimeout(() => done(new Error(`graphql-ws: not connected after ${timeoutMs} ms`)), timeoutMs);
        offs.push(client.on('connected', () => done()));
        offs.push(client.on('closed', (e) => done(e ?? new Error('closed'))));
        offs.push(client.on('error', (e) => done(e)));
    });
}
//# sourceMappingURL=graphql.js.map