"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isEventsMissed = exports.eventsMissed = exports.forbidden = exports.unauthenticated = exports.conflict = exports.notFound = exports.badInput = exports.AppError = void 0;
exports.formatError = formatError;
const graphql_1 = require("graphql");
const storage_errors_js_1 = require("./storage-errors.js");
/** An error whose message is safe to show to the client. */
class AppError extends Error {
    constructor(code, message, details) {
        super(message);
        this.code = code;
        this.details = details;
        this.name = 'AppError';
    }
}
exports.AppError = AppError;
const badInput = (message, field) => new AppError('BAD_USER_INPUT', message, field ? { field } : undefined);
exports.badInput = badInput;
const notFound = (what) => new AppError('NOT_FOUND', `${what} not found`);
exports.notFound = notFound;
const conflict = (message, field) => new AppError('CONFLICT', message, field ? { field } : undefined);
exports.conflict = conflict;
const unauthenticated = (message = 'Authentication required') => new AppError('UNAUTHENTICATED', message);
exports.unauthenticated = unauthenticated;
const forbidden = (message = 'Not allowed') => new AppError('FORBIDDEN', message);
exports.forbidden = forbidden;
/**
 * Ends a live subscription that may have missed events (scale-out: the Redis link was down). `resumeAfter`: the
 * cursor to subscribe again with (`after:`), which replays what was recorded after it; null when there is none.
 */
const eventsMissed = (resumeAfter) => new AppError('EVENTS_MISSED', 'live events may have been missed; subscribe again (with after: resumeAfter, when given) to catch up', { resumeAfter });
exports.eventsMissed = eventsMissed;
const isEventsMissed = (err) => err instanceof AppError && err.code === 'EVENTS_MISSED';
exports.isEventsMissed = isEventsMissed;
/** Codes that graphql-js / Apollo attach themselves and whose messages are about the request, not internals. */
const REQUEST_CODES = new Set([
    'GRAPHQL_PARSE_FAILED',
    'GRAPHQL_VALIDATION_FAILED',
    'BAD_USER_INPUT',
    'PERSISTED_QUERY_NOT_FOUND',
    'PERSISTED_QUERY_NOT_SUPPORTED',
    'OPERATION_RESOLUTION_FAILURE',
    'BAD_REQUEST',
]);
/**
 * Maps any error reaching the client to a stable code and a safe message. Unknown errors become
 * INTERNAL_SERVER_ERROR with a generic message; the original is handed to `log`.
 */
function formatError(formatted, error, log) {
    const original = error instanceof graphql_1.GraphQLError ? (error.originalError ?? error) : error;
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    if (original instanceof AppError) {
        return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
    }
    const validation = original;
    if (validation && validation.name === 'ArgumentValidationError' && validation.validationErrors) {
        const messages = validation.validationErrors.flatMap((v) => Object.values(v.constraints ?? {}));
        return {
            ...base,
            message: messages.length ? `Invalid input: ${messages.join('; ')}` : 'Invalid input',
            extensions: { code: 'BAD_USER_INPUT', fields: validation.validationErrors.map((v) => v.property) },
        };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && REQUEST_CODES.has(code)) {
        return { ...base, extensions: { code } };
    }
    // graphql-js coercion errors (unknown enum values, wrong scalar types) come without an originalError.
    if (error instanceof graphql_1.GraphQLError && !error.originalError && !code) {
        return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
    }
    if (error instanceof graphql_1.GraphQLError && error.originalError instanceof graphql_1.GraphQLError) {
        // A scalar's parseValue/parseLiteral rejected the input.
        return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
    }
    log(original);
    if ((0, storage_errors_js_1.isStorageUnavailable)(original)) {
        // Nothing was stored: the client may try again once the database accepts writes.
        return { ...base, message: 'Storage unavailable, try again later', extensions: { code: 'SERVICE_UNAVAILABLE' } };
    }
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
//# sourceMappingURL=errors.js.map