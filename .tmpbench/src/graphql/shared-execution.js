"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SharedExecution = void 0;
const graphql_1 = require("graphql");
const subscription_hub_js_1 = require("./subscription-hub.js");
/**
 * Subscription events executed once per distinct selection, and serialized once per result.
 *
 * Subscribers of one user that sent the same document (one DocumentNode, see DocumentCache) with the same
 * operation name and variables share one source stream and one execution per event (a Hub); each subscriber
 * only keeps a queue of results it has not read yet. The result's JSON is kept beside it, and a graphql-ws message carrying it is assembled from that text
 * (see `payloadReplacer` / `assemble`), so an event going to 5,000 identical subscriptions is executed and
 * stringified once, not 5,000 times. The JSON cache is weak: it goes with the result.
 */
class SharedExecution {
    /** @param maxQueue results waiting for one subscriber beyond this end it (SUBSCRIBER_TOO_SLOW). */
    constructor(maxQueue = 10_000) {
        this.maxQueue = maxQueue;
        /** Running shared subscriptions by document and share key. */
        this.hubs = new WeakMap();
        this.json = new WeakMap();
        /** Set by the replacer for the message being stringified; taken by `assemble` right after (synchronously). */
        this.pending = null;
        this.marker = `\u0000portico-payload:${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
        this.markerTail = JSON.stringify(this.marker) + '}';
        /** graphql-ws `jsonMessageReplacer`: a `next` message's payload is stringified once per result object. */
        this.payloadReplacer = ((shared) => function (key, value) {
            if (key !== 'payload' || typeof value !== 'object' || value === null)
                return value;
            const message = this;
            if (message.type !== 'next' || typeof message.id !== 'string')
                return value;
            let text = shared.json.get(value);
            if (text === undefined)
                shared.json.set(value, (text = JSON.stringify(value)));
            shared.pending = text;
            return shared.marker;
        })(this);
    }
    /**
     * A subscription's results. With a `shareKey` (the caller puts the user, operation name and variables in it)
     * it joins the running subscription of the same document and key, or starts it: one source stream, one
     * execution per event, whatever the number of subscribers. Without one, it is graphql-js's `subscribe`.
     */
    async subscribe(args, shareKey) {
        if (shareKey === null) {
            const source = await (0, graphql_1.createSourceEventStream)(args);
            if (!(Symbol.asyncIterator in source))
                return source;
            return (0, subscription_hub_js_1.mapResults)(source[Symbol.asyncIterator](), (event) => (0, graphql_1.execute)({ ...args, rootValue: event }));
        }
        let byKey = this.hubs.get(args.document);
        if (!byKey)
            this.hubs.set(args.document, (byKey = new Map()));
        const running = byKey.get(shareKey);
        const existing = running ? await running : null;
        if (existing instanceof subscription_hub_js_1.Hub && !existing.closed)
            return existing.join();
        const starting = (async () => {
            const source = await (0, graphql_1.createSourceEventStream)(args);
            if (!(Symbol.asyncIterator in source))
                return source;
            const hub = new subscription_hub_js_1.Hub(source[Symbol.asyncIterator](), (event) => (0, graphql_1.execute)({ ...args, rootValue: event }), this.maxQueue, () => {
                if (byKey.get(shareKey) === starting)
                    byKey.delete(shareKey);
            });
            return hub;
        })();
        byKey.set(shareKey, starting);
        const started = await starting;
        if (started instanceof subscription_hub_js_1.Hub)
            return started.join();
        if (byKey.get(shareKey) === starting)
            byKey.delete(shareKey);
        return started;
    }
    /** The message text to send: the marker left by `payloadReplacer` replaced by the payload's JSON. */
    assemble(data) {
        const text = this.pending;
        this.pending = null;
        if (text === null || !data.endsWith(this.markerTail))
            return data;
        return data.slice(0, data.length - this.markerTail.length) + text + '}';
    }
}
exports.SharedExecution = SharedExecution;
//# sourceMappingURL=shared-execution.js.map