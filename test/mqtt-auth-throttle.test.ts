import type { Logger } from '../src/common/runtime';
import { makeConfig } from '../src/config/config';
import { signUp, startTestApp, type TestApp } from './support/app';
import { end, endAll, tryConnect } from './support/mqtt';

/** Issue #10: failed MQTT authentications back off per client id and per address; refusals take equal time. */
describe('MQTT authentication throttle', () => {
  let app: TestApp;
  let alice: { token: string };
  const warnings: string[] = [];
  const log: Logger = { error: () => undefined, warn: (m) => warnings.push(m), info: () => undefined, debug: () => undefined };
  const base = makeConfig({ dataDir: '/tmp' }).throttle;
  const LIMIT = 3;

  beforeAll(async () => {
    app = await startTestApp({
      app: { log },
      config: { throttle: { ...base, mqttAuth: { maxFailures: LIMIT, maxFailuresPerAddress: 0, windowSeconds: 60, blockSeconds: 1 } } },
    });
    alice = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  const newDevice = async () => {
    const r = await app.gql('mutation{ createDevice(input:{name:"dev"}){ id deviceNumber username credentials { deviceKey } } }', {}, alice.token);
    const d = r.data.createDevice;
    return { id: d.id as string, deviceNumber: d.deviceNumber as string, username: d.username as string, key: d.credentials.deviceKey as string };
  };
  const lookups = () => app.services.messageServer.authCacheStats.misses;

  it('evaluates at most the configured number of wrong keys per client id, refuses the rest unchecked, then accepts the right key', async () => {
    const d = await newDevice();
    const wrong = { ...d, key: 'f'.repeat(36) };
    const before = lookups();
    const codes: number[] = [];
    // 20 wrong keys at once, MQTT 3.1.1: 4 = checked and wrong, 3 = throttled (server unavailable).
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => tryConnect(app, wrong)));
    for (const o of outcomes) codes.push(o.code ?? -1);
    const evaluated = codes.filter((c) => c === 4).length;
    const throttled = codes.filter((c) => c === 3).length;
    expect({ evaluated, throttled }).toEqual({ evaluated: LIMIT, throttled: 20 - LIMIT });
    // Only the evaluated attempts looked the credentials up.
    expect(lookups() - before).toBe(LIMIT);
    expect(warnings.some((w) => w.startsWith(`mqtt-auth: too many failed attempts for client id "${d.deviceNumber}"`))).toBe(true);

    // MQTT 5: 0x9F Connection rate exceeded; the right key too, while the back-off lasts.
    const v5 = await tryConnect(app, d, { protocolVersion: 5 });
    expect(v5).toMatchObject({ connected: false, code: 0x9f });
    const blockedAt = Date.now();

    // The back-off ends by itself (attempts during it do not extend it): poll with the right key until accepted.
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const o = await tryConnect(app, d);
      if (o.connected) {
        await end(o.client);
        break;
      }
      expect(o.code).toBe(3);
      await new Promise((r) => setTimeout(r, 100));
    }
    const waited = Date.now() - blockedAt;
    expect(waited).toBeLessThan(3000);
    expect(lookups() - before).toBe(LIMIT + 1);

    // A success forgets the client id's failures: LIMIT more wrong keys are evaluated again.
    const again = [];
    for (let i = 0; i < LIMIT + 1; i++) again.push((await tryConnect(app, wrong)).code);
    expect(again).toEqual([...Array<number>(LIMIT).fill(4), 3]);
    console.info(`MQTT throttle: 20 wrong keys → ${evaluated} evaluated, ${throttled} throttled; right key accepted after ${waited} ms (${attempts} polls)`);
  });

  it('throttles one client id without touching another', async () => {
    const [a, b] = [await newDevice(), await newDevice()];
    for (let i = 0; i <= LIMIT; i++) await tryConnect(app, { ...a, key: 'e'.repeat(36) });
    expect((await tryConnect(app, a)).code).toBe(3);
    const o = await tryConnect(app, b);
    expect(o.connected).toBe(true);
    await end(o.client);
  });
});

describe('MQTT authentication throttle per address', () => {
  let app: TestApp;
  let alice: { token: string };
  const base = makeConfig({ dataDir: '/tmp' }).throttle;

  beforeAll(async () => {
    app = await startTestApp({ config: { throttle: { ...base, mqttAuth: { maxFailures: 100, maxFailuresPerAddress: 5, windowSeconds: 60, blockSeconds: 60 } } } });
    alice = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  it('refuses an address after too many failures, whatever the client id; successes do not count', async () => {
    const r = await app.gql('mutation{ createDevice(input:{name:"dev"}){ deviceNumber username credentials { deviceKey } } }', {}, alice.token);
    const d = r.data.createDevice;
    const good = { deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey };
    // Many good connects from one address add nothing up.
    for (let i = 0; i < 8; i++) {
      const o = await tryConnect(app, good);
      expect(o.connected).toBe(true);
      await end(o.client);
    }
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push((await tryConnect(app, { deviceNumber: `probe-${i}`, username: 'u', key: 'k' })).code);
    expect(codes).toEqual([4, 4, 4, 4, 4, 3, 3, 3]);
    expect((await tryConnect(app, good)).code).toBe(3);
  });
});

describe('equal-time refusals', () => {
  let app: TestApp;
  let alice: { token: string };
  const base = makeConfig({ dataDir: '/tmp' }).throttle;

  beforeAll(async () => {
    app = await startTestApp({ config: { throttle: { ...base, mqttAuth: { ...base.mqttAuth, maxFailures: 0 } } } });
    alice = await signUp(app);
  });
  afterEach(() => endAll());
  afterAll(() => app.stop());

  const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;
  const median = (xs: number[]) => quantile(xs, 0.5);
  /**
   * On a loaded machine the times are bimodal (a few ms more whenever the CPU is taken), and which mode the median
   * falls in is chance; the lower quartile stays in the fast mode, so the assertion is on it. Medians are reported.
   */
  const lowerQuartile = (xs: number[]) => quantile(xs, 0.25);
  /** Milliseconds from opening the connection to the refusing CONNACK. */
  const refusalMs = async (login: { deviceNumber: string; username: string; key: string }) => {
    const started = process.hrtime.bigint();
    const o = await tryConnect(app, login);
    expect(o.code).toBe(4);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };

  it('refuses an unknown client id as slowly as a known one with a wrong key', async () => {
    const r = await app.gql('mutation{ createDevice(input:{name:"dev"}){ deviceNumber username } }', {}, alice.token);
    const d = r.data.createDevice;
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved in random order, so drift and periodic work (other load on the machine, batch flushes) hit both
    // alike; the first rounds warm up.
    for (let i = 0; i < 55; i++) {
      const knownFirst = Math.random() < 0.5;
      const probeKnown = () => refusalMs({ deviceNumber: d.deviceNumber, username: d.username, key: 'f'.repeat(36) });
      const probeUnknown = () => refusalMs({ deviceNumber: `${d.deviceNumber.slice(0, -4)}zzz${i % 10}`, username: d.username, key: 'f'.repeat(36) });
      const first = await (knownFirst ? probeKnown() : probeUnknown());
      const second = await (knownFirst ? probeUnknown() : probeKnown());
      const [k, u] = knownFirst ? [first, second] : [second, first];
      if (i >= 5) {
        known.push(k);
        unknown.push(u);
      }
    }
    const [mk, mu] = [median(known), median(unknown)];
    const [qk, qu] = [lowerQuartile(known), lowerQuartile(unknown)];
    console.info(
      `refusals over ${known.length} attempts: medians known client id ${mk.toFixed(2)} ms, unknown ${mu.toFixed(2)} ms (ratio ${(mk / mu).toFixed(2)}); lower quartiles ${qk.toFixed(2)} / ${qu.toFixed(2)} ms`,
    );
    // Generous: the machine is shared (quiet, the median ratio measures 1.05–1.2).
    expect(qk / qu).toBeLessThan(1.5);
    expect(qu / qk).toBeLessThan(1.5);
  });

  it('does the same registry work for an unknown client id as for a known one (credential check alone)', async () => {
    const r = await app.gql('mutation{ createDevice(input:{name:"dev"}){ deviceNumber username } }', {}, alice.token);
    const d = r.data.createDevice;
    const creds = app.services.credentials;
    const time = async (clientId: string) => {
      const started = process.hrtime.bigint();
      const check = await creds.verifyDeviceCredentials(clientId, d.username, 'f'.repeat(36));
      expect(check.ok).toBe(false);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 210; i++) {
      const k = await time(d.deviceNumber);
      const u = await time(`nobody-${i}`);
      if (i >= 10) {
        known.push(k);
        unknown.push(u);
      }
    }
    const [mk, mu] = [median(known), median(unknown)];
    const [qk, qu] = [lowerQuartile(known), lowerQuartile(unknown)];
    console.info(
      `credential checks over ${known.length} calls: medians known client id ${(mk * 1000).toFixed(0)} µs, unknown ${(mu * 1000).toFixed(0)} µs (ratio ${(mk / mu).toFixed(2)}); lower quartiles ${(qk * 1000).toFixed(0)} / ${(qu * 1000).toFixed(0)} µs`,
    );
    // Measured: about 1.35 (entity hydration of the rows found); 2.0 before unknown ids got the same lookups.
    expect(qk / qu).toBeLessThan(1.75);
    expect(qu / qk).toBeLessThan(1.75);
  });
});
