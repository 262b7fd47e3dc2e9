import { cacheableChunks } from '../src/db/rows';
import { deviceActivityTopic } from '../src/fleet';
import { splitByDevice } from '../src/fleet/counters';
import { createTokenDevice, gqlOk, signUp, startTestApp, type TestApp } from './support/app';
import { DEVICE_FLEET, HOUR, messagesCounted, MINUTE, ping, POINT, startFleetApp, SUMMARY, testClock, type User } from './support/fleet';
import { connect, end, endAll, published } from './support/mqtt';

/**
 * Issue #13, the fleet view (continued from fleet.test.ts): the same on PostgreSQL, with fleet tracking switched off,
 * and the statements a flush is made of.
 */
describe('fleet tracking off', () => {
  it('a connect writes the status only: no last seen time, the device stays inactive', async () => {
    const app = await startTestApp({ db: 'sqlite', config: { fleet: { trackingEnabled: false, flushIntervalMs: 1000, inactivityTimeoutSeconds: 60, inactivitySweepIntervalMs: 600_000 } } });
    try {
      const user = await signUp(app);
      const d = await createTokenDevice(app, user.token, { name: 'untracked' });
      const c = await connect(app, d);
      await c.publishAsync('t/x', 'hello', { qos: 1 });
      await app.services.fleet.flush();
      const device = (await gqlOk(app, 'query($d:ID!){ device(id:$d){ status lastSeenAt active } }', { d: d.id }, user.token)).device;
      expect(device).toEqual({ status: 'ONLINE', lastSeenAt: null, active: false });
      await end(c);
    } finally {
      await app.stop();
    }
  });
});

describe('fleet view on postgres', () => {
  const time = testClock();
  let app: TestApp;
  let user: User;

  beforeAll(async () => {
    app = await startFleetApp('postgres', time);
    user = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  it('last seen, counters, summary, inactivity and retention', async () => {
    const gql = (query: string, vars: Record<string, unknown> = {}) => gqlOk(app, query, vars, user.token);
    const d = await createTokenDevice(app, user.token, { name: 'pg' });
    time.set(Math.floor(time.now() / MINUTE) * MINUTE + MINUTE + 1000);
    const minuteStart = Math.floor(time.now() / MINUTE) * MINUTE;
    const c = await connect(app, d, { keepalive: 0 });
    // Flagged active by its ONLINE write, before any flush.
    expect((await gql('query($d:ID!){ device(id:$d){ active } }', { d: d.id })).device.active).toBe(true);
    const counted = messagesCounted(app, 6);
    for (let i = 0; i < 6; i += 1) await c.publishAsync('p', 'abcd', { qos: 1 });
    await counted;
    await ping(c);
    const pingedAt = time.now();
    await app.services.fleet.flush();
    const device = (await gql(`query($d:ID!){ device(id:$d){ ${DEVICE_FLEET} } }`, { d: d.id })).device;
    expect(device).toMatchObject({ active: true, silentFor: 0, inactivityTimeout: 60 });
    expect(Date.parse(device.lastSeenAt)).toBeLessThanOrEqual(pingedAt);
    expect((await gql(`query{ fleetSummary { ${SUMMARY} } }`)).fleetSummary).toMatchObject({ devices: 1, online: 1, active: 1, messagesInPerSecond: 0.1 });
    const points = (
      await gql(`query($f:DateTimeISO!,$t:DateTimeISO!){ metrics(from:$f, to:$t){ ${POINT} } }`, { f: new Date(minuteStart).toISOString(), t: new Date(minuteStart + MINUTE).toISOString() })
    ).metrics;
    expect(points).toEqual([{ at: new Date(minuteStart).toISOString(), messagesIn: 6, messagesOut: 0, bytesIn: 24, bytesOut: 0, connects: 1, authFailures: 0 }]);

    // Silent past the timeout: flagged inactive once; its next packet flags it back.
    const inactive = published(app, deviceActivityTopic(user.orgId), (e: { id: string; active: boolean }) => e.id === d.id && !e.active);
    time.advance(2 * MINUTE);
    expect(await app.services.fleet.sweep()).toBe(1);
    await inactive;
    expect(await app.services.fleet.sweep()).toBe(0);
    const back = published(app, deviceActivityTopic(user.orgId), (e: { id: string; active: boolean }) => e.id === d.id && e.active);
    await ping(c);
    await app.services.fleet.flush();
    await back;
    expect((await gql(`query($d:ID!){ device(id:$d){ active } }`, { d: d.id })).device.active).toBe(true);

    time.advance(31 * 24 * HOUR);
    expect(await app.services.fleet.runRetention()).toBe(2);
  });
});

describe('flush statements', () => {
  it('chunk rows into a few cacheable sizes, in order', () => {
    const rows = Array.from({ length: 1000 }, (_v, i) => i);
    const chunks = cacheableChunks(rows);
    expect(chunks.map((c) => c.length)).toEqual([256, 256, 256, 128, 64, 32, 8]);
    expect(chunks.flat()).toEqual(rows);
    const sizes = new Set<number>();
    for (let n = 0; n <= 600; n++) for (const c of cacheableChunks(rows.slice(0, n))) sizes.add(c.length);
    expect([...sizes].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
  });

  it('split a flush into parts of a few devices, every count and time in exactly one part', () => {
    const tally = (n: number) => ({ organizationId: 'o', messagesIn: n, messagesOut: 0, bytesIn: 0, bytesOut: 0, connects: 0, authFailures: 0 });
    const ids = Array.from({ length: 10 }, (_v, i) => `d${i}`);
    const tallies = new Map([
      [60_000, new Map(ids.slice(0, 6).map((id, i) => [id, tally(i)]))],
      [120_000, new Map(ids.slice(4).map((id, i) => [id, tally(10 + i)]))],
    ]);
    const seen = new Map(ids.filter((_id, i) => i % 2 === 0).map((id, i) => [id, 1000 + i]));
    const parts = splitByDevice(tallies, seen, 4);
    expect(parts).toHaveLength(3);
    const devicesOf = (p: (typeof parts)[number]) => new Set([...p.seen.keys(), ...[...p.tallies.values()].flatMap((m) => [...m.keys()])]);
    expect(parts.map((p) => devicesOf(p).size)).toEqual([4, 4, 2]);
    for (const [minute, devices] of tallies) {
      for (const [id, t] of devices) expect(parts.filter((p) => p.tallies.get(minute)?.get(id) === t)).toHaveLength(1);
    }
    expect(new Map(parts.flatMap((p) => [...p.seen]))).toEqual(seen);
    expect(splitByDevice(tallies, seen, 10)).toEqual([{ tallies, seen }]);
  });
});
