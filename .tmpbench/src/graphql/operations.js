"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SubscriptionQuota = exports.DocumentCache = void 0;
const graphql_1 = require("graphql");
const errors_js_1 = require("../common/errors.js");
/**
 * Parsed and validated documents by query text (least recently used dropped first). Every subscription sending
 * the same query shares one DocumentNode: no AST per subscription, and one identity to share executions by.
 */
class DocumentCache {
    constructor(schema, maxEntries = 500, maxQueryLength = 20_000) {
        this.schema = schema;
        this.maxEntries = maxEntries;
        this.maxQueryLength = maxQueryLength;
        this.entries = new Map();
    }
    /** The document, or the syntax/validation errors of the query. */
    get(query) {
        const hit = this.entries.get(query);
        if (hit) {
            this.entries.delete(query);
            this.entries.set(query, hit);
            return hit;
        }
        let result;
        try {
            const document = (0, graphql_1.parse)(query, { maxTokens: 20_000 });
            const errors = (0, graphql_1.validate)(this.schema, document);
            result = errors.length ? errors : document;
        }
        catch (err) {
            result = [err instanceof graphql_1.GraphQLError ? err : new graphql_1.GraphQLError('Invalid query')];
        }
        if (query.length <= this.maxQueryLength) {
            this.entries.set(query, result);
            if (this.entries.size > this.maxEntries)
                this.entries.delete(this.entries.keys().next().value);
        }
        return result;
    }
}
exports.DocumentCache = DocumentCache;
const limitExceeded = (message, details) => {
    const error = new errors_js_1.AppError('LIMIT_EXCEEDED', message, details);
    return new graphql_1.GraphQLError(message, { originalError: error, extensions: { code: error.code, ...details } });
};
/**
 * Open subscriptions, counted per user (across the user's sockets on this instance) and per socket. `acquire`
 * answers an error when a limit is reached, else a release function (idempotent).
 */
class SubscriptionQuota {
    constructor(maxPerUser, maxPerSocket) {
        this.maxPerUser = maxPerUser;
        this.maxPerSocket = maxPerSocket;
        this.perUser = new Map();
        /** Subscriptions granted and not yet released (every user's and anonymous ones): the open subscriptions. */
        this.open = 0;
    }
    count(userId) {
        return this.perUser.get(userId) ?? 0;
    }
    acquire(userId, socketCount) {
        if (socketCount >= this.maxPerSocket) {
            return limitExceeded(`At most ${this.maxPerSocket} subscriptions per socket`, { maxSubscriptionsPerSocket: this.maxPerSocket });
        }
        if (userId !== null) {
            const n = this.count(userId);
            if (n >= this.maxPerUser) {
                return limitExceeded(`At most ${this.maxPerUser} open subscriptions per user; complete one first`, { maxSubscriptionsPerUser: this.maxPerUser });
            }
            this.perUser.set(userId, n + 1);
        }
        this.open += 1;
        let released = false;
        return () => {
            if (released)
                return;
            released = true;
            this.open -= 1;
            if (userId === null)
                return;
            const left = this.count(userId) - 1;
            if (left > 0)
                this.perUser.set(userId, left);
            else
                this.perUser.delete(userId);
        };
    }
}
exports.SubscriptionQuota = SubscriptionQuota;
//# sourceMappingURL=operations.js.map