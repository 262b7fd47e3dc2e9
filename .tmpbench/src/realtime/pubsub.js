"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.dateSafeJson = void 0;
exports.createAppPubSub = createAppPubSub;
const node_events_1 = require("node:events");
const subscription_1 = require("@graphql-yoga/subscription");
const errors_js_1 = require("../common/errors.js");
const scale_out_js_1 = require("./scale-out.js");
const subscribers_js_1 = require("./subscribers.js");
/** JSON that keeps Dates as Dates across Redis. */
exports.dateSafeJson = {
    stringify(message) {
        return JSON.stringify(message, function (key, value) {
            const raw = this[key];
            return raw instanceof Date ? { $date: raw.getTime() } : value;
        });
    },
    parse(text) {
        return JSON.parse(text, (_key, value) => {
            if (value && typeof value === 'object' && !Array.isArray(value)) {
                const keys = Object.keys(value);
                if (keys.length === 1 && keys[0] === '$date')
                    return new Date(value.$date);
            }
            return value;
        });
    },
};
/**
 * An event target over Redis pub/sub. It listens to every Portico topic with one PSUBSCRIBE made at start, so a
 * new GraphQL subscription is live the moment it is registered (no per-topic SUBSCRIBE round trip that an event
 * could slip past); events are decoded only for topics that have local listeners.
 */
function redisEventTarget(publishClient, subscribeClient, prefix) {
    const listeners = new Map();
    subscribeClient.on('pmessage', (_pattern, channel, text) => {
        const set = listeners.get(channel.slice(prefix.length));
        if (!set?.size)
            return;
        const detail = exports.dateSafeJson.parse(text);
        for (const listener of [...set]) {
            const event = new CustomEvent(channel.slice(prefix.length), { detail });
            if (typeof listener === 'function')
                listener(event);
            else
                listener.handleEvent(event);
        }
    });
    const target = {
        addEventListener(type, listener) {
            if (!listener)
                return;
            let set = listeners.get(type);
            if (!set)
                listeners.set(type, (set = new Set()));
            set.add(listener);
        },
        removeEventListener(type, listener) {
            const set = listeners.get(type);
            if (!set || !listener)
                return;
            set.delete(listener);
            if (!set.size)
                listeners.delete(type);
        },
        dispatchEvent(event) {
            void publishClient.publish(prefix + event.type, exports.dateSafeJson.stringify(event.detail)).catch(() => undefined);
            return true;
        },
    };
    const resubscribe = () => subscribeClient.psubscribe(`${prefix}*`);
    return { target: target, ready: resubscribe(), resubscribe };
}
/**
 * In-process pub/sub by default. With a Redis URL (scale-out), events go through Redis pub/sub, so a
 * subscriber on any instance sees what any instance published. Await `ready()` before serving. Redis pub/sub
 * delivers at most once: when the subscription is back after an outage, every subscription that was live during it
 * ends with EVENTS_MISSED instead of silently skipping what was published meanwhile.
 */
function createAppPubSub(scaleOut) {
    let redis = [];
    let eventTarget;
    let ready = Promise.resolve();
    /** Ends one live subscription with an error. */
    const live = new Set();
    const endLive = () => {
        const ended = [...live];
        live.clear();
        for (const fail of ended)
            fail((0, errors_js_1.eventsMissed)(null));
        return ended.length;
    };
    if (scaleOut) {
        const { pub: publishClient, sub: subscribeClient } = (0, scale_out_js_1.redisPubSubClients)(scaleOut.redisUrl, scaleOut.log, 'subscription events');
        redis = [publishClient, subscribeClient];
        let resubscribe;
        ({ target: eventTarget, ready, resubscribe } = redisEventTarget(publishClient, subscribeClient, 'portico:pubsub:'));
        (0, scale_out_js_1.whenResubscribed)(subscribeClient, resubscribe, () => {
            const n = endLive();
            if (n)
                scaleOut.log.warn(`Redis (subscription events) reconnected: ${n} live subscription(s) ended with EVENTS_MISSED`);
        });
    }
    if (!eventTarget) {
        // One listener per GraphQL subscription: many per topic is normal, not a leak (Node warns past 10).
        const local = new EventTarget();
        (0, node_events_1.setMaxListeners)(0, local);
        eventTarget = local;
    }
    const inner = (0, subscription_1.createPubSub)({ eventTarget });
    const subscribers = new subscribers_js_1.SubscriberCounter();
    return {
        publish: inner.publish,
        subscribe(topic) {
            const iterator = inner.subscribe(topic)[Symbol.asyncIterator]();
            const uncount = subscribers.add(topic);
            let failure = null;
            let interrupt = null;
            const finish = () => {
                live.delete(fail);
                uncount();
            };
            // Ends it with `err`: the pending next() rejects, or else the next one does.
            const fail = (err) => {
                finish();
                void Promise.resolve(iterator.return?.()).catch(() => undefined);
                if (interrupt)
                    interrupt(err);
                else
                    failure = err;
            };
            live.add(fail);
            const wrapped = {
                next: async () => {
                    // Ended by endLive(): the error once, then done.
                    if (failure) {
                        const err = failure;
                        failure = null;
                        throw err;
                    }
                    try {
                        const r = await Promise.race([iterator.next(), new Promise((_resolve, reject) => (interrupt = reject))]);
                        if (r.done)
                            finish();
                        return r;
                    }
                    catch (err) {
                        finish();
                        throw err;
                    }
                    finally {
                        interrupt = null;
                    }
                },
                return: async (value) => {
                    finish();
                    return iterator.return ? iterator.return(value) : { done: true, value: undefined };
                },
                throw: async (err) => {
                    finish();
                    if (iterator.throw)
                        return iterator.throw(err);
                    throw err;
                },
                [Symbol.asyncIterator]() {
                    return wrapped;
                },
            };
            return wrapped;
        },
        whenSubscribed: (topic) => subscribers.whenAny(topic),
        subscriberCount: (topic) => subscribers.count(topic),
        endLive,
        async ready() {
            await ready;
        },
        async close() {
            await Promise.all(redis.splice(0).map(scale_out_js_1.closeRedis));
        },
    };
}
//# sourceMappingURL=pubsub.js.map