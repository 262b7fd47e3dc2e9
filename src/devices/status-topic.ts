import type { DeviceEntity } from './device.entity.js';

/** The device status topic of an owner: payload is the updated Device. */
export const deviceStatusTopic = (organizationId: string): `deviceStatus:${string}` => `deviceStatus:${organizationId}`;

declare module '../realtime/pubsub.js' {
  interface PubSubTopics {
    [topic: `deviceStatus:${string}`]: DeviceEntity;
  }
}
