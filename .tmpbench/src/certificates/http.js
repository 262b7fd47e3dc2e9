"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.certificatesRouter = certificatesRouter;
const express_1 = __importDefault(require("express"));
const index_js_1 = require("../access/index.js");
const address_js_1 = require("../security/address.js");
const errors_js_1 = require("../common/errors.js");
const zip_js_1 = require("./zip.js");
const PEM_TYPE = 'application/x-pem-file';
const ERROR_STATUS = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, SERVICE_UNAVAILABLE: 503 };
function sendError(res, status, code, message, details) {
    if (status === 401)
        res.set('WWW-Authenticate', 'Bearer');
    res.status(status).set('Cache-Control', 'no-store').json({ error: { code, message, ...details } });
}
/**
 * HTTP downloads of the PKI:
 * - `GET /pki/ca.pem`: the platform root CA certificate (public);
 * - `GET /pki/crl.pem`: the CRL signed by the platform CA (public);
 * - `GET /certificates/:id/bundle.zip`: root_ca.crt, <name>.crt, <name>.key of one of the caller's
 *   certificates (DEVELOPER or higher: it holds the private key; 403 FORBIDDEN for a VIEWER);
 *   `Authorization: Bearer <token or API key>`. A certificate of an organization the caller is not in is 404, like a missing one.
 */
function certificatesRouter(services) {
    const router = express_1.default.Router();
    router.get('/pki/ca.pem', (_req, res) => {
        res.type(PEM_TYPE).set('Content-Disposition', 'inline; filename="root_ca.crt"').send(services.pki.caCertificatePem());
    });
    router.get('/pki/crl.pem', async (_req, res) => {
        try {
            const pem = await services.certificates.crlPem();
            res.type(PEM_TYPE).set('Cache-Control', 'no-cache').send(pem);
        }
        catch (err) {
            services.log.error('could not produce the CRL', err);
            sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        }
    });
    router.get('/certificates/:id/bundle.zip', async (req, res) => {
        try {
            const principal = await services.users.authenticate(req.headers.authorization);
            if (!principal)
                return sendError(res, 401, 'UNAUTHENTICATED', 'Authentication required');
            const access = new index_js_1.RequestAccess(services.access, principal, undefined, (0, address_js_1.httpClientAddress)(req.socket.remoteAddress, req.headers['x-forwarded-for'], services.config.throttle.trustProxy));
            const { fileBase, files } = await services.certificates.bundle(access, String(req.params.id));
            const zip = (0, zip_js_1.createZip)(files.map((f) => ({ ...f, date: services.clock() })));
            res
                .status(200)
                .type('application/zip')
                .set('Content-Disposition', `attachment; filename="${fileBase}.zip"`)
                .set('Cache-Control', 'no-store')
                .send(zip);
        }
        catch (err) {
            if (err instanceof errors_js_1.AppError) {
                const status = ERROR_STATUS[err.code] ?? 400;
                return sendError(res, status, err.code, err.message, err.details);
            }
            services.log.error('certificate bundle download failed', err);
            sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        }
    });
    return router;
}
//# sourceMappingURL=http.js.map