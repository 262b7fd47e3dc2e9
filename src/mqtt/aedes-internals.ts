import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';

import type { Aedes, Client } from 'aedes';

/**
 * The only module that reaches past aedes' public API (aedes is pinned to an exact version for this reason).
 * `checkAedesInternals` runs when the message server starts and fails the start if something it relies on
 * is gone, instead of failing later, per connection.
 *
 * - `client._parser` ('packet' events): UNSUBSCRIBE has no hook, and the owner namespace must be applied to
 *   its filters (and to SUBSCRIBE filters) before aedes reads them.
 * - `persistence.incomingGetPacket`: a retransmitted QoS 2 PUBLISH aedes already holds is not recorded twice.
 * - `persistence.cleanSubscriptions`: the stored session of a deleted device is dropped.
 * - `persistence.subscriptionsByTopic`: which stored (persistent) sessions a platform command was queued for.
 * - mqemitter-redis `state`: its Redis connection, whose 'error' events would otherwise end the process.
 * - `client.clean`: aedes 2.0.0-beta.1 derives it from the Session Expiry Interval alone and drops the queued
 *   messages of an MQTT 5 client that resumes its session (Clean Start 0) with an interval of 0, against
 *   [MQTT-3.1.2-5]; `resumeQueuedMessages` sets it back for that connection (the session still ends with it).
 * - `broker.clients`, `broker.clearSessionExpiry(id)`, `broker.clearDelayedWill(id)`: in scale-out, a session taken
 *   over on another instance must not be expired (nor its delayed will published) by this one's timers.
 */
interface ClientInternals {
  _parser: EventEmitter;
}

interface PersistenceInternals {
  incomingGetPacket(client: Client, packet: { messageId?: number }): Promise<unknown>;
  cleanSubscriptions(client: { id: string }): Promise<unknown>;
  subscriptionsByTopic(topic: string): Promise<Array<{ clientId: string; qos: number }>>;
}

/** Throws when this aedes build lacks what Portico relies on. */
export function checkAedesInternals(broker: Aedes): void {
  const persistence = (broker as unknown as { persistence?: Partial<PersistenceInternals> }).persistence;
  if (typeof persistence?.incomingGetPacket !== 'function' || typeof persistence.cleanSubscriptions !== 'function' || typeof persistence.subscriptionsByTopic !== 'function') {
    throw new Error('aedes persistence lacks incomingGetPacket/cleanSubscriptions/subscriptionsByTopic: check the pinned aedes version');
  }
  const probe = new PassThrough();
  const client = broker.handle(probe);
  const parser = (client as unknown as Partial<ClientInternals>)._parser;
  const ok = parser instanceof EventEmitter && parser.listenerCount('packet') > 0 && typeof (client as unknown as { clean?: unknown }).clean === 'boolean';
  client.close();
  probe.destroy();
  if (!ok) throw new Error('aedes clients have no packet parser to namespace filters on: check the pinned aedes version');
  const timers = broker as unknown as Partial<BrokerInternals>;
  if (typeof timers.clearSessionExpiry !== 'function' || typeof timers.clearDelayedWill !== 'function' || typeof timers.clients !== 'object') {
    throw new Error('aedes lacks clients/clearSessionExpiry/clearDelayedWill: check the pinned aedes version');
  }
}

interface BrokerInternals {
  clients: Record<string, Client | undefined>;
  clearSessionExpiry(clientId: string): void;
  clearDelayedWill(clientId: string): void;
}

/** Whether this broker has a connection registered for `clientId` now. */
export function hasLocalClient(broker: Aedes, clientId: string): boolean {
  return Boolean((broker as unknown as BrokerInternals).clients[clientId]);
}

/** Cancels this broker's session-expiry and delayed-will timers of `clientId` (its session continues elsewhere). */
export function cancelSessionTimers(broker: Aedes, clientId: string): void {
  const b = broker as unknown as BrokerInternals;
  b.clearSessionExpiry(clientId);
  b.clearDelayedWill(clientId);
}

/** Runs `listener` on each packet parsed for `client`, before aedes handles it. */
export function beforeEachPacket(client: Client, listener: (packet: { cmd: string } & Record<string, unknown>) => void): void {
  (client as unknown as ClientInternals)._parser.prependListener('packet', listener);
}

/** An MQTT 5 client resuming its session with Session Expiry Interval 0 still gets the session's queued messages. */
export function resumeQueuedMessages(client: Client): void {
  (client as unknown as { clean: boolean }).clean = false;
}

/** Whether aedes already holds this incoming QoS 2 packet (a retransmission). */
export function holdsIncomingPacket(broker: Aedes, client: Client, packet: { messageId?: number }): Promise<boolean> {
  return (broker as unknown as { persistence: PersistenceInternals }).persistence.incomingGetPacket(client, packet).then(
    () => true,
    () => false,
  );
}

/** Drops the stored session (subscriptions; with the shared persistence, queued messages too) of a client id. */
export async function dropStoredSession(broker: Aedes, clientId: string): Promise<void> {
  const persistence = (broker as unknown as { persistence: PersistenceInternals & { wipeSession?(id: string): Promise<void> } }).persistence;
  if (persistence.wipeSession) await persistence.wipeSession(clientId);
  else await persistence.cleanSubscriptions({ id: clientId });
}

/** Client ids of the stored (persistent) sessions subscribed to `topic` with QoS > 0: where a QoS 1/2 message is queued. */
export async function storedSubscribers(broker: Aedes, topic: string): Promise<string[]> {
  const subs = await (broker as unknown as { persistence: PersistenceInternals }).persistence.subscriptionsByTopic(topic);
  return [...new Set(subs.filter((s) => s.qos > 0).map((s) => s.clientId))];
}

/** mqemitter-redis' Redis connection, to hear its errors. */
export function redisEmitterState(mq: unknown): EventEmitter {
  const state = (mq as { state?: unknown }).state;
  if (!(state instanceof EventEmitter)) throw new Error('mqemitter-redis has no state emitter: check its pinned version');
  return state;
}
