import path from 'node:path';

import express, { type Router } from 'express';

/**
 * mqtt.js's own browser build (UMD: `window.mqtt`), served by this server at `/assets/mqtt.min.js` so a browser
 * page can connect to `ws(s)://<host>/mqtt` without any CDN. The file comes from the installed `mqtt` package.
 */
export function browserClientRouter(): Router {
  const file = path.join(path.dirname(require.resolve('mqtt/package.json')), 'dist', 'mqtt.min.js');
  const router = express.Router();
  router.get('/assets/mqtt.min.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('application/javascript').sendFile(file);
  });
  return router;
}
