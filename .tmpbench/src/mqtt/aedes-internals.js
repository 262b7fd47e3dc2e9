"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkAedesInternals = checkAedesInternals;
exports.beforeEachPacket = beforeEachPacket;
exports.resumeQueuedMessages = resumeQueuedMessages;
exports.holdsIncomingPacket = holdsIncomingPacket;
exports.dropStoredSession = dropStoredSession;
exports.redisEmitterState = redisEmitterState;
const node_events_1 = require("node:events");
const node_stream_1 = require("node:stream");
/** Throws when this aedes build lacks what Portico relies on. */
function checkAedesInternals(broker) {
    const persistence = broker.persistence;
    if (typeof persistence?.incomingGetPacket !== 'function' || typeof persistence.cleanSubscriptions !== 'function') {
        throw new Error('aedes persistence lacks incomingGetPacket/cleanSubscriptions: check the pinned aedes version');
    }
    const probe = new node_stream_1.PassThrough();
    const client = broker.handle(probe);
    const parser = client._parser;
    const ok = parser instanceof node_events_1.EventEmitter && parser.listenerCount('packet') > 0 && typeof client.clean === 'boolean';
    client.close();
    probe.destroy();
    if (!ok)
        throw new Error('aedes clients have no packet parser to namespace filters on: check the pinned aedes version');
}
/** Runs `listener` on each packet parsed for `client`, before aedes handles it. */
function beforeEachPacket(client, listener) {
    client._parser.prependListener('packet', listener);
}
/** An MQTT 5 client resuming its session with Session Expiry Interval 0 still gets the session's queued messages. */
function resumeQueuedMessages(client) {
    client.clean = false;
}
/** Whether aedes already holds this incoming QoS 2 packet (a retransmission). */
function holdsIncomingPacket(broker, client, packet) {
    return broker.persistence.incomingGetPacket(client, packet).then(() => true, () => false);
}
/** Drops the stored session (subscriptions, queued messages) of a client id. */
async function dropStoredSession(broker, clientId) {
    await broker.persistence.cleanSubscriptions({ id: clientId });
}
/** mqemitter-redis' Redis connection, to hear its errors. */
function redisEmitterState(mq) {
    const state = mq.state;
    if (!(state instanceof node_events_1.EventEmitter))
        throw new Error('mqemitter-redis has no state emitter: check its pinned version');
    return state;
}
//# sourceMappingURL=aedes-internals.js.map