import type { TestApp } from './app';

/** Helpers of test/device-events.test.ts and test/device-events-durability.test.ts. */

export interface Device {
  id: string;
  deviceNumber: string;
  username: string;
  key: string;
}

export const EVENT_FIELDS = 'id deviceId topic payload payloadEncoding json qos retain size time cursor';

export async function newDevice(app: TestApp, token: string, input: Record<string, unknown> = {}): Promise<Device> {
  const r = await app.gql('mutation($i:CreateDeviceInput!){ createDevice(input:$i){ id deviceNumber username credentials { deviceKey } } }', { i: { name: 'dev', ...input } }, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  const d = r.data.createDevice;
  return { id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
}

export function gqlAs(app: TestApp, token: string) {
  return async (query: string, vars: Record<string, unknown> = {}) => {
    const r = await app.gql(query, vars, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
}
