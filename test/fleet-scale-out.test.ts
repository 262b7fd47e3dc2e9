import { clusterConfig, createTokenDevice, gqlOk, signUp, startTestApp, type TestApp } from './support/app';
import { messagesCounted } from './support/fleet';
import { connect, endAll } from './support/mqtt';
import { subscribe } from './support/ws';

/**
 * Issue #13, the fleet view in scale-out: what one instance saw is written to the shared database, so the other reads
 * it (last seen, counters, summary rates), and an activity change made on one reaches subscribers on the other.
 */
const MINUTE = 60_000;

describe('fleet view across two instances (PostgreSQL + Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  let dropDb: () => Promise<void>;

  beforeAll(async () => {
    const cluster = await clusterConfig({ fleet: { trackingEnabled: true, flushIntervalMs: 1000, inactivityTimeoutSeconds: 600, inactivitySweepIntervalMs: 600_000 } });
    dropDb = cluster.drop;
    a = await startTestApp({ config: cluster.config });
    b = await startTestApp({ config: cluster.config });
  });
  afterEach(() => endAll());
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await dropDb?.();
  });

  it('reads on one instance what the other saw: last seen, counters of both, activity changes', async () => {
    const user = await signUp(a);
    const onA = await createTokenDevice(a, user.token, { name: 'on A' });
    const onB = await createTokenDevice(a, user.token, { name: 'on B' });
    const activity = subscribe(b.graphqlUrl, user.token, 'subscription{ deviceActivityChanged { id active } }');
    try {
      await b.services.pubSub.whenSubscribed(`deviceActivity:${user.orgId}`);
      const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
      const ca = await connect(a, onA);
      const cb = await connect(b, onB);
      const countedA = messagesCounted(a, 4);
      const countedB = messagesCounted(b, 6);
      for (let i = 0; i < 4; i += 1) await ca.publishAsync('x', 'abc', { qos: 1 });
      for (let i = 0; i < 6; i += 1) await cb.publishAsync('x', 'abc', { qos: 1 });
      await Promise.all([countedA, countedB]);
      await Promise.all([a.services.fleet.flush(), b.services.fleet.flush()]);

      // The device connected to A became active (A's flush); the subscriber on B hears it, once per device.
      const changes = [(await activity.next()).data.deviceActivityChanged, (await activity.next()).data.deviceActivityChanged];
      expect(changes.sort((x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id))).toEqual(
        [
          { id: onA.id, active: true },
          { id: onB.id, active: true },
        ].sort((x, y) => x.id.localeCompare(y.id)),
      );
      const seenOnB = (await gqlOk(b, 'query($d:ID!){ device(id:$d){ lastSeenAt active } }', { d: onA.id }, user.token)).device;
      expect(seenOnB.active).toBe(true);
      expect(Date.parse(seenOnB.lastSeenAt)).toBeGreaterThanOrEqual(minute);

      // Counters of both instances, added up in the same rows.
      const from = new Date(minute).toISOString();
      const points = (await gqlOk(a, 'query($f:DateTimeISO!){ metrics(from:$f, bucket: HOUR){ messagesIn bytesIn connects } }', { f: from }, user.token)).metrics;
      expect(points.reduce((n: number, p: { messagesIn: number }) => n + p.messagesIn, 0)).toBe(10);
      expect(points.reduce((n: number, p: { connects: number }) => n + p.connects, 0)).toBe(2);
      const summary = (await gqlOk(b, 'query{ fleetSummary { online messagesInPerSecond } }', {}, user.token)).fleetSummary;
      expect(summary.online).toBe(2);
      // 10 messages within the last minute (a minute boundary in between weighs part of them a little less).
      expect(summary.messagesInPerSecond).toBeGreaterThan(0.15);
      expect(summary.messagesInPerSecond).toBeLessThanOrEqual(10 / 60 + 0.001);
    } finally {
      await activity.close();
    }
  });
});
