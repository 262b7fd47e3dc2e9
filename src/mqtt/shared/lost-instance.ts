import type { Aedes, PublishPacket } from 'aedes';

import { type Clock, type Logger, messageProperties } from '../../common/index.js';
import { type DeviceService, deviceStatusTopic } from '../../devices/index.js';
import type { ConnectionLogService, DeviceEventService } from '../../history/index.js';
import type { AppPubSub, LostRun } from '../../realtime/index.js';
import { isForbiddenPublishTopic, namespacePrefix } from '../namespace.js';
import type { StoredPacket } from './codec.js';

/** The connection-log reason of the sessions a lost instance held. */
export const INSTANCE_LOST = 'instance lost';

/**
 * A surviving instance's part when another one is lost: the devices the lost instance still held go OFFLINE (each
 * open session logged DISCONNECTED, reason `instance lost`) and subscribers hear of it. A device that connected
 * after the loss was claimed belongs to a newer run and stays as it is. (A restarted instance closes its previous
 * run's sessions itself, as `server restarted`: see recovery.ts.)
 */
export function releaseLostDevices(devices: DeviceService, connectionLog: ConnectionLogService, pubSub: AppPubSub, clock: Clock, log: Logger) {
  return async (run: LostRun): Promise<void> => {
    if (run.restarted) return;
    const released = await devices.releaseHeldBy(run.instanceId, run.claimedAt, clock());
    if (!released.length) return;
    const closed = await connectionLog.closeDangling(
      released.map((d) => d.id),
      INSTANCE_LOST,
    );
    for (const device of released) pubSub.publish(deviceStatusTopic(device.organizationId), device);
    log.warn(`instance ${run.instanceId} (${run.runId}) lost: ${released.length} devices set OFFLINE, ${closed} sessions closed`);
  };
}

/**
 * Publishes a will left by a lost instance as its device would have: recorded as the device's upstream event, then
 * published into the owner's namespace. False when the device is gone or blocked, or the topic is not allowed.
 */
export function lostWillPublisher(broker: () => Aedes | null, devices: DeviceService, deviceEvents: DeviceEventService) {
  return async (clientId: string, will: StoredPacket): Promise<boolean> => {
    const b = broker();
    const device = await devices.findByDeviceNumber(clientId);
    const topic = String(will.topic ?? '');
    if (!b || !device || device.blocked || !topic || isForbiddenPublishTopic(topic)) return false;
    const { willDelayInterval: _delay, ...properties } = (will.properties ?? {}) as Record<string, unknown>;
    const payload = Buffer.isBuffer(will.payload) ? will.payload : Buffer.from(String(will.payload ?? ''));
    const qos = (will.qos ?? 0) as 0 | 1 | 2;
    const retain = Boolean(will.retain);
    const props = Object.keys(properties).length ? properties : undefined;
    await deviceEvents.record({
      organizationId: device.organizationId,
      deviceId: device.id,
      topic,
      payload,
      qos,
      retain,
      properties: messageProperties(props as Parameters<typeof messageProperties>[0]),
    });
    const packet = { cmd: 'publish', topic: namespacePrefix(device.organizationId) + topic, payload, qos, retain, dup: false, ...(props ? { properties: props } : {}) } as PublishPacket;
    await new Promise<void>((resolve, reject) => b.publish(packet, (err?: Error) => (err ? reject(err) : resolve())));
    return true;
  };
}
