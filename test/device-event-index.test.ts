/**
 * SQLite's per-device index of device events, written in bulk (src/history/device-index.ts): a device's history
 * holds exactly its committed rows, also after the newest rows of the table were deleted (an idle fleet whose events
 * all aged out), which would let SQLite hand out rowids below the copy watermark.
 */
import type { MqttClient } from 'mqtt';

import { sqliteConnection } from '../src/db';
import { DeviceIndex } from '../src/history/device-index';
import { createTokenDevice, gqlOk, signUp, startTestApp, tempDir, type TestApp } from './support/app';
import { connect, endAll } from './support/mqtt';

let app: TestApp;
const silentLog = { warn: () => undefined } as never;

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

test("an index entry left by a deleted row never lends its rowid to another device's row", async () => {
  const user = await signUp(app);
  const [a, b] = [await createTokenDevice(app, user.token), await createTokenDevice(app, user.token)];
  const client = await connect(app, a);
  await publish(client, ['a1']);
  expect((await app.gql(EVENTS, { d: a.id }, user.token)).data.device.events.totalCount).toBe(1);
  const ds = app.services.ds;
  // The row goes without its index entry (as retention by age leaves it until its owner is trimmed); a write outside the
  // batch writer then takes the same rowid for another device.
  const [{ rid }] = (await ds.query('SELECT rid FROM device_event_index WHERE device_id = ?', [a.id])) as Array<{ rid: number }>;
  await ds.query('DELETE FROM device_events WHERE seq = ?', [rid]);
  await ds.query(
    "INSERT INTO device_events (seq, id, organization_id, device_id, topic, topic_prefix, payload, payload_encoding, qos, retain, size, time) VALUES (?, '00000000-0000-7000-8000-0000000000b1', ?, ?, 't', 't', 'of b', 'UTF8', 0, 0, 4, ?)",
    [rid, user.orgId, b.id, Date.now()],
  );
  expect((await app.gql(EVENTS, { d: a.id }, user.token)).data.device.events).toEqual({ totalCount: 0, nodes: [] });
  // Deleting device A's history leaves B's row alone.
  await gqlOk(app, 'mutation($id:ID!){ deleteDevice(id:$id) }', { id: a.id }, user.token);
  expect(await ds.query('SELECT payload FROM device_events WHERE seq = ?', [rid])).toEqual([{ payload: 'of b' }]);
});

/** The per-device index's watermark (a rowid). */
const state = async () => ((await app.services.ds.query('SELECT upto FROM device_event_index_state WHERE id = 1')) as Array<{ upto: number }>)[0]!.upto;
/** A device's entries in the per-device index. */
const indexed = async (deviceId: string) => ((await app.services.ds.query('SELECT COUNT(*) AS n FROM device_event_index WHERE device_id = ?', [deviceId])) as Array<{ n: number }>)[0]!.n;

test('a large copy goes in four slices of the device ids, spaced over batches, and moves the watermark at the last', async () => {
  const ds = app.services.ds;
  // Everything so far copied, then 16,400 rows of four devices, one in each slice (first hex digit 1, 5, 9, d).
  await new DeviceIndex(ds, sqliteConnection(ds)!, silentLog, DeviceIndex.EVENTS).catchUp();
  const devices = ['1', '5', '9', 'd'].map((c) => `${c}0000000-0000-4000-8000-000000000000`);
  await ds.transaction(async (m) => {
    await m.query(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 16400)
       INSERT INTO device_events (id, organization_id, device_id, topic, topic_prefix, payload, payload_encoding, qos, retain, size, time)
       SELECT printf('00000000-0000-7000-9000-%012d', i), 'o', CASE i % 4 WHEN 0 THEN ? WHEN 1 THEN ? WHEN 2 THEN ? ELSE ? END, 't', 't', 'p', 'UTF8', 0, 0, 1, i FROM n`,
      devices,
    );
  });
  const upto = await state();
  // Slices at least an hour apart: the batch after the first slice copies nothing more.
  const spaced = new DeviceIndex(ds, sqliteConnection(ds)!, silentLog, DeviceIndex.EVENTS, 3_600_000);
  await ds.transaction(async () => spaced.appended());
  await ds.transaction(async () => spaced.appended());
  expect(await indexed(devices[0]!)).toBe(4100);
  expect(await indexed(devices[1]!)).toBe(0);
  await ds.query(`DELETE FROM device_event_index WHERE device_id = ?`, [devices[0]]);

  const index = new DeviceIndex(ds, sqliteConnection(ds)!, silentLog, DeviceIndex.EVENTS, 0);
  const batch = () => ds.transaction(async () => index.appended());
  for (const slice of [0, 1, 2]) {
    await batch();
    expect(await indexed(devices[slice]!)).toBe(4100);
    expect(await indexed(devices[slice + 1]!)).toBe(0);
    expect(await state()).toBe(upto);
  }
  await batch();
  expect(await indexed(devices[3]!)).toBe(4100);
  expect(await state()).toBe(upto + 16400);

  // A slice rolled back with its batch: the copy starts over, and a read's catch-up copies everything at once.
  await ds.query(`UPDATE device_event_index_state SET upto = ? WHERE id = 1`, [upto]);
  await ds.query(`DELETE FROM device_event_index WHERE device_id IN (?, ?, ?, ?)`, devices);
  const again = new DeviceIndex(ds, sqliteConnection(ds)!, silentLog, DeviceIndex.EVENTS);
  await expect(
    ds.transaction(async () => {
      again.appended();
      throw new Error('batch failed');
    }),
  ).rejects.toThrow('batch failed');
  again.rolledBack();
  expect(await indexed(devices[0]!)).toBe(0);
  await again.catchUp();
  for (const device of devices) expect(await indexed(device)).toBe(4100);
  expect(await state()).toBe(upto + 16400);
  await ds.query(`DELETE FROM device_events WHERE organization_id = 'o'`);
  await ds.query(`DELETE FROM device_event_index WHERE device_id IN (?, ?, ?, ?)`, devices);
});

test('a large copy of rows from few devices goes at once; from more than 128, in slices', async () => {
  const ds = app.services.ds;
  await new DeviceIndex(ds, sqliteConnection(ds)!, silentLog, DeviceIndex.EVENTS).catchUp();
  const devices = ['1', '5', '9', 'd'].map((c) => `${c}0000000-0000-4000-8000-000000000001`);
  // Past the watermark and every rowid, as the batch writer numbers its rows.
  const append = () =>
    ds.transaction(async (m) => {
      await m.query(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 16400)
         INSERT INTO device_events (seq, id, organization_id, device_id, topic, topic_prefix, payload, payload_encoding, qos, retain, size, time)
         SELECT b.base + i, printf('00000000-0000-7000-9001-%012d', b.base + i), 'o', CASE i % 4 WHEN 0 THEN ? WHEN 1 THEN ? WHEN 2 THEN ? ELSE ? END, 't', 't', 'p', 'UTF8', 0, 0, 1, i
         FROM n, (SELECT MAX((SELECT upto FROM device_event_index_state WHERE id = 1), COALESCE((SELECT MAX(seq) FROM device_events), 0)) AS base) b`,
        devices,
      );
    });
  await append();
  const upto = await state();
  // The batch writer noted the rows' four devices: one copy, in the first batch after them.
  const few = new DeviceIndex(ds, sqliteConnection(ds)!, silentLog, DeviceIndex.EVENTS, 3_600_000);
  for (const d of devices) few.noteDevice(d);
  await ds.transaction(async () => few.appended());
  for (const d of devices) expect(await indexed(d)).toBe(4100);
  expect(await state()).toBe(upto + 16400);

  // Rows noted from 129 devices: the first batch copies the first slice only.
  await append();
  const many = new DeviceIndex(ds, sqliteConnection(ds)!, silentLog, DeviceIndex.EVENTS, 3_600_000);
  for (let i = 0; i < 129; i++) many.noteDevice(`f${String(i).padStart(7, '0')}-0000-4000-8000-000000000001`);
  await ds.transaction(async () => many.appended());
  expect(await indexed(devices[0]!)).toBe(8200);
  expect(await indexed(devices[1]!)).toBe(4100);
  expect(await state()).toBe(upto + 16400);
  await many.catchUp();
  for (const d of devices) expect(await indexed(d)).toBe(8200);
  await ds.query(`DELETE FROM device_events WHERE organization_id = 'o'`);
  await ds.query(`DELETE FROM device_event_index WHERE device_id IN (?, ?, ?, ?)`, devices);
});
