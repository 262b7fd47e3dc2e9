"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.InternalErrors = void 0;
exports.observabilityPlugin = observabilityPlugin;
/**
 * Errors that `formatError` turned into INTERNAL_SERVER_ERROR (or SERVICE_UNAVAILABLE), with their originals: the
 * plugin logs them once the response is ready, with the request id (formatError itself has no request).
 */
class InternalErrors {
    constructor() {
        this.originals = new WeakMap();
    }
    note(error, original) {
        if (error !== null && typeof error === 'object')
            this.originals.set(error, original);
    }
    take(error) {
        if (!this.originals.has(error))
            return null;
        const original = this.originals.get(error);
        this.originals.delete(error);
        return { original };
    }
}
exports.InternalErrors = InternalErrors;
/**
 * Counts and times every operation over HTTP (name, type, ok or error) and logs its internal errors (error level,
 * with the request id, the operation name and the error's stack; the client only sees a generic message).
 */
function observabilityPlugin(recorder, log, internal) {
    return {
        async requestDidStart({ contextValue }) {
            const started = performance.now();
            return {
                async willSendResponse({ operation, operationName, request, errors }) {
                    const name = operation ? operationName : request.operationName;
                    recorder.graphqlOperation(name, operation?.operation ?? 'unknown', errors?.length ? 'error' : 'ok', (performance.now() - started) / 1000);
                    for (const error of errors ?? []) {
                        const found = internal.take(error);
                        if (found)
                            log.error('unexpected error in GraphQL operation', { requestId: contextValue.requestId, operationName: name ?? null, path: error.path, err: found.original });
                    }
                },
            };
        },
    };
}
//# sourceMappingURL=observability-plugin.js.map