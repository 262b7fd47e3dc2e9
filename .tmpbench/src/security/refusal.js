"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.tooManyAttempts = tooManyAttempts;
const errors_js_1 = require("../common/errors.js");
/**
 * The GraphQL answer to a throttled attempt: TOO_MANY_REQUESTS, with when to try again in `extensions`
 * (`retryAfterSeconds`, rounded up, and `retryAfterMs`).
 */
function tooManyAttempts(retryAfterMs) {
    const ms = Math.max(1, Math.ceil(retryAfterMs));
    return new errors_js_1.AppError('TOO_MANY_REQUESTS', 'too many failed attempts; try again later', { retryAfterSeconds: Math.ceil(ms / 1000), retryAfterMs: ms });
}
//# sourceMappingURL=refusal.js.map