import type { ApolloServerPlugin } from '@apollo/server';
import type { ErrorRequestHandler, RequestHandler } from 'express';

import type { ErrorCode, Logger } from '../common/index.js';
import { checkOperationCost, type CostLimits } from './cost.js';

/** Refuses an operation over the cost limits before it runs (QUERY_TOO_COMPLEX, HTTP 400). */
export function costLimitPlugin<TContext extends object>(limits: CostLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, request }) {
          const error = checkOperationCost(schema, document, operationName, request.variables, limits);
          if (error) throw error;
        },
      };
    },
  };
}

/** A GraphQL-shaped error body: what any client of /graphql can read. */
const errorBody = (message: string, code: ErrorCode) => ({ errors: [{ message, extensions: { code } }] });
export type ErrorBody = ReturnType<typeof errorBody>;

/** The answers to a request /graphql could not take, the same from express's route and from jsonPostHandler. */
export const requestErrors = {
  tooLarge: (maxBodyBytes: number) => errorBody(`Request body is larger than ${maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE'),
  notJson: () => errorBody('Request body is not valid JSON', 'BAD_REQUEST'),
  internal: () => errorBody('Internal server error', 'INTERNAL_SERVER_ERROR'),
};

interface HttpErrorLike {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
}

/**
 * The last error handler: every error answers JSON `{ errors: [{ message, extensions: { code } }] }`, never a
 * stack, a server path or an HTML page. Request errors from body parsing (malformed JSON: 400 BAD_REQUEST, too
 * large: 413 PAYLOAD_TOO_LARGE) say what was wrong; anything else is logged and answered 500.
 */
export function jsonErrorHandler(log: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = (err ?? {}) as HttpErrorLike;
    const raw = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    const status = raw >= 400 && raw < 600 ? raw : 500;
    let body: ErrorBody;
    if (status === 413) body = requestErrors.tooLarge(maxBodyBytes);
    else if (e.type === 'entity.parse.failed') body = requestErrors.notJson();
    else if (status < 500) body = errorBody(typeof e.type === 'string' ? `Bad request (${e.type})` : 'Bad request', 'BAD_REQUEST');
    else {
      log.error('unexpected error in HTTP request', { requestId: res.locals.requestId, err });
      body = requestErrors.internal();
    }
    res.status(status).json(body);
  };
}

/** Unknown paths answer 404 JSON, like every other error. */
export const jsonNotFound: RequestHandler = (_req, res) => {
  res.status(404).json(errorBody('Not found', 'NOT_FOUND'));
};
