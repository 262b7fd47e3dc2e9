import type { Clock, Logger } from '../common/index.js';
import type { DeviceService } from '../devices/index.js';
import type { ConnectionLogService } from '../history/index.js';

/**
 * At start-up, before any device connects: close what a crash (or `kill -9`) of this instance left open. Each
 * session it held gets its DISCONNECTED row (reason `server restarted`) and its device goes OFFLINE.
 */
export async function recoverAfterRestart(devices: DeviceService, connectionLog: ConnectionLogService, clock: Clock, instanceId: string, log: Logger): Promise<void> {
  const held = await devices.onlineHeldBy(instanceId);
  const closed = held.length ? await connectionLog.closeDangling(held, 'server restarted') : 0;
  const reset = await devices.resetConnectionStatus(clock(), instanceId);
  if (closed || reset) log.info(`closed ${closed} sessions and set ${reset} devices OFFLINE left by an earlier run of instance ${instanceId}`);
}
