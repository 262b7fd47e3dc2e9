import fs from 'node:fs';

import { makeConfig } from '../src/config/config';
import { createPgDatabase, signUp, startTestApp, tempDir } from './support/app';
import { endAll, published, tryConnect } from './support/mqtt';

const base = makeConfig({ dataDir: '/tmp' }).throttle;
/** MQTT throttle off: every failure is evaluated and logged. */
const noThrottle = { ...base, mqttAuth: { ...base.mqttAuth, maxFailures: 0 } };

const DEVICE = 'mutation{ createDevice(input:{name:"dev"}){ id deviceNumber username } }';
const LOG = 'query($d:ID!){ connectionLog(deviceId:$d, first:50){ nodes { eventType reason clientId count time } } }';

interface Row {
  eventType: string;
  reason: string;
  clientId: string;
  count: number;
}

/** Issue #10: repeated AUTH_FAILED rows are folded into one row per (client id, reason) per window, with a count. */
describe('aggregated AUTH_FAILED rows', () => {
  afterEach(() => endAll());

  it.each(['sqlite', 'postgres'] as const)('logs 200 failed connects of one client id as at most 2 rows whose counts sum to 200 (%s)', async (db) => {
    const dataDir = tempDir();
    const pg = db === 'postgres' ? await createPgDatabase() : null;
    const database = { ...makeConfig({ dataDir }).database, ...(pg ? { type: 'postgres' as const, url: pg.url } : {}) };
    const start = () => startTestApp({ dataDir, config: { throttle: noThrottle, database } });
    let app = await start();
    const alice = await signUp(app);
    const d = (await app.gql(DEVICE, {}, alice.token)).data.createDevice;
    const wrong = { deviceNumber: d.deviceNumber, username: d.username, key: 'f'.repeat(36) };
    for (let batch = 0; batch < 10; batch++) {
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => tryConnect(app, wrong)));
      expect(outcomes.map((o) => o.code)).toEqual(Array<number>(20).fill(4));
    }
    // Within the minute: the first failure is there at once, the other 199 are being counted.
    const during = (await app.gql(LOG, { d: d.id }, alice.token)).data.connectionLog.nodes as Row[];
    expect(during).toEqual([expect.objectContaining({ eventType: 'AUTH_FAILED', reason: 'bad username or password', clientId: d.deviceNumber, count: 1 })]);
    // A shutdown writes the count row of the open window.
    await app.close();
    app = await start();
    try {
      const rows = (await app.gql(LOG, { d: d.id }, alice.token)).data.connectionLog.nodes as Row[];
      expect(rows.length).toBeLessThanOrEqual(2);
      expect(rows.every((r) => r.eventType === 'AUTH_FAILED' && r.clientId === d.deviceNumber)).toBe(true);
      expect(rows.reduce((n, r) => n + r.count, 0)).toBe(200);
      console.info(`${db}: 200 failed connects → ${rows.length} rows, counts ${rows.map((r) => r.count).join(' + ')}`);
    } finally {
      await app.stop();
      await pg?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('writes the count row when the window ends, live to the owner, one window per client id and reason', async () => {
    const app = await startTestApp({ config: { throttle: { ...noThrottle, authFailedLogWindowMs: 400 } } });
    try {
      const alice = await signUp(app);
      const d = (await app.gql(DEVICE, {}, alice.token)).data.createDevice;
      const key = (await app.gql('query($id:ID!){ device(id:$id){ credentials { deviceKey } } }', { id: d.id }, alice.token)).data.device.credentials.deviceKey;
      const countRows: Row[] = [];
      const bothCounted = published<Row>(app, `connectionLog:${alice.orgId}`, (r) => r.eventType === 'AUTH_FAILED' && r.count > 1 && countRows.push(r) === 2);
      for (let i = 0; i < 5; i++) expect((await tryConnect(app, { ...d, key: 'f'.repeat(36) })).code).toBe(4);
      // Another reason (a blocked device, the right key) is a window of its own.
      await app.gql('mutation($id:ID!){ updateDevice(id:$id, input:{blocked:true}){ blocked } }', { id: d.id }, alice.token);
      for (let i = 0; i < 3; i++) expect((await tryConnect(app, { ...d, key })).code).toBe(5);
      await bothCounted;
      expect(countRows.map((r) => [r.reason, r.count]).sort()).toEqual([
        ['bad username or password', 4],
        ['not authorized: device blocked', 2],
      ]);
      const rows = (await app.gql(LOG, { d: d.id }, alice.token)).data.connectionLog.nodes as Row[];
      expect(rows.map((r) => r.count).sort()).toEqual([1, 1, 2, 4]);
    } finally {
      await app.stop();
    }
  });

  it('answers a taken deviceNumber with CONFLICT naming the field only, not the number', async () => {
    const app = await startTestApp();
    try {
      const [alice, bob] = [await signUp(app), await signUp(app)];
      const create = (token: string) => app.gql('mutation{ createDevice(input:{name:"x", deviceNumber:"secret-meter-42", username:"meter.user"}){ id } }', {}, token);
      expect((await create(alice.token)).errors).toBeUndefined();
      const r = await create(bob.token);
      expect(r.errors).toEqual([expect.objectContaining({ message: 'deviceNumber is already taken', extensions: { code: 'CONFLICT', field: 'deviceNumber' } })]);
      expect(JSON.stringify(r)).not.toMatch(/secret-meter-42|meter\.user/);
    } finally {
      await app.stop();
    }
  });
});
