/**
 * SQLite's per-device index of device events, written in bulk (src/history/device-event-index.ts): a device's history
 * holds exactly its committed rows, also after the newest rows of the table were deleted (an idle fleet whose events
 * all aged out), which would let SQLite hand out rowids below the copy watermark.
 */
import type { MqttClient } from 'mqtt';

import { createTokenDevice, signUp, startTestApp, tempDir, type TestApp } from './support/app';
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

test('a clean stop leaves no row waiting to be copied into the per-device index', async () => {
  const dataDir = tempDir();
  const first = await startTestApp({ db: 'sqlite', dataDir });
  try {
    const user = await signUp(first);
    const device = await createTokenDevice(first, user.token);
    const client = await connect(first, device);
    await publish(client, ['1', '2', '3']);
    await client.endAsync();
  } finally {
    await first.close();
  }
  // The next start reads the tables as the stop left them (a copy happens only before a per-device read).
  const second = await startTestApp({ db: 'sqlite', dataDir });
  try {
    const count = async (sql: string) => Number(((await second.services.ds.query(sql)) as Array<{ n: number }>)[0]!.n);
    expect(await count('SELECT COUNT(*) AS n FROM device_events')).toBe(3);
    expect(await count('SELECT COUNT(*) AS n FROM device_event_index')).toBe(3);
    expect(await count('SELECT upto AS n FROM device_event_index_state')).toBe(await count('SELECT MAX(rowid) AS n FROM device_events'));
  } finally {
    await second.close();
  }
});
