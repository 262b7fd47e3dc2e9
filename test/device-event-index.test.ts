/**
 * SQLite's per-device index of device events, written in bulk (src/history/device-event-index.ts): a device's history
 * holds exactly its committed rows, also after the newest rows of the table were deleted (an idle fleet whose events
 * all aged out), which would let SQLite hand out rowids below the copy watermark.
 */
import type { MqttClient } from 'mqtt';

import { createTokenDevice, signUp, startTestApp, type TestApp } from './support/app';
import { connect, endAll } from './support/mqtt';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ db: 'sqlite' });
});

afterAll(async () => {
  await endAll();
  await app?.close();
});

const EVENTS = 'query($d:ID!){ device(id:$d){ events(first: 50) { totalCount nodes { payload } } } }';

async function publish(client: MqttClient, payloads: string[]): Promise<void> {
  for (const p of payloads) await client.publishAsync('t', p, { qos: 1 });
}

test('new events of a device are found after every row of the table was deleted', async () => {
  const user = await signUp(app);
  const device = await createTokenDevice(app, user.token);
  const client = await connect(app, device);
  await publish(client, ['a', 'b', 'c']);
  const before = await app.gql(EVENTS, { d: device.id }, user.token);
  expect(before.data.device.events).toEqual({ totalCount: 3, nodes: [{ payload: 'c' }, { payload: 'b' }, { payload: 'a' }] });

  // As retention by age does on a fleet that went quiet: every row goes, the newest included.
  await app.services.ds.query('DELETE FROM device_events');
  await publish(client, ['d', 'e']);
  const after = await app.gql(EVENTS, { d: device.id }, user.token);
  expect(after.data.device.events).toEqual({ totalCount: 2, nodes: [{ payload: 'e' }, { payload: 'd' }] });

  // A row written by something else than the batch writer takes a rowid the writer then skips.
  await app.services.ds.query(
    "INSERT INTO device_events (id, organization_id, device_id, topic, topic_prefix, payload, payload_encoding, qos, retain, size, time) VALUES ('00000000-0000-7000-8000-000000000001', ?, ?, 't', 't', 'outside', 'UTF8', 0, 0, 7, ?)",
    [user.orgId, device.id, Date.now() - 60_000],
  );
  await publish(client, ['f']);
  const last = await app.gql(EVENTS, { d: device.id }, user.token);
  expect(last.data.device.events.nodes.map((n: { payload: string }) => n.payload)).toEqual(['f', 'e', 'd', 'outside']);
});
