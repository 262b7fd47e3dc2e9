import type { Aedes } from 'aedes';
import MQEmitterRedis from 'mqemitter-redis';

import type { Clock, Logger } from '../../common/index.js';
import { type ClusterRedis, type Membership, readyRedis } from '../../realtime/index.js';
import { redisEmitterState } from '../aedes-internals.js';
import { ClusterSessions, type WillPublisher } from './cluster-sessions.js';
import { RedisPersistence } from './redis-persistence.js';

export interface SharedStateDeps {
  redisUrl: string;
  redis: ClusterRedis;
  membership: Membership;
  clock: Clock;
  log: Logger;
  publishWill: WillPublisher;
  /** Another instance (`serverId`, a run id) registered a connection with `clientId`. */
  onTakenOver(clientId: string, serverId: string): void;
}

/**
 * Scale-out: the MQTT broker of every instance shares one state. Messages cross instances over Redis pub/sub
 * (mqemitter-redis); retained messages, persistent sessions, QoS 1/2 queues and wills are in Redis
 * (RedisPersistence); session expiry and wills of dead instances are handled cluster-wide (ClusterSessions). The
 * broker id is this process' run id, so that message keys never repeat across restarts of one instance.
 */
export class SharedState {
  readonly persistence: RedisPersistence;
  readonly sessions: ClusterSessions;

  constructor(private readonly deps: SharedStateDeps) {
    this.persistence = new RedisPersistence(deps.redis, deps.log);
    this.sessions = new ClusterSessions(deps.redis, this.persistence, deps.membership, deps.publishWill, deps.clock, deps.log);
  }

  get runId(): string {
    return this.deps.membership.runId;
  }

  /**
   * The options that make an aedes broker part of the cluster. aedes announces each new client on
   * `$SYS/<broker id>/new/clients` and closes its own client with that id when another instance announces it.
   * The emitter gets connections that are ready: a (P)SUBSCRIBE that ioredis sends while its ready check is
   * still running is confirmed and then lost with the connection (seen here as a takeover never delivered).
   */
  async brokerOptions(): Promise<{ id: string; mq: MQEmitterRedis.MQEmitterRedis; persistence: RedisPersistence }> {
    const [subConn, pubConn] = await Promise.all([readyRedis(this.deps.redisUrl, this.deps.log), readyRedis(this.deps.redisUrl, this.deps.log)]);
    const mq = MQEmitterRedis({ subConn, pubConn });
    // mqemitter-redis re-emits its connections' errors (already logged): unheard, one would end the process.
    redisEmitterState(mq).on('error', () => undefined);
    mq.on('$SYS/+/new/clients', (packet, done) => {
      const serverId = packet.topic.split('/')[1];
      if (serverId && serverId !== this.runId) this.deps.onTakenOver(String(packet.payload), serverId);
      done();
    });
    return { id: this.runId, mq, persistence: this.persistence };
  }

  attach(broker: Aedes): void {
    this.sessions.attach(broker);
  }

  async close(): Promise<void> {
    await this.sessions.stop();
  }
}
