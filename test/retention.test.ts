import crypto from 'node:crypto';

import { In, IsNull } from 'typeorm';

import { loadConfig } from '../src/config/config';
import { ConfigError } from '../src/config/env';
import { ConnectionEventType, ConnectionLogEntity, MqttListener } from '../src/history/connection-log.entity';
import { DeviceEventEntity } from '../src/history/device-event.entity';
import { OWNER_BATCH, RetentionQueries } from '../src/history/retention-queries';
import { type DbKind, signUp, startTestApp, type TestApp } from './support/app';
import { connect, end, endAll, tryConnect } from './support/mqtt';

const LOG_PER_OWNER = 6;
const EVENTS_PER_OWNER = 10;
const UNOWNED = 5;

async function newDevice(app: TestApp, token: string): Promise<{ id: string; deviceNumber: string; username: string; key: string }> {
  const r = await app.gql('mutation{ createDevice(input:{name:"dev"}){ id deviceNumber username credentials { deviceKey } } }', {}, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  const d = r.data.createDevice;
  return { id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
}

const byAge = <R extends { time: Date; id: string }>(rows: R[]) => [...rows].sort((a, b) => a.time.getTime() - b.time.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.id);

describe.each<DbKind>(['sqlite', 'postgres'])('retention per owner on %s', (db) => {
  let app: TestApp;
  const logs = () => app.services.ds.getRepository(ConnectionLogEntity);
  const events = () => app.services.ds.getRepository(DeviceEventEntity);
  const flush = async () => {
    await app.services.messageServer.settle();
    await app.services.connectionLog.writer.flush();
    await app.services.deviceEvents.writer.flush();
  };
  const anonymousFailure = (n: number) =>
    app.services.connectionLog.record({ eventType: ConnectionEventType.AUTH_FAILED, reason: 'not authorized', clientId: `ghost-${n}`, username: `ghost-${n}`, listener: MqttListener.MQTT });

  beforeAll(async () => {
    app = await startTestApp({
      db,
      config: {
        mqtt: {
          connectionLogRetention: { maxAgeDays: 0, maxRowsPerOwner: LOG_PER_OWNER, maxUnownedRows: UNOWNED },
          deviceEventRetention: { maxAgeDays: 0, maxRowsPerOwner: EVENTS_PER_OWNER },
          retentionIntervalMs: 3_600_000,
        } as never,
      },
    });
  });
  afterAll(async () => {
    await endAll();
    await app.stop();
  });

  it('keeps every row of a quiet owner while another floods its history and unknown clients fail to connect', async () => {
    const a = await signUp(app);
    const b = await signUp(app);
    const da = await newDevice(app, a.token);
    const db_ = await newDevice(app, b.token);

    // B: a little history, written first (the oldest rows of all).
    const cb = await connect(app, db_);
    for (const n of [1, 2, 3]) await cb.publishAsync('t', `b-${n}`, { qos: 1 });
    await end(cb);
    await flush();
    const bLog = byAge(await logs().findBy({ organizationId: b.orgId }));
    const bEvents = byAge(await events().findBy({ organizationId: b.orgId }));
    expect(bLog).toHaveLength(2);

    // A floods: many events and connects, far beyond its limits.
    for (let i = 0; i < 4; i++) {
      const ca = await connect(app, da);
      for (let n = 0; n < 12; n++) ca.publish('t', `a-${i}-${n}`, { qos: 0 });
      await ca.publishAsync('t', `a-${i}-last`, { qos: 1 });
      await end(ca);
    }
    // Unknown client ids: real refused connects, then a stream of them recorded directly.
    const refused = await Promise.all([1, 2, 3].map((n) => tryConnect(app, { deviceNumber: `nobody-${n}`, username: `nobody-${n}`, key: 'wrong' })));
    expect(refused.every((o) => !o.connected)).toBe(true);
    for (let n = 0; n < 40; n++) anonymousFailure(n);
    await flush();

    const aLog = byAge(await logs().findBy({ organizationId: a.orgId }));
    const aEvents = byAge(await events().findBy({ organizationId: a.orgId }));
    const unowned = byAge(await logs().findBy({ organizationId: IsNull() }));
    expect(aLog.length).toBe(8);
    expect(aEvents.length).toBe(52);
    expect(unowned.length).toBeGreaterThanOrEqual(43);
    expect((await logs().findBy({ organizationId: IsNull(), clientId: 'nobody-1' })).length).toBeGreaterThan(0);

    const result = await app.services.messageServer.runRetention();
    expect(result).toEqual({ connectionLog: aLog.length - LOG_PER_OWNER + unowned.length - UNOWNED, deviceEvents: aEvents.length - EVENTS_PER_OWNER });
    // B untouched; A and the unowned rows trimmed to their newest.
    expect(byAge(await logs().findBy({ organizationId: b.orgId }))).toEqual(bLog);
    expect(byAge(await events().findBy({ organizationId: b.orgId }))).toEqual(bEvents);
    expect(byAge(await logs().findBy({ organizationId: a.orgId }))).toEqual(aLog.slice(-LOG_PER_OWNER));
    expect(byAge(await events().findBy({ organizationId: a.orgId }))).toEqual(aEvents.slice(-EVENTS_PER_OWNER));
    expect(byAge(await logs().findBy({ organizationId: IsNull() }))).toEqual(unowned.slice(-UNOWNED));

    // Later passes check the owners that wrote since: A floods again and is trimmed again; B still whole.
    const ca = await connect(app, da);
    for (let n = 0; n < 5; n++) await ca.publishAsync('t', `again-${n}`, { qos: 1 });
    await end(ca);
    for (let n = 0; n < 3; n++) anonymousFailure(100 + n);
    await flush();
    const again = await app.services.messageServer.runRetention();
    expect(again).toEqual({ connectionLog: 2 + 3, deviceEvents: 5 });
    expect((await events().findBy({ organizationId: a.orgId })).map((e) => e.payload).filter((p) => p.startsWith('again-'))).toHaveLength(5);
    expect(await events().countBy({ organizationId: a.orgId })).toBe(EVENTS_PER_OWNER);
    expect(await logs().countBy({ organizationId: a.orgId })).toBe(LOG_PER_OWNER);
    expect(byAge(await logs().findBy({ organizationId: b.orgId }))).toEqual(bLog);
    expect((await logs().findBy({ organizationId: IsNull() })).map((r) => r.clientId).sort()).toEqual(['ghost-100', 'ghost-101', 'ghost-102', 'ghost-38', 'ghost-39']);

    // The device's own history reads the same rows; on SQLite its per-device index (written in bulk) lost the entries of
    // the deleted rows with them.
    const own = await app.gql('query($d:ID!){ device(id:$d){ events(first: 100) { totalCount nodes { payload } } } }', { d: da.id }, a.token);
    expect(own.data.device.events.totalCount).toBe(EVENTS_PER_OWNER);
    expect(own.data.device.events.nodes.map((n: { payload: string }) => n.payload).slice(0, 5)).toEqual(['again-4', 'again-3', 'again-2', 'again-1', 'again-0']);
    if (db === 'sqlite') {
      const [{ n }] = await app.services.ds.query('SELECT COUNT(*) AS n FROM device_event_index WHERE device_id = ?', [da.id]);
      expect(Number(n)).toBe(EVENTS_PER_OWNER);
    }
    const ownLog = await app.gql('query($d:ID!){ device(id:$d){ connectionLogs(first: 100) { totalCount nodes { id } } } }', { d: da.id }, a.token);
    const kept = await logs().find({ where: { deviceId: da.id } });
    expect(ownLog.data.device.connectionLogs.nodes.map((n: { id: string }) => n.id)).toEqual(byAge(kept).reverse());
    if (db === 'sqlite') {
      const [{ n }] = await app.services.ds.query('SELECT COUNT(*) AS n FROM connection_log_index WHERE device_id = ?', [da.id]);
      expect(Number(n)).toBe(kept.length);
    }
  });

  it('lists owners through the index in batches and finds an edge in bounded steps', async () => {
    const store = app.services.connectionLog;
    const row = (organizationId: string | null) => store.record({ organizationId, eventType: ConnectionEventType.CONNECTED, listener: MqttListener.MQTT });
    const owners: string[] = Array.from({ length: 11 }, () => crypto.randomUUID()).sort();
    for (const o of owners) for (let n = 0; n < 3; n++) row(o);
    await store.writer.flush();
    const queries = new RetentionQueries(logs(), { ownerBatch: 3, probeStep: 4 });

    // Batches of 3 cover every owner, once, in order; `recent` tells which wrote at or after `since`.
    const listed: string[] = [];
    for await (const o of queries.recentOwners(Number.MIN_SAFE_INTEGER)) listed.push(o);
    expect(listed.filter((o) => owners.includes(o))).toEqual(owners);
    expect(new Set(listed).size).toBe(listed.length);
    const everyOwner = [...new Set((await logs().find({ select: { organizationId: true } })).map((r) => r.organizationId).filter((o) => o !== null))].sort();
    const next3 = everyOwner.slice(everyOwner.indexOf(owners[4]!) + 1, everyOwner.indexOf(owners[4]!) + 4);
    const rows = await logs().findBy({ organizationId: In(next3) });
    const newestOf = (o: string) => Math.max(...rows.filter((r) => r.organizationId === o).map((r) => r.time.getTime()));
    const since = newestOf(next3[1]!);
    expect(await queries.ownersAfter(owners[4]!, since)).toEqual(next3.map((organizationId) => ({ organizationId, recent: newestOf(organizationId) >= since })));
    expect(await queries.ownersAfter(owners[4]!, since + 1)).toEqual(next3.map((organizationId) => ({ organizationId, recent: newestOf(organizationId) > since })));
    const later: string[] = [];
    for await (const o of queries.recentOwners(Date.now() + 3_600_000)) later.push(o);
    expect(later).toEqual([]);

    // The 10th newest row of an owner with 13, reached in steps of 4 (4, 4, 2); none beyond its 13 rows.
    const big = crypto.randomUUID();
    for (let n = 0; n < 13; n++) row(big);
    await store.writer.flush();
    const all = byAge(await logs().findBy({ organizationId: big }));
    expect((await queries.keepEdge(big, 10))?.id).toBe(all[3]);
    expect((await queries.keepEdge(big, 12))?.id).toBe(all[1]);
    expect((await queries.keepEdge(big, 13))?.id).toBe(all[0]);
    expect(await queries.keepEdge(big, 14)).toBeNull();

    // A full pass trims every owner, across more than one batch of the real size.
    const many = Array.from({ length: OWNER_BATCH + 5 }, () => crypto.randomUUID());
    for (const o of many) for (let n = 0; n < 2; n++) row(o);
    await store.writer.flush();
    await store.enforceRetention({ maxAgeDays: 0, maxRowsPerOwner: 1, maxUnownedRows: 0 });
    for (const o of [many[0]!, many[OWNER_BATCH]!, many.at(-1)!, big]) expect(await logs().countBy({ organizationId: o })).toBe(1);
    expect((await logs().findBy({ organizationId: big }))[0]!.id).toBe(all.at(-1));
  });
});

describe('retention settings', () => {
  it('reads the per-owner limits and the unowned budget, and refuses the former global caps', () => {
    const cfg = loadConfig({ PORTICO_CONNECTION_LOG_MAX_ROWS_PER_OWNER: '7', PORTICO_CONNECTION_LOG_MAX_UNOWNED_ROWS: '3', PORTICO_DEVICE_EVENT_MAX_ROWS_PER_OWNER: '9' });
    expect(cfg.mqtt.connectionLogRetention).toEqual({ maxAgeDays: 90, maxRowsPerOwner: 7, maxUnownedRows: 3 });
    expect(cfg.mqtt.deviceEventRetention).toEqual({ maxAgeDays: 30, maxRowsPerOwner: 9 });
    expect(loadConfig({}).mqtt.connectionLogRetention).toEqual({ maxAgeDays: 90, maxRowsPerOwner: 100_000, maxUnownedRows: 10_000 });
    expect(() => loadConfig({ PORTICO_DEVICE_EVENT_MAX_ROWS: '5' })).toThrow(ConfigError);
  });
});
