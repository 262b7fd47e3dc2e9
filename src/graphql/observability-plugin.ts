import type { ApolloServerPlugin } from '@apollo/server';

import type { Logger } from '../common/index.js';

/** Where answered operations are counted (AppMetrics). */
export interface OperationRecorder {
  graphqlOperation(name: string | null | undefined, type: string, result: 'ok' | 'error', seconds: number): void;
}

/**
 * Errors that `formatError` turned into INTERNAL_SERVER_ERROR (or SERVICE_UNAVAILABLE), with their originals: the
 * plugin logs them once the response is ready, with the request id (formatError itself has no request).
 */
export class InternalErrors {
  private readonly originals = new WeakMap<object, unknown>();

  note(error: unknown, original: unknown): void {
    if (error !== null && typeof error === 'object') this.originals.set(error, original);
  }

  take(error: object): { original: unknown } | null {
    if (!this.originals.has(error)) return null;
    const original = this.originals.get(error);
    this.originals.delete(error);
    return { original };
  }
}

/**
 * Counts and times every operation over HTTP (name, type, ok or error) and logs its internal errors (error level,
 * with the request id, the operation name and the error's stack; the client only sees a generic message).
 */
export function observabilityPlugin<TContext extends { requestId?: string }>(recorder: OperationRecorder, log: Logger, internal: InternalErrors): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operation, operationName, request, errors }) {
          const name = operation ? operationName : request.operationName;
          recorder.graphqlOperation(name, operation?.operation ?? 'unknown', errors?.length ? 'error' : 'ok', (performance.now() - started) / 1000);
          for (const error of errors ?? []) {
            const found = internal.take(error);
            if (found) log.error('unexpected error in GraphQL operation', { requestId: contextValue.requestId, operationName: name ?? null, path: error.path, err: found.original });
          }
        },
      };
    },
  };
}
