import express, { type Request, type Response } from 'express';
import { AppError } from '../common/errors.js';
import type { Services } from '../services.js';
import { createZip } from './zip.js';

const PEM_TYPE = 'application/x-pem-file';

function sendError(res: Response, status: number, code: string, message: string): void {
  if (status === 401) res.set('WWW-Authenticate', 'Bearer');
  res.status(status).set('Cache-Control', 'no-store').json({ error: { code, message } });
}

/**
 * HTTP downloads of the PKI:
 * - `GET /pki/ca.pem`: the platform root CA certificate (public);
 * - `GET /pki/crl.pem`: the CRL signed by the platform CA (public);
 * - `GET /certificates/:id/bundle.zip`: root_ca.crt, <name>.crt, <name>.key of one of the caller's
 *   certificates; `Authorization: Bearer <token or API key>`. Another user's certificate is 404, like a missing one.
 */
export function certificatesRouter(services: Services): express.Router {
  const router = express.Router();

  router.get('/pki/ca.pem', (_req: Request, res: Response) => {
    res.type(PEM_TYPE).set('Content-Disposition', 'inline; filename="root_ca.crt"').send(services.pki.caCertificatePem());
  });

  router.get('/pki/crl.pem', async (_req: Request, res: Response) => {
    try {
      const pem = await services.certificates.crlPem();
      res.type(PEM_TYPE).set('Cache-Control', 'no-cache').send(pem);
    } catch (err) {
      services.log.error('could not produce the CRL', err);
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  });

  router.get('/certificates/:id/bundle.zip', async (req: Request, res: Response) => {
    try {
      const principal = await services.users.authenticate(req.headers.authorization);
      if (!principal) return sendError(res, 401, 'UNAUTHENTICATED', 'Authentication required');
      const { fileBase, files } = await services.certificates.bundle(principal.userId, String(req.params.id));
      const zip = createZip(files.map((f) => ({ ...f, date: services.clock() })));
      res
        .status(200)
        .type('application/zip')
        .set('Content-Disposition', `attachment; filename="${fileBase}.zip"`)
        .set('Cache-Control', 'no-store')
        .send(zip);
    } catch (err) {
      if (err instanceof AppError) {
        const status = err.code === 'UNAUTHENTICATED' ? 401 : err.code === 'NOT_FOUND' ? 404 : 400;
        return sendError(res, status, err.code, err.message);
      }
      services.log.error('certificate bundle download failed', err);
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  });

  return router;
}
