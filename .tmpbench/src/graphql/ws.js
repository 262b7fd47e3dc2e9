"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.attachSubscriptions = attachSubscriptions;
const graphql_1 = require("graphql");
const ws_1 = require("ws");
const errors_js_1 = require("../common/errors.js");
const runtime_js_1 = require("../common/runtime.js");
const index_js_1 = require("../access/index.js");
const context_js_1 = require("./context.js");
const cost_js_1 = require("./cost.js");
const operations_js_1 = require("./operations.js");
const shared_execution_js_1 = require("./shared-execution.js");
const ws_server_js_1 = require("./ws-server.js");
/**
 * GraphQL subscriptions over graphql-ws on the HTTP server's `/graphql` path. Clients authenticate with
 * `connectionParams: { authorization: 'Bearer <token or API key>' }` (or `{ token }`); a bad credential
 * closes the socket with 4403 Forbidden; a session token's socket closes (4401) when the token expires, and an
 * API key's (4403) when the key is revoked.
 *
 * Before an operation runs it is parsed and validated (once per query text), costed (QUERY_TOO_COMPLEX) and
 * counted against the per-user and per-socket subscription limits (LIMIT_EXCEEDED; the socket stays open).
 * Subscription events are executed and serialized once per distinct selection (SharedExecution).
 */
function attachSubscriptions(httpServer, schema, services) {
    const wss = new ws_1.WebSocketServer({ server: httpServer, path: '/graphql' });
    const principals = new WeakMap();
    const limits = services.config.graphql;
    const documents = new operations_js_1.DocumentCache(schema);
    const quota = new operations_js_1.SubscriptionQuota(limits.maxSubscriptionsPerUser, limits.maxSubscriptionsPerSocket);
    const shared = new shared_execution_js_1.SharedExecution();
    /** Releases of the quota held by each socket's operations, by operation id. */
    const held = new WeakMap();
    const release = (ctx, id) => {
        held.get(ctx)?.get(id)?.();
    };
    /** How executions are shared: same user, operation name and variables (the document is compared by identity). */
    const shareKeys = new WeakMap();
    const sharable = new WeakSet();
    /** A subscription's quota, released as soon as it ends (before its source is torn down). */
    const releases = new WeakMap();
    /** Open sockets by the API key that authenticated them, closed when the key is revoked (on any instance). */
    const byApiKey = new Map();
    const onRevoked = ({ apiKeyId }) => {
        for (const socket of byApiKey.get(apiKeyId) ?? [])
            socket.close(4403, 'API key revoked');
    };
    services.bus.on('apiKeyRevoked', onRevoked);
    const server = (0, ws_server_js_1.serveGraphqlWs)(wss, {
        schema,
        jsonMessageReplacer: shared.payloadReplacer,
        onConnect: async (ctx) => {
            const params = (ctx.connectionParams ?? {});
            const header = params.authorization ?? params.Authorization ?? (typeof params.token === 'string' ? `Bearer ${params.token}` : undefined);
            try {
                const principal = await services.users.authenticate(typeof header === 'string' ? header : undefined);
                principals.set(ctx, principal);
                if (principal?.tokenExpiresAt) {
                    // A session token's subscriptions end with it: the socket closes when the token expires.
                    const socket = ctx.extra.socket;
                    const timer = (0, runtime_js_1.timerAt)(principal.tokenExpiresAt, services.clock, () => socket.close(4401, 'Token expired'));
                    socket.once('close', () => clearTimeout(timer));
                }
                ctx.extra.socket.once('close', () => {
                    for (const done of held.get(ctx)?.values() ?? [])
                        done();
                    held.delete(ctx);
                });
                if (principal?.apiKey) {
                    const key = principal.apiKey.id;
                    const socket = ctx.extra.socket;
                    let set = byApiKey.get(key);
                    if (!set)
                        byApiKey.set(key, (set = new Set()));
                    set.add(socket);
                    socket.once('close', () => {
                        set.delete(socket);
                        if (!set.size)
                            byApiKey.delete(key);
                    });
                }
                return true;
            }
            catch (err) {
                if (err instanceof errors_js_1.AppError)
                    return false;
                throw err;
            }
        },
        onSubscribe: (ctx, id, payload) => {
            const document = documents.get(payload.query);
            if (!('kind' in document))
                return [...document];
            const operation = (0, graphql_1.getOperationAST)(document, payload.operationName);
            if (!operation)
                return [new graphql_1.GraphQLError('Unable to identify operation')];
            const tooComplex = (0, cost_js_1.checkOperationCost)(schema, document, payload.operationName, payload.variables, limits);
            if (tooComplex)
                return [tooComplex];
            const args = { schema, document, operationName: payload.operationName, variableValues: payload.variables };
            // Queries and mutations over the socket end at once: only subscriptions count against the limits.
            if (operation.operation !== 'subscription')
                return args;
            const principal = principals.get(ctx) ?? null;
            let ops = held.get(ctx);
            if (!ops)
                held.set(ctx, (ops = new Map()));
            ops.get(id)?.();
            const granted = quota.acquire(principal?.userId ?? null, ops.size);
            if (granted instanceof graphql_1.GraphQLError)
                return [granted];
            const operations = ops;
            const done = () => {
                granted();
                if (operations.get(id) === done)
                    operations.delete(id);
            };
            ops.set(id, done);
            releases.set(args, done);
            if (sharesEvents(document, payload.operationName))
                sharable.add(args);
            return args;
        },
        context: (ctx, _id, payload, args) => {
            const context = subscriptionContext(principals.get(ctx) ?? null, services, ctx.extra.request.socket.remoteAddress);
            const principal = principals.get(ctx);
            if (principal && sharable.has(args))
                shareKeys.set(context, JSON.stringify([principal.userId, principal.apiKey?.id ?? null, payload.operationName ?? null, payload.variables ?? null]));
            return context;
        },
        subscribe: async (args) => {
            const result = await shared.subscribe(args, shareKeys.get(args.contextValue) ?? null);
            const done = releases.get(args) ?? (() => undefined);
            if (!(Symbol.asyncIterator in result)) {
                done();
                return result;
            }
            return releasingOnEnd(result, done);
        },
        onComplete: (ctx, id) => release(ctx, id),
        onNext: (_ctx, _id, _payload, _args, result) => formatResult(result, services),
        onError: (_ctx, _id, _payload, errors) => formatResult({ errors }, services).errors,
    }, { keepAliveMs: 12_000, maxBufferedBytes: limits.maxSocketBufferedBytes, assemble: (data) => shared.assemble(data), log: services.log });
    const dispose = async () => {
        services.bus.off('apiKeyRevoked', onRevoked);
        await server.dispose();
        await new Promise((resolve) => wss.close(() => resolve()));
    };
    return { dispose, openSubscriptions: () => quota.open };
}
/**
 * Subscriptions that can share one source stream and execution among identical subscribers (same user, document,
 * variables): live rows, the same for all of them. The test client's (per session, few subscribers) are not.
 */
const SHARED_EVENT_FIELDS = new Set(['deviceEventAdded', 'connectionLogAdded']);
function sharesEvents(document, operationName) {
    const op = (0, graphql_1.getOperationAST)(document, operationName);
    return (op?.operation === 'subscription' &&
        op.selectionSet.selections.every(
        // `after` replays stored rows to this subscriber alone: not shared.
        (s) => s.kind === graphql_1.Kind.FIELD && (s.name.value === '__typename' || SHARED_EVENT_FIELDS.has(s.name.value)) && !s.arguments?.some((a) => a.name.value === 'after')));
}
function releasingOnEnd(inner, done) {
    const iterator = {
        async next() {
            const r = await inner.next().catch((err) => {
                done();
                throw err;
            });
            if (r.done)
                done();
            return r;
        },
        async return(value) {
            done();
            return inner.return ? inner.return(value) : { done: true, value: undefined };
        },
        async throw(err) {
            done();
            if (inner.throw)
                return inner.throw(err);
            throw err;
        },
        [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
}
/** A subscription's context; its loaders (uncached: each event sees current data) are made on first use. */
function subscriptionContext(principal, services, remoteAddress) {
    let loaders;
    return {
        principal,
        services,
        access: new index_js_1.RequestAccess(services.access, principal, undefined, remoteAddress, false),
        get loaders() {
            return (loaders ??= (0, context_js_1.createLoaders)(services, { cache: false }));
        },
    };
}
function formatResult(result, services) {
    if (!result.errors?.length)
        return result;
    return {
        ...result,
        errors: result.errors.map((e) => {
            const f = (0, errors_js_1.formatError)(e, e, (err) => services.log.error('unexpected error in GraphQL subscription', err));
            return new graphql_1.GraphQLError(f.message, { path: e.path, extensions: f.extensions });
        }),
    };
}
//# sourceMappingURL=ws.js.map