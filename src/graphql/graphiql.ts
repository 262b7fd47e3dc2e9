import fs from 'node:fs';
import path from 'node:path';

import express, { type NextFunction, type Request, type Response, type Router } from 'express';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portico GraphiQL</title>
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/graphiql.js"></script>
</body>
</html>
`;

const MISSING = `<!doctype html><meta charset="utf-8"><title>Portico GraphiQL</title>
<p>The GraphiQL bundle has not been built. Run <code>npm run build</code> and restart the server.</p>`;

/** Whether a GET /graphql comes from a browser wanting a page (not a GraphQL-over-GET request). */
function wantsPage(req: Request): boolean {
  return req.method === 'GET' && req.query.query === undefined && req.accepts(['application/json', 'text/html']) === 'text/html';
}

/**
 * GraphiQL served offline from our own bundle: the page at GET /graphql (for browsers) and its assets under /graphiql/.
 */
export function graphiqlRouter(dir: string): { assets: Router; page: (req: Request, res: Response, next: NextFunction) => void } {
  const built = () => fs.existsSync(path.join(dir, 'graphiql.js'));
  const assets = express.Router();
  assets.use(express.static(dir, { fallthrough: false, index: false, maxAge: '1h' }));
  return {
    assets,
    page(req, res, next) {
      if (!wantsPage(req)) return next();
      res.set('content-security-policy', "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; worker-src 'self' blob:");
      const ready = built();
      res
        .status(ready ? 200 : 503)
        .type('html')
        .send(ready ? PAGE : MISSING);
    },
  };
}
