import type { MqttClient } from 'mqtt';

import { type DbKind, startTestApp, type TestApp } from './app';

/** Helpers of test/fleet.test.ts and test/fleet-storage.test.ts. */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export type User = { token: string; id: string; orgId: string };

/** Selections of a device's fleet fields, of fleetSummary and of a metrics point. */
export const DEVICE_FLEET = 'id lastSeenAt silentFor active inactivityTimeout';
export const SUMMARY = 'organizationId devices online offline blocked active messagesInPerSecond messagesOutPerSecond authFailuresPerMinute';
export const POINT = 'at messagesIn messagesOut bytesIn bytesOut connects authFailures';

/** A clock that only moves forward, when told to. */
export function testClock() {
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  return {
    clock,
    now: () => clock().getTime(),
    /** Moves the clock to `at` (epoch ms, not earlier than now). */
    set(at: number) {
      const next = at - Date.now();
      if (next < offset) throw new Error('the test clock only moves forward');
      offset = next;
    },
    advance(ms: number) {
      offset += ms;
    },
  };
}

/** Sends a PINGREQ and resolves on the PINGRESP ([MQTT-3.12.4-1]: the server answers every PINGREQ). */
export function ping(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    const onPacket = (packet: { cmd: string }) => {
      if (packet.cmd !== 'pingresp') return;
      client.removeListener('packetreceive', onPacket);
      resolve();
    };
    client.on('packetreceive', onPacket);
    client.stream.write(Buffer.from([0xc0, 0x00]));
  });
}

/**
 * Resolves once the fleet view has been told of `n` more messages from devices: aedes emits 'publish' after the
 * PUBACK of a QoS 1 message is on its way, so the acknowledgement alone does not say the message was counted.
 */
export function messagesCounted(app: TestApp, n: number): Promise<void> {
  const fleet = app.services.fleet;
  const original = fleet.messageIn.bind(fleet);
  let seen = 0;
  return new Promise((resolve) => {
    const spy = jest.spyOn(fleet, 'messageIn').mockImplementation((device, bytes, live) => {
      original(device, bytes, live);
      seen += 1;
      if (seen < n) return;
      spy.mockRestore();
      resolve();
    });
  });
}

export async function startFleetApp(db: DbKind, clock: ReturnType<typeof testClock>): Promise<TestApp> {
  return startTestApp({
    db,
    app: { clock: clock.clock },
    config: {
      // Tokens outlive the clock moves of these tests (up to a month).
      auth: { tokenTtlSeconds: 90 * 24 * 3600 } as never,
      fleet: { trackingEnabled: true, flushIntervalMs: 1000, inactivityTimeoutSeconds: 60, inactivitySweepIntervalMs: 600_000 },
    },
  });
}
