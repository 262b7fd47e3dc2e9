"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Hub = void 0;
exports.mapResults = mapResults;
const errors_js_1 = require("../common/errors.js");
const done = () => ({ done: true, value: undefined });
/** A source stream mapped through `run`; `return()` ends the source (what graphql-js's subscribe does). */
function mapResults(source, run) {
    const iterator = {
        async next() {
            const r = await source.next();
            return r.done ? done() : { done: false, value: await run(r.value) };
        },
        async return() {
            await source.return?.();
            return done();
        },
        async throw(err) {
            await source.return?.();
            throw err;
        },
        [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
}
/** A subscriber too slow for its events: its queue is dropped, it resubscribes (with `after` to catch up). */
const tooSlow = (maxQueue) => new errors_js_1.AppError('LIMIT_EXCEEDED', `More than ${maxQueue} events waited for this subscription; subscribe again (with after: to catch up)`, {
    reason: 'SUBSCRIBER_TOO_SLOW',
});
/**
 * One source stream, each event executed once, its result handed to every member. Members read at their own
 * pace from a queue of shared results (bounded: past `maxQueue` the member ends with SUBSCRIBER_TOO_SLOW). The
 * source stops when the last member leaves.
 */
class Hub {
    constructor(source, run, maxQueue, onClosed) {
        this.source = source;
        this.run = run;
        this.maxQueue = maxQueue;
        this.onClosed = onClosed;
        this.closed = false;
        this.members = new Set();
        void this.pump();
    }
    async pump() {
        let failure = null;
        try {
            for (;;) {
                const r = await this.source.next();
                if (r.done || this.closed)
                    break;
                const result = await this.run(r.value);
                for (const m of this.members)
                    this.push(m, result);
            }
        }
        catch (err) {
            failure = err;
        }
        this.close();
        for (const m of [...this.members])
            this.end(m, failure);
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.onClosed();
        void this.source.return?.()?.catch(() => undefined);
    }
    push(m, result) {
        if (m.waiting) {
            const resolve = m.waiting;
            m.waiting = m.failWaiting = null;
            resolve({ done: false, value: result });
            return;
        }
        m.queue.push(result);
        if (m.queue.length > this.maxQueue) {
            m.queue.length = 0;
            this.end(m, tooSlow(this.maxQueue));
        }
    }
    /** Ends a member: it reads what is queued, then `failure` (or the end). */
    end(m, failure) {
        if (m.ended)
            return;
        m.ended = true;
        m.failure = failure;
        this.leave(m);
        if (m.waiting && !m.queue.length) {
            const [resolve, reject] = [m.waiting, m.failWaiting];
            m.waiting = m.failWaiting = null;
            if (failure)
                reject(failure);
            else
                resolve(done());
        }
    }
    leave(m) {
        this.members.delete(m);
        if (!this.members.size)
            this.close();
    }
    join() {
        const m = { queue: [], waiting: null, failWaiting: null, ended: false, failure: null };
        this.members.add(m);
        const hub = this;
        const iterator = {
            next() {
                const queued = m.queue.shift();
                if (queued)
                    return Promise.resolve({ done: false, value: queued });
                if (m.ended) {
                    const failure = m.failure;
                    m.failure = null;
                    return failure ? Promise.reject(failure) : Promise.resolve(done());
                }
                return new Promise((resolve, reject) => {
                    m.waiting = resolve;
                    m.failWaiting = reject;
                });
            },
            async return() {
                m.queue.length = 0;
                hub.end(m, null);
                return done();
            },
            async throw(err) {
                m.queue.length = 0;
                hub.end(m, null);
                throw err;
            },
            [Symbol.asyncIterator]: () => iterator,
        };
        return iterator;
    }
}
exports.Hub = Hub;
//# sourceMappingURL=subscription-hub.js.map