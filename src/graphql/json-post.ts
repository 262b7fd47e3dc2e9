import type http from 'node:http';

import type { ApolloServer, BaseContext } from '@apollo/server';

import type { Logger } from '../common/index.js';
import { answerGraphql } from './apollo-http.js';
import { type ErrorBody, requestErrors } from './http.js';

/**
 * Whether a request is a plain JSON POST to exactly /graphql: `application/json` (utf-8 or no charset), no content
 * encoding. Every other request (a compressed body, another charset or media type, /graphql/…) goes through express.
 */
export function isPlainJsonPost(req: http.IncomingMessage, path: string): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  if (url !== path && !(url.startsWith(path) && url.charCodeAt(path.length) === 63 /* ? */)) return false;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return false;
  const type = req.headers['content-type'];
  if (type === undefined) return false;
  const semi = type.indexOf(';');
  if ((semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase() !== 'application/json') return false;
  if (semi < 0) return true;
  return /^\s*charset\s*=\s*"?utf-8"?\s*$/i.test(type.slice(semi + 1));
}

export interface JsonPostOptions<TContext> {
  maxBodyBytes: number;
  log: Logger;
  /** Gives the request its id, echoed and logged (logRequest). */
  begin: (req: http.IncomingMessage, res: http.ServerResponse) => string;
  context: (req: http.IncomingMessage, requestId: string) => Promise<TContext>;
}

const answerError = (res: http.ServerResponse, status: number, body: ErrorBody): void => {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
};

/**
 * A plain JSON POST to /graphql answered straight from node's HTTP server, without express's router and body
 * parser: the body is read up to `maxBodyBytes` (413 PAYLOAD_TOO_LARGE beyond), parsed as strict JSON like
 * express.json (an object or an array; empty is `{}`; otherwise 400 BAD_REQUEST), and handed to Apollo as the
 * express route would. Same answers as the express route (test/graphql-limits.test.ts, test/observability.test.ts);
 * server CPU per `{ me { id } }` 0.53x (old and new builds alternating, 3 pairs).
 */
export function jsonPostHandler<TContext extends BaseContext>(apollo: ApolloServer<TContext>, o: JsonPostOptions<TContext>) {
  apollo.assertStarted('jsonPostHandler()');
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const requestId = o.begin(req, res);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > o.maxBodyBytes) return tooLarge(res, o.maxBodyBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    // A client gone before its body ended: nothing to answer (the socket is closed).
    req.on('error', (err) => o.log.debug('GraphQL request body not received', { requestId, err }));
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > o.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        tooLarge(res, o.maxBodyBytes);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      let body: unknown;
      try {
        body = parseStrictJson(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answerError(res, 400, requestErrors.notJson());
      }
      answerGraphql(apollo, req, res, body, () => o.context(req, requestId)).catch((err: unknown) => {
        o.log.error('unexpected error in HTTP request', { requestId, err });
        if (res.headersSent) res.destroy();
        else answerError(res, 500, requestErrors.internal());
      });
    });
  };
}

function tooLarge(res: http.ServerResponse, max: number): void {
  answerError(res, 413, requestErrors.tooLarge(max));
}

/** express.json's strict mode: an object or an array (after a byte order mark and whitespace); an empty body is `{}`. */
function parseStrictJson(text: string): unknown {
  const trimmed = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = /\S/.exec(trimmed)?.[0];
  if (first === undefined) {
    if (trimmed.length === 0) return {};
    throw new SyntaxError('empty');
  }
  if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
  return JSON.parse(trimmed) as unknown;
}
