"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SubscriberCounter = void 0;
const node_events_1 = require("node:events");
/**
 * Counts live subscribers per key and lets a caller wait until a key has one: how tests and tools know a GraphQL
 * subscription is listening before they make something happen, without sleeping.
 */
class SubscriberCounter {
    constructor() {
        this.counts = new Map();
        this.added = new node_events_1.EventEmitter();
        this.added.setMaxListeners(0);
    }
    /** Counts one subscriber of `key`; the returned function uncounts it (once). */
    add(key) {
        this.counts.set(key, this.count(key) + 1);
        this.added.emit(key);
        let released = false;
        return () => {
            if (released)
                return;
            released = true;
            const n = this.count(key) - 1;
            if (n > 0)
                this.counts.set(key, n);
            else
                this.counts.delete(key);
        };
    }
    count(key) {
        return this.counts.get(key) ?? 0;
    }
    /** Resolves once `key` has a subscriber, at once if it has one already. */
    async whenAny(key) {
        if (this.count(key) > 0)
            return;
        await (0, node_events_1.once)(this.added, key);
    }
}
exports.SubscriberCounter = SubscriberCounter;
//# sourceMappingURL=subscribers.js.map