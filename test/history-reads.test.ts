import fs from 'node:fs';

import type { MqttClient } from 'mqtt';

import { planTopicFilter, TOPIC_PREFIX_CHARS, topicFilterRegex, topicMatches, topicPrefix } from '../src/common/topics';
import { type DbKind, errorCode, signUp, startTestApp, tempDir, type TestApp } from './support/app';
import { connect, endAll } from './support/mqtt';

/** History queries run off the event loop, are cut at the statement timeout, and count only when asked. */

async function newDevice(app: TestApp, token: string) {
  const r = await app.gql('mutation{ createDevice(input:{name:"dev"}){ id deviceNumber username credentials { deviceKey } } }', {}, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  const d = r.data.createDevice;
  return { id: d.id as string, deviceNumber: d.deviceNumber as string, username: d.username as string, key: d.credentials.deviceKey as string };
}

/** `rows` device events straight into the database (not through the message server): many, fast. */
async function seed(app: TestApp, organizationId: string, deviceId: string, rows: number): Promise<void> {
  const pg = app.config.database.type === 'postgres';
  const topic = `'sensors/room' || (i % 50) || '/temp'`;
  const select = `SELECT ${pg ? "lpad(i::text, 12, '0')" : "printf('%012d', i)"}, '${organizationId}', '${deviceId}', ${topic}, ${topic}, '1', 'UTF8', 0, ${pg ? 'false' : '0'}, 1, ${Date.now() - rows} + i`;
  const into = 'INSERT INTO device_events (id, organization_id, device_id, topic, topic_prefix, payload, payload_encoding, qos, retain, size, time)';
  if (pg) await app.services.ds.query(`${into} ${select} FROM generate_series(0, ${rows - 1}) AS s(i)`);
  else await app.services.ds.query(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows - 1}) ${into} ${select} FROM n`);
}

/** Sends PINGREQs back to back (one outstanding at a time) until `stop()`, which returns every round trip in ms. */
function pingLoop(client: MqttClient): { stop: () => number[] } {
  const rtts: number[] = [];
  let running = true;
  let sentAt = 0;
  const ping = () => {
    sentAt = performance.now();
    client.stream.write(Buffer.from([0xc0, 0x00]));
  };
  const onPacket = (p: { cmd: string }) => {
    if (p.cmd !== 'pingresp') return;
    rtts.push(performance.now() - sentAt);
    // A few hundred round trips per second: enough to see a stall, without the garbage (and GC pauses, in this
    // process that also runs the server) of pinging flat out.
    if (running) setTimeout(ping, 2);
  };
  client.on('packetreceive', onPacket);
  ping();
  return {
    stop: () => {
      running = false;
      client.removeListener('packetreceive', onPacket);
      return rtts;
    },
  };
}

/** A filter starting with a wildcard has no literal prefix: its regular expression runs on every row of the owner. */
const SCAN = 'query($since: DateTimeISO) { deviceEvents(first: 5, filter: { topic: "+/nomatch", since: $since }) { nodes { id } } }';
const ROWS = 150_000;
/** One operation, many full scans (within the default alias and cost limits). */
const ALIASES = 10;
const HEAVY = `{ ${Array.from({ length: ALIASES }, (_, i) => `q${i}: deviceEvents(first: 5, filter: { topic: "+/nomatch" }) { nodes { id } }`).join(' ')} }`;

describe('history queries on SQLite (worker threads)', () => {
  const dataDir = tempDir();
  let app: TestApp;
  let alice: { token: string; id: string; orgId: string };
  let device: Awaited<ReturnType<typeof newDevice>>;

  beforeAll(async () => {
    app = await startTestApp({ dataDir, config: { reads: { workers: 2, queryTimeoutMs: 20_000, readYourWritesMs: 200 } } });
    alice = await signUp(app);
    device = await newDevice(app, alice.token);
    await seed(app, alice.orgId, device.id, ROWS);
  });
  afterAll(async () => {
    await endAll();
    await app?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('10 s of history queries through GraphQL never hold up MQTT: PINGREQ round trips stay under 50 ms meanwhile (at most two outliers)', async () => {
    const client = await connect(app, device);
    // Read workers start on first use (once per app) and the document is parsed once: not measured here.
    await app.gql(SCAN, { since: new Date().toISOString() }, alice.token);
    const pings = pingLoop(client);
    const started = performance.now();
    let operations = 0;
    // Heavy operations back to back, each scanning every row once per alias, for 10 s.
    while (performance.now() - started < 10_000) {
      const r = await app.gql(HEAVY, {}, alice.token);
      expect(r.errors).toBeUndefined();
      expect(r.data.q0.nodes).toEqual([]);
      operations += 1;
    }
    const took = performance.now() - started;
    const rtts = pings.stop();
    const worst = rtts.reduce((a, b) => Math.max(a, b), 0);

    console.log(
      `history queries through GraphQL for ${Math.round(took)} ms (${operations} operations × ${ALIASES} scans of ${ROWS} rows); ` +
        `${rtts.length} PINGREQ round trips meanwhile, max ${worst.toFixed(1)} ms`,
    );
    expect(rtts.length).toBeGreaterThan(100);
    // One scan of these rows takes ~100 ms of a worker: run on the event loop, the 200-odd scans would put as many round
    // trips over 50 ms. A shared 2-core machine (and this process's own GC) may stall any one of them once in a while.
    const slow = rtts.filter((rtt) => rtt >= 50);
    expect(slow.length).toBeLessThanOrEqual(2);
    expect(worst).toBeLessThan(200);
    // On a loaded machine the workers (low CPU priority) are slower: the last operation may end well after 10 s.
  }, 120_000);

  it('counts only when totalCount is selected', async () => {
    const pool = app.services.reader.pool;
    const spy = jest.spyOn(pool, 'all');
    try {
      const without = await app.gql('{ deviceEvents(first: 2) { nodes { id } pageInfo { hasNextPage } } }', {}, alice.token);
      expect(without.data.deviceEvents.pageInfo.hasNextPage).toBe(true);
      expect(spy.mock.calls.map(([sql]) => sql).filter((sql) => /COUNT\(/.test(sql))).toHaveLength(0);
      const withCount = await app.gql('{ deviceEvents(first: 2, filter: { topic: "sensors/room7/#" }) { totalCount nodes { topic } } }', {}, alice.token);
      expect(withCount.data.deviceEvents.totalCount).toBe(ROWS / 50);
      expect(withCount.data.deviceEvents.nodes).toEqual([{ topic: 'sensors/room7/temp' }, { topic: 'sensors/room7/temp' }]);
      expect(spy.mock.calls.map(([sql]) => sql).filter((sql) => /COUNT\(/.test(sql))).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it("filters topics on the organization's time index (no index per topic), long and non-ASCII topics included", async () => {
    const client = await connect(app, device);
    const long = 'z/' + 'é'.repeat(TOPIC_PREFIX_CHARS) + '/😀/end';
    for (const t of [long, `${long}/below`, 'z/short', 'z/short/a/b', 'z/shorter']) await client.publishAsync(t, 'x', { qos: 1 });
    const topics = async (filter: string) =>
      (
        (await app.gql('query($t:String){ deviceEvents(first: 50, filter: { topic: $t }) { totalCount nodes { topic } } }', { t: filter }, alice.token)).data.deviceEvents.nodes as Array<{
          topic: string;
        }>
      )
        .map((n) => n.topic)
        .sort();
    expect(await topics(long)).toEqual([long]);
    expect(await topics(`${long}/#`)).toEqual([long, `${long}/below`]);
    expect(await topics(`${long}/+`)).toEqual([`${long}/below`]);
    expect(await topics('z/short/#')).toEqual(['z/short', 'z/short/a/b']);
    expect(await topics('z/+/a/#')).toEqual(['z/short/a/b']);
    expect(await topics('z/+')).toEqual(['z/short', 'z/shorter']);
    const plan = app.services.ds.createQueryRunner();
    try {
      const explain = (await plan.query(
        "EXPLAIN QUERY PLAN SELECT id FROM device_events WHERE organization_id = ? AND topic_prefix >= 'z/short' AND topic_prefix < 'z/short0' ORDER BY time DESC LIMIT 21",
        [alice.id],
      )) as Array<{ detail: string }>;
      // Issue #11: two indexes on device events; a topic filter reads the organization's rows newest first.
      expect(explain.map((e) => e.detail).join(' ')).toMatch(/ix_device_events_owner_time/);
    } finally {
      await plan.release();
    }
  });

  it('cuts a query over PORTICO_QUERY_TIMEOUT_MS with QUERY_TIMEOUT, and keeps answering', async () => {
    await app.stop();
    app = await startTestApp({ dataDir, config: { reads: { workers: 1, queryTimeoutMs: 50, readYourWritesMs: 200 } } });
    const started = performance.now();
    const r = await app.gql(SCAN, {}, alice.token);
    const took = performance.now() - started;
    expect(errorCode(r)).toBe('QUERY_TIMEOUT');
    expect(r.errors![0]!.message).toMatch(/^The query ran longer than 50 ms and was stopped/);
    expect(r.errors![0]!.message).not.toMatch(/SELECT|SQLITE|device_events/i);
    expect(r.data).toBeNull();
    expect(took).toBeLessThan(2000);
    // The stopped worker is replaced: a quick query right after is answered.
    const quick = await app.gql('{ deviceEvents(first: 1) { nodes { topic } } }', {}, alice.token);
    expect(quick.data.deviceEvents.nodes).toHaveLength(1);
  });
});

describe.each<DbKind>(['postgres'])('history queries on %s (read pool with statement_timeout)', (db) => {
  let app: TestApp;
  afterAll(() => app?.stop());

  it('cuts a query over the timeout with QUERY_TIMEOUT', async () => {
    app = await startTestApp({ db, config: { reads: { workers: 2, queryTimeoutMs: 5, readYourWritesMs: 200 } } });
    const alice = await signUp(app);
    const device = await newDevice(app, alice.token);
    await seed(app, alice.orgId, device.id, 100_000);
    const r = await app.gql('{ deviceEvents(first: 5, filter: { topic: "+/nomatch" }) { totalCount nodes { id } } }', {}, alice.token);
    expect(errorCode(r)).toBe('QUERY_TIMEOUT');
    expect(r.errors![0]!.message).not.toMatch(/statement|cancel|SELECT/i);
  });
});

describe('topic filter plans', () => {
  const topics = ['a', 'a/b', 'a/b/c', 'a/bc', 'a/b!', 'a/b.c', 'a/b0', 'a/b/', '/a', '/', 'b/b/c', 'a/x/c', 'a/b/c/d', 'é/ü', 'é/ü/😀'];

  /** The plan, evaluated the way the SQL does (byte-wise prefix comparisons), agrees with topicMatches. */
  function planMatches(filter: string, topic: string): boolean {
    const plan = planTopicFilter(filter);
    if (plan.all) return true;
    const prefix = topicPrefix(topic);
    const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    if (plan.prefix && 'eq' in plan.prefix && prefix !== plan.prefix.eq) return false;
    if (plan.prefix && 'lo' in plan.prefix && (cmp(prefix, plan.prefix.lo) < 0 || cmp(prefix, plan.prefix.hi) >= 0)) return false;
    if (plan.exact != null) return topic === plan.exact;
    if (plan.startsWith != null) return topic.startsWith(plan.startsWith) || topic === plan.parent;
    return new RegExp(plan.regex!, 's').test(topic);
  }

  it.each(['#', 'a', 'a/#', 'a/b/#', 'a/+', 'a/+/c', '+/b/c', '+', '+/+', '/#', 'a/b/+/#', 'é/#', 'é/+/😀'])('%s matches what topicMatches matches', (filter) => {
    for (const topic of topics) expect([topic, planMatches(filter, topic)]).toEqual([topic, topicMatches(filter, topic)]);
  });

  it('pins the prefix of literals longer than the prefix column and uses no index for a leading wildcard', () => {
    const long = 'x'.repeat(TOPIC_PREFIX_CHARS + 10);
    expect(planTopicFilter(`${long}/#`).prefix).toEqual({ eq: 'x'.repeat(TOPIC_PREFIX_CHARS) });
    expect(planTopicFilter('a/b/#').prefix).toEqual({ lo: 'a/b', hi: 'a/b0' });
    expect(planTopicFilter('+/b').prefix).toBeNull();
    expect(planTopicFilter('+/b').regex).toBe(topicFilterRegex('+/b'));
    // A surrogate pair is never split.
    expect(topicPrefix('a'.repeat(TOPIC_PREFIX_CHARS - 1) + '😀😀')).toBe('a'.repeat(TOPIC_PREFIX_CHARS - 1) + '😀');
  });
});
