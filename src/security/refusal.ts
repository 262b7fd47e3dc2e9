import { AppError } from '../common/index.js';

/**
 * The GraphQL answer to a throttled attempt: TOO_MANY_REQUESTS, with when to try again in `extensions`
 * (`retryAfterSeconds`, rounded up, and `retryAfterMs`).
 */
export function tooManyAttempts(retryAfterMs: number): AppError {
  const ms = Math.max(1, Math.ceil(retryAfterMs));
  return new AppError('TOO_MANY_REQUESTS', 'too many failed attempts; try again later', { retryAfterSeconds: Math.ceil(ms / 1000), retryAfterMs: ms });
}
