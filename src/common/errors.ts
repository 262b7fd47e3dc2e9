import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { isStorageUnavailable } from './storage-errors.js';

/** Stable error codes sent to clients in `extensions.code`. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'DEVICE_NOT_FOUND'
  | 'CONFLICT'
  | 'LIMIT_EXCEEDED'
  | 'TOO_MANY_REQUESTS'
  | 'QUERY_TOO_COMPLEX'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE'
  | 'QUERY_TIMEOUT'
  | 'DEVICE_TIMEOUT'
  | 'EVENTS_MISSED'
  | 'INTERNAL_SERVER_ERROR';

/** An error whose message is safe to show to the client. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badInput = (message: string, field?: string): AppError => new AppError('BAD_USER_INPUT', message, field ? { field } : undefined);
export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string, field?: string): AppError => new AppError('CONFLICT', message, field ? { field } : undefined);
export const unauthenticated = (message = 'Authentication required'): AppError => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed'): AppError => new AppError('FORBIDDEN', message);
/**
 * Ends a live subscription that may have missed events (scale-out: the Redis link was down). `resumeAfter`: the
 * cursor to subscribe again with (`after:`), which replays what was recorded after it; null when there is none.
 */
export const eventsMissed = (resumeAfter: string | null): AppError =>
  new AppError('EVENTS_MISSED', 'live events may have been missed; subscribe again (with after: resumeAfter, when given) to catch up', { resumeAfter });
export const isEventsMissed = (err: unknown): boolean => err instanceof AppError && err.code === 'EVENTS_MISSED';

/** Codes that graphql-js / Apollo attach themselves and whose messages are about the request, not internals. */
const REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

interface ValidationLike {
  name?: string;
  validationErrors?: Array<{ property: string; constraints?: Record<string, string> }>;
}

/**
 * Maps any error reaching the client to a stable code and a safe message. Unknown errors become
 * INTERNAL_SERVER_ERROR with a generic message; the original is handed to `log`.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (err: unknown) => void): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };

  if (original instanceof AppError) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
  }
  const validation = original as ValidationLike;
  if (validation && validation.name === 'ArgumentValidationError' && validation.validationErrors) {
    const messages = validation.validationErrors.flatMap((v) => Object.values(v.constraints ?? {}));
    return {
      ...base,
      message: messages.length ? `Invalid input: ${messages.join('; ')}` : 'Invalid input',
      extensions: { code: 'BAD_USER_INPUT', fields: validation.validationErrors.map((v) => v.property) },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && REQUEST_CODES.has(code)) {
    return { ...base, extensions: { code } };
  }
  // graphql-js coercion errors (unknown enum values, wrong scalar types) come without an originalError.
  if (error instanceof GraphQLError && !error.originalError && !code) {
    return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  }
  if (error instanceof GraphQLError && error.originalError instanceof GraphQLError) {
    // A scalar's parseValue/parseLiteral rejected the input.
    return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  }
  log(original);
  if (isStorageUnavailable(original)) {
    // Nothing was stored: the client may try again once the database accepts writes.
    return { ...base, message: 'Storage unavailable, try again later', extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
