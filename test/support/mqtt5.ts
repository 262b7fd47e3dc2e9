import type { MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';

import { type DeviceLogin, nextMessage } from './mqtt';

/** Helpers of test/mqtt5.test.ts. */

/** Time passing is what these features are about: a bounded wait, never a wait for an event. */
export const elapse = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** True when `client` receives a message on `topic` within `ms`. */
export const receives = (client: MqttClient, topic: string, ms: number) =>
  nextMessage(client, topic, ms).then(
    () => true,
    () => false,
  );
/** A hand-built MQTT 5 CONNECT of `d` (clean start, no keepalive), for the tests that write packets themselves. */
export const connectV5 = (d: DeviceLogin, properties?: Record<string, unknown>): Buffer =>
  mqttPacket.generate(
    {
      cmd: 'connect',
      protocolVersion: 5,
      clean: true,
      keepalive: 0,
      clientId: d.deviceNumber,
      username: d.username,
      password: Buffer.from(d.key!),
      ...(properties ? { properties } : {}),
    } as mqttPacket.Packet,
    { protocolVersion: 5 },
  );
