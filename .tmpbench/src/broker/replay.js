"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_MAX_BACKLOG = void 0;
exports.replayThenLive = replayThenLive;
const positionOf = (row) => ({ time: row.time.getTime(), id: row.id });
const isAfter = (row, pos) => {
    const t = row.time.getTime();
    return t > pos.time || (t === pos.time && row.id > pos.id);
};
exports.DEFAULT_MAX_BACKLOG = 10_000;
/**
 * Replays stored rows after a cursor, then continues with live rows: no gap (the live subscription
 * exists before the replay query) and no duplicate (live rows not after the last replayed position are
 * skipped). Hand-written rather than an async generator so that `return()` (client unsubscribes) ends it
 * at once even while it waits for the next live row.
 */
function replayThenLive(o) {
    const queue = [];
    let replay = o.replay ?? null;
    let last = o.after ?? null;
    let finished = false;
    let liveEnded = false;
    let failure = null;
    /** The live subscription failed (rather than overflowed): `failure` goes through `liveFailed` when thrown. */
    let liveFailure = false;
    let waiting = null;
    const done = () => ({ done: true, value: undefined });
    let lastDelivered = null;
    const maxBacklog = o.maxBacklog ?? exports.DEFAULT_MAX_BACKLOG;
    const take = () => {
        while (queue.length) {
            const row = queue.shift();
            if (last && !isAfter(row, last))
                continue;
            if (o.match(row))
                return (lastDelivered = row);
        }
        return undefined;
    };
    const finalFailure = () => (liveFailure && o.liveFailed ? o.liveFailed(failure, lastDelivered) : failure);
    const deliver = () => {
        if (!waiting || replay)
            return;
        const row = take();
        const w = waiting;
        if (row) {
            waiting = null;
            w.resolve({ done: false, value: row });
        }
        else if (liveEnded) {
            waiting = null;
            finished = true;
            if (failure)
                w.reject(finalFailure());
            else
                w.resolve(done());
        }
    };
    // Start pulling at once: the pub/sub listener attaches on the first next().
    void (async () => {
        try {
            for (;;) {
                const r = await o.live.next();
                if (r.done || finished)
                    break;
                queue.push(r.value);
                if (queue.length > maxBacklog) {
                    queue.length = 0;
                    failure = o.overflow ? o.overflow(lastDelivered) : new Error('subscriber too slow');
                    void o.live.return?.();
                    break;
                }
                deliver();
            }
        }
        catch (err) {
            failure = err;
            liveFailure = true;
        }
        finally {
            liveEnded = true;
            deliver();
        }
    })();
    const iterator = {
        async next() {
            if (finished)
                return done();
            while (replay) {
                const r = await replay.next();
                if (finished)
                    return done();
                if (r.done) {
                    replay = null;
                    break;
                }
                last = positionOf(r.value);
                if (o.match(r.value)) {
                    lastDelivered = r.value;
                    return { done: false, value: r.value };
                }
            }
            const row = take();
            if (row)
                return { done: false, value: row };
            if (liveEnded) {
                finished = true;
                if (failure)
                    throw finalFailure();
                return done();
            }
            return new Promise((resolve, reject) => {
                waiting = { resolve, reject };
            });
        },
        async return() {
            finished = true;
            const w = waiting;
            waiting = null;
            w?.resolve(done());
            await Promise.allSettled([o.live.return?.(), replay?.return?.(undefined)]);
            replay = null;
            return done();
        },
        [Symbol.asyncIterator]() {
            return iterator;
        },
    };
    return iterator;
}
//# sourceMappingURL=replay.js.map