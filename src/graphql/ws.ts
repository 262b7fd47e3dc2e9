import type http from 'node:http';
import { type ExecutionResult, GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { AppError, formatError } from '../common/errors.js';
import { timerAt } from '../common/runtime.js';
import type { Services } from '../services.js';
import type { Principal } from '../users/user.service.js';
import { createLoaders, type GraphQLContext } from './context.js';

/**
 * GraphQL subscriptions over graphql-ws on the HTTP server's `/graphql` path. Clients authenticate with
 * `connectionParams: { authorization: 'Bearer <token or API key>' }` (or `{ token }`); a bad credential
 * closes the socket with 4403 Forbidden; a session token's socket closes (4401) when the token expires, and an
 * API key's (4403) when the key is revoked.
 */
export function attachSubscriptions(httpServer: http.Server, schema: GraphQLSchema, services: Services): () => Promise<void> {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const principals = new WeakMap<object, Principal | null>();
  /** Open sockets by the API key that authenticated them, closed when the key is revoked (on any instance). */
  const byApiKey = new Map<string, Set<WebSocket>>();
  const onRevoked = ({ apiKeyId }: { apiKeyId: string }) => {
    for (const socket of byApiKey.get(apiKeyId) ?? []) socket.close(4403, 'API key revoked');
  };
  services.bus.on('apiKeyRevoked', onRevoked);
  const server = useServer(
    {
      schema,
      onConnect: async (ctx) => {
        const params = (ctx.connectionParams ?? {}) as { authorization?: unknown; Authorization?: unknown; token?: unknown };
        const header = params.authorization ?? params.Authorization ?? (typeof params.token === 'string' ? `Bearer ${params.token}` : undefined);
        try {
          const principal = await services.users.authenticate(typeof header === 'string' ? header : undefined);
          principals.set(ctx, principal);
          if (principal?.tokenExpiresAt) {
            // A session token's subscriptions end with it: the socket closes when the token expires.
            const socket = ctx.extra.socket;
            const timer = timerAt(principal.tokenExpiresAt, services.clock, () => socket.close(4401, 'Token expired'));
            socket.once('close', () => clearTimeout(timer));
          }
          if (principal?.apiKeyId) {
            const key = principal.apiKeyId;
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
      context: (ctx): GraphQLContext => ({
        principal: principals.get(ctx) ?? null,
        services,
        loaders: createLoaders(services, { cache: false }),
      }),
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result as ExecutionResult, services),
      onError: (_ctx, _id, _payload, errors) => formatResult({ errors }, services).errors as GraphQLError[],
    },
    wss,
  );
  return async () => {
    services.bus.off('apiKeyRevoked', onRevoked);
    await server.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}

function formatResult(result: ExecutionResult, services: Services): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((e) => {
      const f = formatError(e, e, (err) => services.log.error('unexpected error in GraphQL subscription', err));
      return new GraphQLError(f.message, { path: e.path, extensions: f.extensions });
    }),
  };
}
