import { randomUUID } from 'node:crypto';
import type http from 'node:http';

import type { RequestHandler, Response } from 'express';

import type { Logger } from '../common/index.js';

/** An `x-request-id` a client or proxy may choose: short, printable, no spaces or quotes. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/** The request id of a response (set by `requestLog`). */
export const requestIdOf = (res: Response): string | undefined => (typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined);

/**
 * Gives a request its id (the incoming `x-request-id` when it is sane, else a new UUID), echoes it in the response's
 * `x-request-id`, and logs the request at debug when it is answered: method, path (never the query string), status,
 * duration. Headers are not logged (Authorization carries tokens and API keys). Returns the id.
 */
export function logRequest(log: Logger, req: http.IncomingMessage, res: http.ServerResponse, path: string): string {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', requestId);
  const started = performance.now();
  res.once('close', () => {
    log.debug('HTTP request', {
      requestId,
      method: req.method,
      path,
      status: res.statusCode,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ...(res.writableFinished ? {} : { aborted: true }),
    });
  });
  return requestId;
}

/** `logRequest` for every request express serves; the id is in `res.locals.requestId` (`requestIdOf`). */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    // The path is taken now: routers mounted on a path (app.use('/graphql', ...)) strip it from the request while they run.
    res.locals.requestId = logRequest(log, req, res, req.path);
    next();
  };
}
