import express, { type Request, type Response } from 'express';

import { RequestAccess } from '../access/index.js';
import { AppError, type Clock, type ErrorCode, type Logger } from '../common/index.js';
import type { ThrottleConfig } from '../config/index.js';
import type { Callers } from '../graphql/index.js';
import type { PkiService } from '../pki/index.js';
import { httpClientAddress } from '../security/index.js';
import type { CertificateService } from './certificate.service.js';
import { createZip } from './zip.js';

const PEM_TYPE = 'application/x-pem-file';

const ERROR_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, SERVICE_UNAVAILABLE: 503 };

function sendError(res: Response, status: number, code: string, message: string, details?: Record<string, unknown>): void {
  if (status === 401) res.set('WWW-Authenticate', 'Bearer');
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .json({ error: { code, message, ...details } });
}

/** What the downloads need from the app. */
export interface CertificateRoutesDeps {
  pki: PkiService;
  certificates: CertificateService;
  callers: Callers;
  trustProxy: ThrottleConfig['trustProxy'];
  clock: Clock;
  log: Logger;
}

/**
 * HTTP downloads of the PKI:
 * - `GET /pki/ca.pem`: the platform root CA certificate (public);
 * - `GET /pki/crl.pem`: the CRL signed by the platform CA (public);
 * - `GET /certificates/:id/bundle.zip`: root_ca.crt, <name>.crt, <name>.key of one of the caller's
 *   certificates (DEVELOPER or higher: it holds the private key; 403 FORBIDDEN for a VIEWER);
 *   `Authorization: Bearer <token or API key>`. A certificate of an organization the caller is not in is 404, like a missing one.
 */
export function certificatesRouter(deps: CertificateRoutesDeps): express.Router {
  const router = express.Router();

  router.get('/pki/ca.pem', (_req: Request, res: Response) => {
    res.type(PEM_TYPE).set('Content-Disposition', 'inline; filename="root_ca.crt"').send(deps.pki.caCertificatePem());
  });

  router.get('/pki/crl.pem', async (_req: Request, res: Response) => {
    try {
      const pem = await deps.certificates.crlPem();
      res.type(PEM_TYPE).set('Cache-Control', 'no-cache').send(pem);
    } catch (err) {
      deps.log.error('could not produce the CRL', err);
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  });

  router.get('/certificates/:id/bundle.zip', async (req: Request, res: Response) => {
    try {
      const principal = await deps.callers.authenticate(req.headers.authorization);
      if (!principal) return sendError(res, 401, 'UNAUTHENTICATED', 'Authentication required');
      const access = new RequestAccess(deps.callers.access, principal, undefined, httpClientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], deps.trustProxy));
      const { fileBase, files } = await deps.certificates.bundle(access, String(req.params.id));
      const zip = createZip(files.map((f) => ({ ...f, date: deps.clock() })));
      res.status(200).type('application/zip').set('Content-Disposition', `attachment; filename="${fileBase}.zip"`).set('Cache-Control', 'no-store').send(zip);
    } catch (err) {
      if (err instanceof AppError) {
        const status = ERROR_STATUS[err.code] ?? 400;
        return sendError(res, status, err.code, err.message, err.details);
      }
      deps.log.error('certificate bundle download failed', err);
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  });

  return router;
}
