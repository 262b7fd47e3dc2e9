"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.jsonNotFound = void 0;
exports.costLimitPlugin = costLimitPlugin;
exports.jsonErrorHandler = jsonErrorHandler;
const cost_js_1 = require("./cost.js");
/** Refuses an operation over the cost limits before it runs (QUERY_TOO_COMPLEX, HTTP 400). */
function costLimitPlugin(limits) {
    return {
        async requestDidStart() {
            return {
                async didResolveOperation({ schema, document, operationName, request }) {
                    const error = (0, cost_js_1.checkOperationCost)(schema, document, operationName, request.variables, limits);
                    if (error)
                        throw error;
                },
            };
        },
    };
}
/** A GraphQL-shaped error body: what any client of /graphql can read. */
const errorBody = (message, code) => ({ errors: [{ message, extensions: { code } }] });
/**
 * The last error handler: every error answers JSON `{ errors: [{ message, extensions: { code } }] }`, never a
 * stack, a server path or an HTML page. Request errors from body parsing (malformed JSON: 400 BAD_REQUEST, too
 * large: 413 PAYLOAD_TOO_LARGE) say what was wrong; anything else is logged and answered 500.
 */
function jsonErrorHandler(log, maxBodyBytes) {
    return (err, _req, res, next) => {
        if (res.headersSent) {
            next(err);
            return;
        }
        const e = (err ?? {});
        const raw = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
        const status = raw >= 400 && raw < 600 ? raw : 500;
        let body;
        if (status === 413)
            body = errorBody(`Request body is larger than ${maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE');
        else if (e.type === 'entity.parse.failed')
            body = errorBody('Request body is not valid JSON', 'BAD_REQUEST');
        else if (status < 500)
            body = errorBody(typeof e.type === 'string' ? `Bad request (${e.type})` : 'Bad request', 'BAD_REQUEST');
        else {
            log.error('unexpected error in HTTP request', { requestId: res.locals.requestId, err });
            body = errorBody('Internal server error', 'INTERNAL_SERVER_ERROR');
        }
        res.status(status).json(body);
    };
}
/** Unknown paths answer 404 JSON, like every other error. */
const jsonNotFound = (_req, res) => {
    res.status(404).json(errorBody('Not found', 'NOT_FOUND'));
};
exports.jsonNotFound = jsonNotFound;
//# sourceMappingURL=http.js.map