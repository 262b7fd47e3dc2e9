"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.sessionMessages = sessionMessages;
exports.sessionStates = sessionStates;
/**
 * Messages of a session: those still buffered after `afterSeq`, then live ones, with no gap and no duplicate (at most
 * `bufferSize` live ones wait for a slow reader). Ends when the session ends.
 */
async function* sessionMessages(session, watchers, bufferSize, afterSeq = 0) {
    const queue = [];
    let wake;
    let ended = !session.active;
    const onMessage = (m) => {
        queue.push(m);
        if (queue.length > bufferSize)
            queue.shift();
        wake?.();
    };
    const onEnd = () => {
        ended = true;
        wake?.();
    };
    session.events.on('message', onMessage);
    session.events.on('end', onEnd);
    const unwatch = watchers.add(session.id);
    try {
        let last = afterSeq;
        for (const m of session.messages.slice()) {
            if (m.seq > last) {
                last = m.seq;
                yield m;
            }
        }
        for (;;) {
            while (queue.length) {
                const m = queue.shift();
                if (m.seq > last) {
                    last = m.seq;
                    yield m;
                }
            }
            if (ended)
                return;
            await new Promise((resolve) => (wake = resolve));
            wake = undefined;
        }
    }
    finally {
        unwatch();
        session.events.off('message', onMessage);
        session.events.off('end', onEnd);
    }
}
/** The session now, then at each change (connect, disconnect, subscriptions); ends after the session ends. */
async function* sessionStates(session, watchers) {
    const queue = [session];
    let wake;
    const onState = (s) => {
        queue.push(s);
        wake?.();
    };
    session.events.on('state', onState);
    const unwatch = watchers.add(session.id);
    try {
        for (;;) {
            while (queue.length) {
                const s = queue.shift();
                yield s;
                if (!s.active)
                    return;
            }
            if (!session.active)
                return;
            await new Promise((resolve) => (wake = resolve));
            wake = undefined;
        }
    }
    finally {
        unwatch();
        session.events.off('state', onState);
    }
}
//# sourceMappingURL=test-client.streams.js.map