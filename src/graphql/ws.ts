import type http from 'node:http';

import { type DocumentNode, type ExecutionArgs, type ExecutionResult, getOperationAST, GraphQLError, type GraphQLSchema, Kind } from 'graphql';
import type { Context } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';

import { type Principal, RequestAccess } from '../access/index.js';
import { AppError, type Clock, formatError, type Logger, type RegistryBus, timerAt } from '../common/index.js';
import type { GraphQLLimitsConfig } from '../config/index.js';
import { WsCloseCode } from './close-codes.js';
import type { Callers, GraphQLContext } from './context.js';
import { checkOperationCost } from './cost.js';
import { RequestLoaders } from './loaders.js';
import { DocumentCache, SubscriptionQuota } from './operations.js';
import { SharedExecution } from './shared-execution.js';
import type { SubscriptionRoot } from './subscription-root.js';
import { serveGraphqlWs, type WsExtra } from './ws-server.js';

type WsContext = Context<Record<string, unknown>, WsExtra>;

/** What the subscription server needs from the app. */
export interface SubscriptionDeps {
  limits: GraphQLLimitsConfig;
  callers: Callers;
  /** API key revocations (any instance) close the sockets they authenticated. */
  bus: RegistryBus;
  /** The root value of subscription operations (the app's resolvers). */
  root: SubscriptionRoot;
  clock: Clock;
  log: Logger;
}

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
export function attachSubscriptions(httpServer: http.Server, schema: GraphQLSchema, deps: SubscriptionDeps): { dispose: () => Promise<void>; openSubscriptions: () => number } {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const principals = new WeakMap<object, Principal | null>();
  const limits = deps.limits;
  const documents = new DocumentCache(schema);
  const quota = new SubscriptionQuota(limits.maxSubscriptionsPerUser, limits.maxSubscriptionsPerSocket);
  const shared = new SharedExecution();
  /** Releases of the quota held by each socket's operations, by operation id. */
  const held = new WeakMap<object, Map<string, () => void>>();
  const release = (ctx: WsContext, id: string) => {
    held.get(ctx)?.get(id)?.();
  };
  /** How executions are shared: same user, operation name and variables (the document is compared by identity). */
  const shareKeys = new WeakMap<object, string>();
  const sharable = new WeakSet<object>();
  /** A subscription's quota, released as soon as it ends (before its source is torn down). */
  const releases = new WeakMap<object, () => void>();
  /** Open sockets by the API key that authenticated them, closed when the key is revoked (on any instance). */
  const byApiKey = new Map<string, Set<WebSocket>>();
  const onRevoked = ({ apiKeyId }: { apiKeyId: string }) => {
    for (const socket of byApiKey.get(apiKeyId) ?? []) socket.close(WsCloseCode.FORBIDDEN, 'API key revoked');
  };
  deps.bus.on('apiKeyRevoked', onRevoked);
  const server = serveGraphqlWs(
    wss,
    {
      schema,
      jsonMessageReplacer: shared.payloadReplacer,
      onConnect: async (ctx) => {
        const params = (ctx.connectionParams ?? {}) as { authorization?: unknown; Authorization?: unknown; token?: unknown };
        const header = params.authorization ?? params.Authorization ?? (typeof params.token === 'string' ? `Bearer ${params.token}` : undefined);
        try {
          const principal = await deps.callers.authenticate(typeof header === 'string' ? header : undefined);
          principals.set(ctx, principal);
          if (principal?.tokenExpiresAt) {
            // A session token's subscriptions end with it: the socket closes when the token expires.
            const socket = ctx.extra.socket;
            const timer = timerAt(principal.tokenExpiresAt, deps.clock, () => socket.close(WsCloseCode.UNAUTHORIZED, 'Token expired'));
            socket.once('close', () => clearTimeout(timer));
          }
          ctx.extra.socket.once('close', () => {
            for (const done of held.get(ctx)?.values() ?? []) done();
            held.delete(ctx);
          });
          if (principal?.apiKey) {
            const key = principal.apiKey.id;
            const socket = ctx.extra.socket;
            let set = byApiKey.get(key);
            if (!set) byApiKey.set(key, (set = new Set()));
            set.add(socket);
            socket.once('close', () => {
              set.delete(socket);
              if (!set.size) byApiKey.delete(key);
            });
          }
          return true;
        } catch (err) {
          if (err instanceof AppError) return false;
          throw err;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const document = documents.get(payload.query);
        if (!('kind' in document)) return [...document];
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unable to identify operation')];
        const tooComplex = checkOperationCost(schema, document, payload.operationName, payload.variables, limits);
        if (tooComplex) return [tooComplex];
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          ...(operation.operation === 'subscription' ? { rootValue: deps.root } : {}),
        };
        // Queries and mutations over the socket end at once: only subscriptions count against the limits.
        if (operation.operation !== 'subscription') return args;
        const principal = principals.get(ctx) ?? null;
        let ops = held.get(ctx);
        if (!ops) held.set(ctx, (ops = new Map()));
        ops.get(id)?.();
        const granted = quota.acquire(principal?.userId ?? null, ops.size);
        if (granted instanceof GraphQLError) return [granted];
        const operations = ops;
        const done = () => {
          granted();
          if (operations.get(id) === done) operations.delete(id);
        };
        ops.set(id, done);
        releases.set(args, done);
        if (sharesEvents(document, payload.operationName)) sharable.add(args);
        return args;
      },
      context: (ctx, _id, payload, args): GraphQLContext => {
        const context = subscriptionContext(principals.get(ctx) ?? null, deps.callers, ctx.extra.request.socket.remoteAddress);
        const principal = principals.get(ctx);
        if (principal && sharable.has(args)) shareKeys.set(context, JSON.stringify([principal.userId, principal.apiKey?.id ?? null, payload.operationName ?? null, payload.variables ?? null]));
        return context;
      },
      subscribe: async (args) => {
        const result = await shared.subscribe(args, shareKeys.get(args.contextValue as object) ?? null);
        const done = releases.get(args) ?? (() => undefined);
        if (!(Symbol.asyncIterator in result)) {
          done();
          return result;
        }
        return releasingOnEnd(result, done);
      },
      onComplete: (ctx, id) => release(ctx, id),
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result as ExecutionResult, deps.log),
      onError: (_ctx, _id, _payload, errors) => formatResult({ errors }, deps.log).errors as GraphQLError[],
    },
    { keepAliveMs: 12_000, maxBufferedBytes: limits.maxSocketBufferedBytes, assemble: (data) => shared.assemble(data), log: deps.log },
  );
  const dispose = async () => {
    deps.bus.off('apiKeyRevoked', onRevoked);
    await server.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  return { dispose, openSubscriptions: () => quota.open };
}

/**
 * Subscriptions that can share one source stream and execution among identical subscribers (same user, document,
 * variables): live rows, the same for all of them. The test client's (per session, few subscribers) are not.
 */
const SHARED_EVENT_FIELDS = new Set(['deviceEventAdded', 'connectionLogAdded']);

function sharesEvents(document: DocumentNode, operationName: string | null | undefined): boolean {
  const op = getOperationAST(document, operationName);
  return (
    op?.operation === 'subscription' &&
    op.selectionSet.selections.every(
      // `after` replays stored rows to this subscriber alone: not shared.
      (s) => s.kind === Kind.FIELD && (s.name.value === '__typename' || SHARED_EVENT_FIELDS.has(s.name.value)) && !s.arguments?.some((a) => a.name.value === 'after'),
    )
  );
}

function releasingOnEnd<T>(inner: AsyncIterableIterator<T>, done: () => void): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      const r = await inner.next().catch((err: unknown) => {
        done();
        throw err;
      });
      if (r.done) done();
      return r;
    },
    async return(value?: unknown) {
      done();
      return inner.return ? inner.return(value) : { done: true, value: undefined };
    },
    async throw(err?: unknown) {
      done();
      if (inner.throw) return inner.throw(err);
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** A subscription's context; its loaders are uncached (each event sees current data). */
function subscriptionContext(principal: Principal | null, callers: Callers, remoteAddress: string | undefined): GraphQLContext {
  return {
    principal,
    access: new RequestAccess(callers.access, principal, undefined, remoteAddress, false),
    loaders: new RequestLoaders(false),
  };
}

function formatResult(result: ExecutionResult, log: Logger): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((e) => {
      const f = formatError(e, e, (err) => log.error('unexpected error in GraphQL subscription', err));
      return new GraphQLError(f.message, { path: e.path, extensions: f.extensions });
    }),
  };
}
