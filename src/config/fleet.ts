import { bool, type Env, int } from './env.js';

/** The fleet view (src/fleet): last seen times, rolled-up counters, inactivity. Read by loadConfig only. */
export interface FleetConfig {
  /**
   * Track every device's packets: lastSeenAt, per-minute counters, and the flip back to active on a device's first
   * packet. Off: none of these move (the inactivity sweep still runs on what is stored).
   */
  trackingEnabled: boolean;
  /** Last seen times and counters are written in one batch this often (ms). */
  flushIntervalMs: number;
  /** Default `Device.inactivityTimeout` (seconds; 0 = devices are never flagged inactive). */
  inactivityTimeoutSeconds: number;
  /** How often devices silent past their timeout are flagged inactive (ms). */
  inactivitySweepIntervalMs: number;
}

export function fleetConfig(env: Env): FleetConfig {
  return {
    trackingEnabled: bool(env, 'PORTICO_FLEET_TRACKING', true),
    flushIntervalMs: int(env, 'PORTICO_FLEET_FLUSH_INTERVAL_MS', 1000, 10),
    inactivityTimeoutSeconds: int(env, 'PORTICO_DEVICE_INACTIVITY_TIMEOUT_SECONDS', 600),
    inactivitySweepIntervalMs: int(env, 'PORTICO_INACTIVITY_SWEEP_INTERVAL_MS', 5000, 10),
  };
}
