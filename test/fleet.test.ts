import { deviceStatusTopic } from '../src/devices/status-topic';
import { deviceActivityTopic } from '../src/fleet';
import { createTokenDevice, errorCode, gqlOk, signUp, type TestApp, type TokenDevice } from './support/app';
import { DEVICE_FLEET, HOUR, messagesCounted, MINUTE, ping, POINT, startFleetApp, SUMMARY, testClock, type User } from './support/fleet';
import { closed, connect, end, endAll, published, record, tryConnect } from './support/mqtt';
import { subscribe } from './support/ws';

/**
 * Issue #13, the fleet view: Device.lastSeenAt/silentFor, fleetSummary(Changed), metrics from counters rolled up per
 * minute, inactivity (Device.active, deviceActivityChanged once per change). Time is the app's injected clock, moved
 * forward by the tests; tests write counters and last seen times with fleet.flush() when they need them written (the
 * periodic flush also runs, every second), and run the inactivity sweep with fleet.sweep() (its own timer is far apart).
 */

describe('fleet view on sqlite', () => {
  const time = testClock();
  let app: TestApp;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    app = await startFleetApp('sqlite', time);
    alice = await signUp(app);
    bob = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  const gql = (query: string, vars: Record<string, unknown> = {}, token = alice.token) => gqlOk(app, query, vars, token);
  const fleetOf = async (deviceId: string, token = alice.token) => (await gql(`query($d:ID!){ device(id:$d){ ${DEVICE_FLEET} } }`, { d: deviceId }, token)).device;
  const flush = () => app.services.fleet.flush();

  it('Device.lastSeenAt advances on CONNECT, PINGREQ and PUBLISH; silentFor counts from it', async () => {
    const d = await createTokenDevice(app, alice.token, { name: 'pinger', inactivityTimeout: 120 });
    expect(await fleetOf(d.id)).toEqual({ id: d.id, lastSeenAt: null, silentFor: null, active: false, inactivityTimeout: 120 });
    const connectedAt = time.now();
    const c = await connect(app, d, { keepalive: 0 });
    // A CONNECT's time and the flag back to active are written with the device's ONLINE status, before its CONNACK.
    const atConnect = await fleetOf(d.id);
    const seen0 = Date.parse(atConnect.lastSeenAt);
    expect(seen0).toBeGreaterThanOrEqual(connectedAt);
    expect(atConnect.active).toBe(true);
    const storedSeen = async () => Number((await app.services.ds.query(`SELECT last_seen_at AS t FROM devices WHERE id = '${d.id}'`))[0].t);
    expect(await storedSeen()).toBe(seen0);
    await flush();
    expect(await storedSeen()).toBe(seen0);

    time.advance(10_000);
    expect((await fleetOf(d.id)).silentFor).toBe(10);
    await ping(c);
    const afterPing = await fleetOf(d.id);
    expect(Date.parse(afterPing.lastSeenAt)).toBeGreaterThanOrEqual(seen0 + 10_000);
    expect(afterPing.silentFor).toBe(0);
    await flush();
    const stored1 = Number((await app.services.ds.query(`SELECT last_seen_at AS t FROM devices WHERE id = '${d.id}'`))[0].t);
    expect(stored1).toBe(Date.parse(afterPing.lastSeenAt));

    time.advance(7_000);
    const counted = messagesCounted(app, 1);
    await c.publishAsync('t/x', 'hello', { qos: 1 });
    await counted;
    const afterPublish = await fleetOf(d.id);
    expect(Date.parse(afterPublish.lastSeenAt)).toBeGreaterThanOrEqual(stored1 + 7_000);
    time.advance(5_000);
    expect((await fleetOf(d.id)).silentFor).toBe(5);
    await flush();
    expect(Number((await app.services.ds.query(`SELECT last_seen_at AS t FROM devices WHERE id = '${d.id}'`))[0].t)).toBe(Date.parse(afterPublish.lastSeenAt));
    // The timeout is settable; 0 = never inactive.
    await gql('mutation($d:ID!){ updateDevice(id:$d, input:{ inactivityTimeout: 0 }){ id } }', { d: d.id });
    expect((await fleetOf(d.id)).inactivityTimeout).toBe(0);
    expect(errorCode(await app.gql('mutation($d:ID!){ updateDevice(id:$d, input:{ inactivityTimeout: -1 }){ id } }', { d: d.id }, alice.token))).toBe('BAD_USER_INPUT');
  });

  it('fleetSummary counts match after connects, disconnects and a block; rates come from the counters', async () => {
    const carol = await signUp(app);
    // One second into a fresh minute: everything below lands in that minute, so the rates are exact.
    time.set(Math.floor(time.now() / MINUTE) * MINUTE + MINUTE + 1000);
    const summary = async () =>
      (await gql(`query{ fleetSummary { ${SUMMARY} soon: certificatesExpiringWithin(days: 30) later: certificatesExpiringWithin(days: 400) } }`, {}, carol.token)).fleetSummary;
    expect(await summary()).toMatchObject({ organizationId: carol.orgId, devices: 0, online: 0, offline: 0, blocked: 0, active: 0, messagesInPerSecond: 0, soon: 0, later: 0 });
    const [a, b, c] = [await createTokenDevice(app, carol.token), await createTokenDevice(app, carol.token), await createTokenDevice(app, carol.token)];
    await gql('mutation{ createCertificate(name:"short", validityDays: 10){ id } }', {}, carol.token);
    await gql('mutation{ createCertificate(name:"long", validityDays: 365){ id } }', {}, carol.token);
    const ca = await connect(app, a);
    const cb = await connect(app, b);
    await app.services.messageServer.settle();
    expect(await summary()).toMatchObject({ devices: 3, online: 2, offline: 1, blocked: 0, soon: 1, later: 2 });

    const counted = messagesCounted(app, 30);
    for (let i = 0; i < 30; i += 1) await ca.publishAsync('m', 'x', { qos: 1 });
    await counted;
    await tryConnect(app, { ...c, key: 'wrong' });
    await flush();
    expect(await summary()).toMatchObject({ active: 2, messagesInPerSecond: 0.5, authFailuresPerMinute: 1 });

    const offline = published(app, deviceStatusTopic(carol.orgId), (d: { id: string; status: string }) => d.id === a.id && d.status === 'OFFLINE');
    await end(ca);
    await offline;
    expect(await summary()).toMatchObject({ devices: 3, online: 1, offline: 2, blocked: 0 });
    const kicked = published(app, deviceStatusTopic(carol.orgId), (d: { id: string; status: string }) => d.id === b.id && d.status === 'OFFLINE');
    await gql('mutation($d:ID!){ updateDevice(id:$d, input:{ blocked: true }){ id } }', { d: b.id }, carol.token);
    await kicked;
    await closed(cb);
    expect(await summary()).toMatchObject({ devices: 3, online: 0, offline: 3, blocked: 1 });
  });

  it('metrics: per-minute counters of a device and of its organization, summed per MINUTE and HOUR; kept like device events', async () => {
    const dave = await signUp(app);
    const sensor = await createTokenDevice(app, dave.token, { name: 'sensor' });
    const screen = await createTokenDevice(app, dave.token, { name: 'screen' });
    // Half past the next hour: two minutes there, then one minute in the hour after.
    const h = Math.floor(time.now() / HOUR) * HOUR + HOUR;
    time.set(h + 30 * MINUTE);
    const s = await connect(app, sensor);
    const v = await connect(app, screen);
    await v.subscribeAsync('temp/#', { qos: 1 });
    const received = record(v);
    let counted = messagesCounted(app, 3);
    for (let i = 0; i < 3; i += 1) await s.publishAsync('temp/a', '0123456789', { qos: 1 }); // 10 bytes
    await counted;
    // What the screen gets is counted as it is sent: wait for it before the clock moves on.
    while (received.length < 3) await new Promise((r) => v.once('message', r));
    time.set(h + 31 * MINUTE);
    counted = messagesCounted(app, 2);
    for (let i = 0; i < 2; i += 1) await s.publishAsync('temp/b', '01234', { qos: 1 });
    await counted;
    await gql('mutation($d:ID!){ publishToDevice(deviceId:$d, input:{ topic:"temp/cmd", payload:"abc", qos: 1 }){ matchedSessions } }', { d: screen.id }, dave.token);
    while (received.length < 6) await new Promise((r) => v.once('message', r));
    time.set(h + 61 * MINUTE);
    await tryConnect(app, { ...sensor, key: 'wrong' });
    counted = messagesCounted(app, 1);
    await s.publishAsync('temp/c', '0', { qos: 1 });
    await counted;
    // The screen got 3 + 2 + 1 messages from the sensor and 1 command; wait until the last has arrived.
    while (received.length < 7) await new Promise((r) => v.once('message', r));
    await flush();

    const series = async (vars: Record<string, unknown>, token = dave.token) =>
      (await gql(`query($f:DateTimeISO!,$t:DateTimeISO,$b:MetricsBucket!,$d:ID,$o:ID){ metrics(from:$f, to:$t, bucket:$b, deviceId:$d, organizationId:$o){ ${POINT} } }`, vars, token)).metrics;
    const minute = (m: number) => new Date(h + m * MINUTE).toISOString();
    const bySensor = await series({ f: minute(30), t: minute(32), b: 'MINUTE', d: sensor.id });
    expect(bySensor).toEqual([
      { at: minute(30), messagesIn: 3, messagesOut: 0, bytesIn: 30, bytesOut: 0, connects: 1, authFailures: 0 },
      { at: minute(31), messagesIn: 2, messagesOut: 0, bytesIn: 10, bytesOut: 0, connects: 0, authFailures: 0 },
    ]);
    const byScreen = await series({ f: minute(30), t: minute(32), b: 'MINUTE', d: screen.id });
    expect(byScreen.map((p: { messagesOut: number; bytesOut: number }) => [p.messagesOut, p.bytesOut])).toEqual([
      [3, 30],
      [3, 13],
    ]);
    const hourly = await series({ f: new Date(h).toISOString(), t: new Date(h + 2 * HOUR).toISOString(), b: 'HOUR', d: sensor.id });
    expect(hourly).toEqual([
      { at: new Date(h).toISOString(), messagesIn: 5, messagesOut: 0, bytesIn: 40, bytesOut: 0, connects: 1, authFailures: 0 },
      { at: new Date(h + HOUR).toISOString(), messagesIn: 1, messagesOut: 0, bytesIn: 1, bytesOut: 0, connects: 0, authFailures: 1 },
    ]);
    // The organization: both devices summed (its default organization when none is named).
    const org = await series({ f: new Date(h).toISOString(), t: new Date(h + 2 * HOUR).toISOString(), b: 'HOUR' });
    expect(org.map((p: { messagesIn: number; messagesOut: number; connects: number; authFailures: number }) => [p.messagesIn, p.messagesOut, p.connects, p.authFailures])).toEqual([
      [5, 6, 2, 0],
      [1, 1, 0, 1],
    ]);
    expect((await series({ f: new Date(h).toISOString(), t: new Date(h + 2 * HOUR).toISOString(), b: 'DAY' })).reduce((n: number, p: { messagesIn: number }) => n + p.messagesIn, 0)).toBe(6);
    expect(errorCode(await app.gql('query($f:DateTimeISO!){ metrics(from:$f, bucket: MINUTE){ at } }', { f: new Date(h - 30 * 24 * HOUR).toISOString() }, dave.token))).toBe('BAD_USER_INPUT');

    // Retention: counter rows older than PORTICO_DEVICE_EVENT_MAX_AGE_DAYS (30) go.
    time.set(h + 31 * 24 * HOUR);
    expect(await app.services.fleet.runRetention()).toBeGreaterThanOrEqual(6);
    expect((await series({ f: new Date(h).toISOString(), t: new Date(h + 2 * HOUR).toISOString(), b: 'HOUR', d: sensor.id })).map((p: { messagesIn: number }) => p.messagesIn)).toEqual([0, 0]);
  });

  it('isolation: another organization gets NOT_FOUND; a VIEWER can read; fleetSummaryChanged sends changes only', async () => {
    const d = await createTokenDevice(app, alice.token, { name: 'mine' });
    const from = new Date(time.now() - HOUR).toISOString();
    expect(errorCode(await app.gql(`query($d:ID!){ device(id:$d){ ${DEVICE_FLEET} } }`, { d: d.id }, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('query($d:ID!,$f:DateTimeISO!){ metrics(deviceId:$d, from:$f){ at } }', { d: d.id, f: from }, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('query($o:ID!,$f:DateTimeISO!){ metrics(organizationId:$o, from:$f){ at } }', { o: alice.orgId, f: from }, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('query($o:ID!){ fleetSummary(organizationId:$o){ devices } }', { o: alice.orgId }, bob.token))).toBe('NOT_FOUND');
    for (const query of ['subscription($o:ID){ fleetSummaryChanged(organizationId:$o){ devices } }', 'subscription($o:ID){ deviceActivityChanged(organizationId:$o){ id } }']) {
      const sub = subscribe(app.graphqlUrl, bob.token, query, { o: alice.orgId });
      try {
        expect((await sub.next()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      } finally {
        await sub.close();
      }
    }
    const theirs = subscribe(app.graphqlUrl, bob.token, 'subscription($d:ID!){ deviceActivityChanged(deviceId:$d){ id } }', { d: d.id });
    try {
      expect((await theirs.next()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    } finally {
      await theirs.close();
    }

    const viewer = (await gql('mutation($o:ID){ createApiKey(organizationId:$o, name:"wall", role:VIEWER){ key } }', { o: alice.orgId })).createApiKey.key as string;
    expect((await gql(`query{ fleetSummary { devices expiring: certificatesExpiringWithin(days: 7) } }`, {}, viewer)).fleetSummary.devices).toBeGreaterThan(0);
    expect(await fleetOf(d.id, viewer)).toMatchObject({ id: d.id, active: false });
    expect((await gql('query($d:ID!,$f:DateTimeISO!){ metrics(deviceId:$d, from:$f, bucket: HOUR){ at } }', { d: d.id, f: from }, viewer)).metrics).toHaveLength(2);
    expect(errorCode(await app.gql('mutation($d:ID!){ updateDevice(id:$d, input:{ inactivityTimeout: 5 }){ id } }', { d: d.id }, viewer))).toBe('FORBIDDEN');

    const live = subscribe(app.graphqlUrl, viewer, `subscription{ fleetSummaryChanged(intervalMs: 250){ at ${SUMMARY} expiring: certificatesExpiringWithin(days: 30) } }`);
    // Each event differs from the one before in some figure (the time it was read aside).
    let previous: Record<string, unknown> | null = null;
    const nextChange = async (): Promise<Record<string, any>> => {
      const { at: _at, ...figures } = (await live.next()).data.fleetSummaryChanged;
      expect(figures).not.toEqual(previous);
      previous = figures;
      return figures;
    };
    const changeUntil = async (done: (s: Record<string, any>) => boolean) => {
      for (;;) {
        const s = await nextChange();
        if (done(s)) return s;
      }
    };
    try {
      const first = await nextChange();
      const c = await connect(app, d);
      const second = await changeUntil((s) => s.online === first.online + 1);
      await gql('mutation{ createCertificate(name:"soon", validityDays: 3){ id } }');
      const third = await changeUntil((s) => s.expiring === second.expiring + 1);
      expect(third.online).toBe(second.online);
      await end(c);
    } finally {
      await live.close();
    }
    const tooFast = subscribe(app.graphqlUrl, viewer, 'subscription{ fleetSummaryChanged(intervalMs: 100){ devices } }');
    try {
      expect((await tooFast.next()).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await tooFast.close();
    }
  });

  it('1,000 devices reconnecting at once: one deviceActivityChanged per device and change', async () => {
    const erin = await signUp(app);
    const n = 1000;
    const devices: TokenDevice[] = [];
    const perRequest = 25;
    for (let i = 0; i < n; i += perRequest * 4) {
      await Promise.all(
        Array.from({ length: 4 }, async (_x, r) => {
          const count = Math.min(perRequest, n - i - r * perRequest);
          if (count <= 0) return;
          const fields = Array.from({ length: count }, (_y, k) => `d${k}: createDevice(input:{ name:"fleet" }){ id deviceNumber username credentials { deviceKey } }`);
          const data = await gql(`mutation{ ${fields.join(' ')} }`, {}, erin.token);
          for (const d of Object.values(data) as Array<{ id: string; deviceNumber: string; username: string; credentials: { deviceKey: string } }>) {
            devices.push({ id: d.id, deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey });
          }
        }),
      );
    }
    expect(devices).toHaveLength(n);
    const marker = await createTokenDevice(app, erin.token, { name: 'marker' });

    const events: Array<{ id: string; active: boolean }> = [];
    const sub = subscribe(app.graphqlUrl, erin.token, 'subscription{ deviceActivityChanged { id active } }');
    await app.services.pubSub.whenSubscribed(deviceActivityTopic(erin.orgId));
    /** Collects events until `count` were received (or fails after the time limit). */
    const collect = async (count: number) => {
      while (events.length < count) {
        const r = await sub.next(20_000);
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        events.push(r.data.deviceActivityChanged);
      }
    };
    const connectAll = async () => {
      const clients = await Promise.all(devices.map((d) => connect(app, d, { keepalive: 0 })));
      // Every device also publishes (a second packet), while flushes run in between.
      await Promise.all(
        clients.map(async (c, i) => {
          if (i % 100 === 0) await app.services.fleet.flush();
          await c.publishAsync('status', 'up', { qos: 1 });
        }),
      );
      return clients;
    };
    const perDevice = (from: number) => {
      const map = new Map<string, boolean[]>();
      for (const e of events.slice(from)) map.set(e.id, [...(map.get(e.id) ?? []), e.active]);
      return map;
    };

    try {
      // 1. The first packets ever: each device becomes active once.
      // (the real status writes, counted)
      const devicesService = app.services.devices;
      const apply = devicesService.applyConnectionStatuses.bind(devicesService);
      let written = 0;
      const batchSizes: number[] = [];
      let allWritten = () => {};
      const allOnline = new Promise<void>((resolve) => (allWritten = resolve));
      const statusWrites = jest.spyOn(devicesService, 'applyConnectionStatuses').mockImplementation(async (changes, instanceId) => {
        batchSizes.push(changes.length);
        const result = await apply(changes, instanceId);
        if ((written += changes.length) >= n) allWritten();
        return result;
      });
      let clients = await connectAll();
      // The storm's ONLINE writes went in batches (one transaction each), not one transaction per device. (How many
      // connects a batch gathers depends on how fast this machine connects them: 1.6-1.9 per batch in a slow phase.)
      await allOnline;
      expect(statusWrites.mock.calls.length).toBeLessThan(n);
      expect(Math.max(...batchSizes)).toBeGreaterThan(1);
      statusWrites.mockRestore();
      await app.services.fleet.flush();
      await collect(n);
      const first = perDevice(0);
      expect(first.size).toBe(n);
      expect([...first.values()].every((changes) => changes.length === 1 && changes[0] === true)).toBe(true);

      // 2. All go away; past their timeout (60 s, plus the flush grace) the sweep flags each inactive once.
      await Promise.all(clients.map((c) => end(c, true)));
      time.advance(2 * MINUTE);
      // (devices of earlier tests, silent as long, go too: they are not in this organization)
      expect(await app.services.fleet.sweep()).toBeGreaterThanOrEqual(n);
      await collect(2 * n);
      const second = perDevice(n);
      expect(second.size).toBe(n);
      expect([...second.values()].every((changes) => changes.length === 1 && changes[0] === false)).toBe(true);

      // 3. All reconnect at once (CONNECT, PUBLISH, several flushes meanwhile): each becomes active once again.
      clients = await connectAll();
      await app.services.fleet.flush();
      await app.services.fleet.sweep();
      // Nothing else follows: the marker's first packet is the next and last event.
      const m = await connect(app, marker);
      await app.services.fleet.flush();
      await collect(3 * n + 1);
      expect(events[3 * n]).toEqual({ id: marker.id, active: true });
      const third = perDevice(2 * n);
      third.delete(marker.id);
      expect(third.size).toBe(n);
      expect([...third.values()].every((changes) => changes.length === 1 && changes[0] === true)).toBe(true);
      expect(sub.pending()).toBe(0);
      await Promise.all([...clients, m].map((c) => end(c, true)));
    } finally {
      await sub.close();
    }
  }, 60_000);
});
