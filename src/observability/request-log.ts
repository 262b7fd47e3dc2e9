import { randomUUID } from 'node:crypto';

import type { RequestHandler, Response } from 'express';

import type { Logger } from '../common/index.js';

/** An `x-request-id` a client or proxy may choose: short, printable, no spaces or quotes. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/** The request id of a response (set by `requestLog`). */
export const requestIdOf = (res: Response): string | undefined => (typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined);

/**
 * Gives every HTTP request an id (the incoming `x-request-id` when it is sane, else a new UUID), echoes it in the
 * response's `x-request-id`, and logs the request at debug when it is answered: method, path (never the query
 * string), status, duration. Headers are not logged (Authorization carries tokens and API keys).
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    // Taken now: routers mounted on a path (app.use('/graphql', ...)) strip it from the request while they run.
    const path = req.path;
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
    next();
  };
}
