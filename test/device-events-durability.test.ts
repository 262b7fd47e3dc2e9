import { once } from 'node:events';
import fs from 'node:fs';

import { IsNull } from 'typeorm';

import { ConnectionEventType, ConnectionLogEntity, MqttListener } from '../src/history/connection-log.entity';
import { DeviceEventEntity } from '../src/history/device-event.entity';
import { createTokenDevice, signUp, startTestApp, tempDir } from './support/app';
import { closed, connect, end, endAll, nextMessage } from './support/mqtt';

/** Device events and the connection log (continued from device-events.test.ts): batches, shutdown, retention, deletion. */
describe('durability and retention', () => {
  it('writes in batches, acknowledges QoS 1 only once stored, and loses nothing published right before shutdown', async () => {
    const dataDir = tempDir();
    try {
      const app = await startTestApp({ dataDir, config: { mqtt: { eventBatchSize: 100_000, eventFlushIntervalMs: 3_600_000 } as never } });
      const user = await signUp(app);
      const d = await createTokenDevice(app, user.token);
      const c = await connect(app, d);
      // QoS 1: each acknowledgement comes after its row is committed (written at once, whatever the flush interval).
      const stored = () => app.services.ds.getRepository(DeviceEventEntity).countBy({ deviceId: d.id });
      const storedAtAck: number[] = [];
      await Promise.all(Array.from({ length: 150 }, (_, i) => c.publishAsync('burst', `q1-${i}`, { qos: 1 }).then(async () => void storedAtAck.push(await stored()))));
      storedAtAck.forEach((n, i) => expect(n).toBeGreaterThanOrEqual(i + 1));
      expect(await stored()).toBe(150);
      // QoS 0: buffered until the batch fills or the interval passes (an hour here), then written at shutdown.
      for (let i = 0; i < 150; i++) c.publish('burst', `q0-${i}`, { qos: 0 });
      while (app.services.deviceEvents.writer.pending < 150) await new Promise((r) => setImmediate(r));
      const buffered = 150 + app.services.deviceEvents.writer.pending;
      await app.stop();
      c.end(true);

      const again = await startTestApp({ dataDir });
      try {
        expect(await again.services.ds.getRepository(DeviceEventEntity).countBy({ deviceId: d.id })).toBe(buffered);
        const logRows = await again.services.ds.getRepository(ConnectionLogEntity).findBy({ deviceId: d.id });
        expect(logRows.map((r) => r.eventType).sort()).toEqual(['CONNECTED', 'DISCONNECTED']);
        expect(logRows.find((r) => r.eventType === 'DISCONNECTED')?.reason).toBe('server shutdown');
        // A restart leaves no device ONLINE.
        const status = await again.gql(
          'query($d:ID!){ device(id:$d){ status } }',
          { d: d.id },
          (await again.gql('mutation($e:String!,$p:String!){ logIn(email:$e,password:$p){ token } }', { e: user.email, p: 'correct horse battery' })).data.logIn.token,
        );
        expect(status.data.device.status).toBe('OFFLINE');
      } finally {
        await again.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('deletes rows beyond maximum age and row count, in the background', async () => {
    let now = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    const app = await startTestApp({
      app: { clock: () => now },
      config: {
        mqtt: {
          deviceEventRetention: { maxAgeDays: 30, maxRowsPerOwner: 3 },
          connectionLogRetention: { maxAgeDays: 30, maxRowsPerOwner: 0 },
          retentionIntervalMs: 3_600_000,
        } as never,
      },
    });
    try {
      const user = await signUp(app);
      const d = await createTokenDevice(app, user.token);
      const old = await connect(app, d);
      for (const n of [1, 2]) await old.publishAsync('t', `old-${n}`, { qos: 1 });
      await end(old);
      // A row without an owner (a client id that matched no device) ages out too.
      app.services.connectionLog.record({ eventType: ConnectionEventType.AUTH_FAILED, reason: 'not authorized', clientId: 'ghost', listener: MqttListener.MQTT });
      now = new Date();
      const c = await connect(app, d);
      for (const n of [1, 2, 3, 4]) await c.publishAsync('t', `new-${n}`, { qos: 1 });
      await app.services.deviceEvents.writer.flush();
      await app.services.connectionLog.writer.flush();

      const result = await app.services.messageServer.runRetention();
      expect(result).toEqual({ connectionLog: 3, deviceEvents: 3 });
      const events = await app.services.ds.getRepository(DeviceEventEntity).find({ where: { deviceId: d.id }, order: { time: 'ASC', id: 'ASC' } });
      expect(events.map((e) => e.payload)).toEqual(['new-2', 'new-3', 'new-4']);
      expect((await app.services.ds.getRepository(ConnectionLogEntity).findBy({ deviceId: d.id })).map((r) => r.eventType)).toEqual(['CONNECTED']);
      expect(await app.services.ds.getRepository(ConnectionLogEntity).countBy({ organizationId: IsNull() })).toBe(0);
      // The device's own log reads the same row; its per-device index (SQLite, written in bulk) lost the aged-out entries.
      const own = await app.services.connectionLog.list(user.orgId, { deviceId: d.id, first: 10 });
      expect(own.items.map((r) => r.eventType)).toEqual(['CONNECTED']);
      const [{ n }] = await app.services.ds.query('SELECT COUNT(*) AS n FROM connection_log_index WHERE device_id = ?', [d.id]);
      expect(Number(n)).toBe(1);

      await end(c);
    } finally {
      await endAll();
      await app.stop();
    }
  });

  it('enforces retention on a timer', async () => {
    const app = await startTestApp({ config: { mqtt: { deviceEventRetention: { maxAgeDays: 0, maxRowsPerOwner: 1 }, retentionIntervalMs: 20 } as never } });
    try {
      const user = await signUp(app);
      const d = await createTokenDevice(app, user.token);
      const c = await connect(app, d);
      for (const n of [1, 2, 3]) await c.publishAsync('t', String(n), { qos: 1 });
      const count = () => app.services.ds.getRepository(DeviceEventEntity).countBy({ deviceId: d.id });
      // Each background run reports itself; wait for one that found the rows written.
      while ((await count()) !== 1) await once(app.services.messageServer, 'retention');
      expect((await app.services.ds.getRepository(DeviceEventEntity).findBy({ deviceId: d.id }))[0]!.payload).toBe('3');
    } finally {
      await endAll();
      await app.stop();
    }
  });

  it('removes a deleted device: its session ends, its log and events go', async () => {
    const app = await startTestApp();
    try {
      const user = await signUp(app);
      const d = await createTokenDevice(app, user.token);
      const c = await connect(app, d);
      await c.publishAsync('x', 'y', { qos: 1 });
      const kicked = closed(c);
      await app.gql('mutation($id:ID!){ deleteDevice(id:$id) }', { id: d.id }, user.token);
      await kicked;
      await app.services.messageServer.settle();
      expect(await app.services.ds.getRepository(DeviceEventEntity).countBy({ deviceId: d.id })).toBe(0);
      expect(await app.services.ds.getRepository(ConnectionLogEntity).countBy({ deviceId: d.id })).toBe(0);
      // SQLite (this app's database): nor is anything left of it in the per-device index of events.
      expect(await app.services.ds.query('SELECT device_id FROM device_event_index WHERE device_id = ?', [d.id])).toEqual([]);
    } finally {
      await endAll();
      await app.stop();
    }
  });

  it('keeps persistent sessions (clean session off) inside the namespace', async () => {
    const app = await startTestApp();
    try {
      const user = await signUp(app);
      const d = await createTokenDevice(app, user.token);
      const pub = await connect(app, await createTokenDevice(app, user.token));
      const first = await connect(app, d, { clean: false });
      await first.subscribeAsync('queued/#', { qos: 1 });
      await end(first);
      await pub.publishAsync('queued/1', 'while away', { qos: 1 });
      let got!: ReturnType<typeof nextMessage>;
      await connect(app, d, { clean: false, setup: (client) => (got = nextMessage(client, 'queued/1')) });
      expect((await got).payload.toString()).toBe('while away');
    } finally {
      await endAll();
      await app.stop();
    }
  });
});
