import { type AccessService, type Principal, RequestAccess } from '../access/index.js';
import { AppError } from '../common/index.js';
import { RequestLoaders } from './loaders.js';

/** What a resolver learns from the request: the caller and the request's loaders (services come through constructors). */
export interface GraphQLContext {
  principal: Principal | null;
  /** Why the credentials sent were refused; raised by the first operation that needs a user. */
  authError?: AppError;
  /** The caller's roles and the one place deciding what they may do (NOT_FOUND / FORBIDDEN). */
  access: RequestAccess;
  loaders: RequestLoaders;
  /** The caller's address (HTTP requests; see httpClientAddress), for throttling logins. */
  remoteAddress?: string;
  /** The HTTP request's id (x-request-id), for log lines. */
  requestId?: string;
}

/** Who is calling: the users feature authenticates, access decides (graphql/ knows only their results). */
export interface Callers {
  authenticate(authorization: string | undefined | null): Promise<Principal | null>;
  access: AccessService;
}

/**
 * Resolves the caller. Invalid credentials do not fail the whole request (public operations such as logIn and
 * introspection still work); any field that needs a user answers UNAUTHENTICATED.
 */
export async function buildContext(callers: Callers, authorization: string | undefined | null, remoteAddress?: string): Promise<GraphQLContext> {
  const base = { loaders: new RequestLoaders(), ...(remoteAddress !== undefined ? { remoteAddress } : {}) };
  try {
    const principal = await callers.authenticate(authorization);
    return { principal, access: new RequestAccess(callers.access, principal, undefined, remoteAddress), ...base };
  } catch (err) {
    if (err instanceof AppError) return { principal: null, authError: err, access: new RequestAccess(callers.access, null, err, remoteAddress), ...base };
    throw err;
  }
}

/** The calling user's id, or UNAUTHENTICATED. */
export function userId(ctx: GraphQLContext): string {
  return ctx.access.caller().userId;
}
