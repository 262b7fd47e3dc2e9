import { type Env, int, keyPrefix } from './env.js';

/** Several instances on one database and Redis. Read by loadConfig only. */
export interface ScaleOutConfig {
  /**
   * With Redis: how often each instance compares the database's registry generation with the registry events it has
   * seen, and re-checks its sessions when it missed some (ms). It also compares at once whenever Redis comes back.
   */
  registryCheckIntervalMs: number;
  /**
   * With Redis: every key and channel of the shared MQTT state, instance leases and test client routing starts with
   * `<redisKeyPrefix>:` (instances that share a database must share it; a test uses one of its own).
   */
  redisKeyPrefix: string;
  /**
   * With Redis: an instance renews its lease every quarter of this; once a lease has run out, a surviving instance
   * takes over what the dead one held (its devices go OFFLINE, logged `instance lost`; its wills and sessions are
   * handled) within this plus a quarter of it (ms).
   */
  instanceLeaseMs: number;
  /** With Redis: an operation routed to the instance holding a session (test client, Device.connection) gives up after this long (ms). */
  routeTimeoutMs: number;
}

export function scaleOutConfig(env: Env): ScaleOutConfig {
  return {
    registryCheckIntervalMs: int(env, 'PORTICO_REGISTRY_CHECK_INTERVAL_MS', 5000, 10),
    redisKeyPrefix: keyPrefix(env, 'PORTICO_REDIS_KEY_PREFIX', 'portico'),
    instanceLeaseMs: int(env, 'PORTICO_INSTANCE_LEASE_MS', 10_000, 200),
    routeTimeoutMs: int(env, 'PORTICO_ROUTE_TIMEOUT_MS', 15_000, 100),
  };
}
