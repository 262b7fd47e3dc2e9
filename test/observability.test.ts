import parsePrometheus, { type MetricFamily, type Sample } from 'parse-prometheus-text-format';

import { deviceStatusTopic } from '../src/devices/status-topic';
import { AppMetrics } from '../src/observability/metrics';
import { createTokenDevice, gqlOk, signUp, startTestApp, type TestApp, type TokenDevice } from './support/app';
import { closed, connect, end, endAll, tryConnect } from './support/mqtt';
import { type LiveSubscription, subscribe } from './support/ws';

/** Log lines captured from the app (its injected destination), parsed. */
class CapturedLog {
  readonly raw: string[] = [];
  readonly lines: Array<Record<string, any>> = [];
  private waiters: Array<{ match: (l: Record<string, any>) => boolean; resolve: (l: Record<string, any>) => void }> = [];

  write(chunk: string): void {
    for (const text of chunk.split('\n').filter(Boolean)) {
      this.raw.push(text);
      const line = JSON.parse(text) as Record<string, any>;
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => (w.match(line) ? (w.resolve(line), false) : true));
    }
  }

  find(match: (l: Record<string, any>) => boolean): Record<string, any> | undefined {
    return this.lines.find(match);
  }

  /** Resolves with the first line (logged so far or later) that matches. */
  next(match: (l: Record<string, any>) => boolean, timeoutMs = 5000): Promise<Record<string, any>> {
    const found = this.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching log line')), timeoutMs);
      this.waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }
}

interface Scrape {
  families: MetricFamily[];
  family(name: string): MetricFamily;
  sample(name: string, labels?: Record<string, string>): Sample;
  value(name: string, labels?: Record<string, string>): number;
  histogram(name: string, labels?: Record<string, string>): { count: number; sum: number; buckets: Map<string, number> };
}

const matches = (s: Sample, labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v);

/**
 * A Prometheus text exposition parsed with parse-prometheus-text-format. Its latest version (1.1.1) folds all label
 * sets of a histogram into one sample (buckets mixed, `_sum`/`_count` of labelled series lost), so histograms are
 * read from a second parse of the same text without their `# TYPE … histogram` lines, where their `_bucket`, `_sum`
 * and `_count` samples come out as plain labelled series.
 */
function parseExposition(text: string): Scrape {
  const families = parsePrometheus(text);
  const histograms = new Set(families.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name));
  const untyped = parsePrometheus(
    text
      .split('\n')
      .filter((l) => !(l.startsWith('# TYPE ') && histograms.has(l.split(' ')[2]!)))
      .join('\n'),
  );
  const samplesOf = (name: string) => untyped.filter((f) => f.name === name).flatMap((f) => f.metrics);
  const family = (name: string) => {
    const f = families.find((x) => x.name === name);
    if (!f) throw new Error(`no series ${name} in /metrics`);
    return f;
  };
  const sample = (name: string, labels: Record<string, string> = {}) => {
    const s = family(name).metrics.find((m) => matches(m, labels));
    if (!s) throw new Error(`no sample ${name}${JSON.stringify(labels)} in /metrics`);
    return s;
  };
  const histogram = (name: string, labels: Record<string, string> = {}) => {
    if (family(name).type !== 'HISTOGRAM') throw new Error(`${name} is not a histogram`);
    const one = (suffix: string) => {
      const found = samplesOf(name + suffix).filter((s) => matches(s, labels));
      if (found.length !== 1) throw new Error(`${found.length} samples ${name}${suffix}${JSON.stringify(labels)}`);
      return Number(found[0]!.value);
    };
    const buckets = new Map(
      samplesOf(`${name}_bucket`)
        .filter((s) => matches(s, labels))
        .map((s) => [s.labels!.le!, Number(s.value)]),
    );
    return { count: one('_count'), sum: one('_sum'), buckets };
  };
  return { families, family, sample, value: (name, labels) => Number(sample(name, labels).value), histogram };
}

/** GET /metrics, parsed. */
async function scrape(app: TestApp): Promise<Scrape> {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

const GQL_NAMED = 'query MyDevices { devices { totalCount } }';

describe('operations: /healthz, /metrics, JSON logs', () => {
  let app: TestApp;
  const log = new CapturedLog();
  let user: { token: string; id: string; orgId: string };
  let device: TokenDevice;
  let tested: TokenDevice;
  let live: LiveSubscription<unknown> | null = null;

  beforeAll(async () => {
    app = await startTestApp({ config: { logLevel: 'debug' }, app: { logDestination: log } });
    user = await signUp(app);
    device = await createTokenDevice(app, user.token, { name: 'observed' });
    tested = await createTokenDevice(app, user.token, { name: 'test client' });
  });

  afterAll(async () => {
    await live?.close();
    await endAll();
    await app?.stop();
  });

  it('GET /healthz answers 200 {"status":"ok"} without the database; /readyz stays beside it', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, storage: 'ok', shuttingDown: false });
  });

  it('after real traffic, /metrics has every series with values matching it', async () => {
    // MQTT: one device connects and subscribes to its own topics; one connect with a wrong key is refused.
    const client = await connect(app, device);
    await client.subscribeAsync('obs/#', { qos: 1 });
    const refused = await tryConnect(app, { ...device, key: 'not-the-key-0123456789' });
    expect(refused).toMatchObject({ connected: false, code: 4 }); // [MQTT-3.2.2-4] 3.1.1 return code 4
    // QoS 0 and QoS 1 publishes (payloads of 1 + 2 + 3 + 3 + 3 = 12 bytes), each delivered back to the device.
    const got: string[] = [];
    const allBack = new Promise<void>((resolve) => client.on('message', (_t, p) => got.push(p.toString()) === 5 && resolve()));
    await client.publishAsync('obs/a', 'a', { qos: 0 });
    await client.publishAsync('obs/b', 'bb', { qos: 0 });
    for (let i = 0; i < 3; i++) await client.publishAsync('obs/c', 'ccc', { qos: 1 });
    await allBack;

    // GraphQL over HTTP: a named query twice, a named query failing, an operation that does not parse.
    await gqlOk(app, GQL_NAMED, {}, user.token);
    await gqlOk(app, GQL_NAMED, {}, user.token);
    const missing = await app.gql('query Missing { device(id: "00000000-0000-0000-0000-000000000000") { id } }', {}, user.token);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const broken = await fetch(app.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Broken {', operationName: 'Broken' }) });
    expect(broken.status).toBe(400);

    // One graphql-ws subscription, open while scraped.
    live = subscribe(app.graphqlUrl, user.token, 'subscription Status { deviceStatusChanged { id status } }');
    await app.services.pubSub.whenSubscribed(deviceStatusTopic(user.orgId));

    // A test client session (connects over MQTT as the second device).
    const started = await gqlOk(app, 'mutation StartTest($d: ID!) { startTestClient(deviceId: $d) { id state } }', { d: tested.id }, user.token);
    expect(started.startTestClient.state).toBe('CONNECTED');

    await app.services.deviceEvents.writer.flush();
    await app.services.connectionLog.writer.flush();
    const m = await scrape(app);
    const instance = app.services.instanceId;
    for (const f of m.families) if (f.type !== 'HISTOGRAM') for (const s of f.metrics) expect(s.labels?.instance_id).toBe(instance);

    // Connections by listener (the device and the test client, both on plain MQTT), connects and refusals.
    expect(m.value('portico_mqtt_connections', { listener: 'MQTT' })).toBe(2);
    for (const listener of ['MQTTS', 'MQTTS_MUTUAL', 'WS', 'WSS']) expect(m.value('portico_mqtt_connections', { listener })).toBe(0);
    expect(m.value('portico_mqtt_connects_total', { listener: 'MQTT', result: 'accepted' })).toBe(2);
    expect(m.value('portico_mqtt_connects_total', { listener: 'MQTT', result: 'bad_credentials' })).toBe(1);
    expect(m.family('portico_mqtt_connects_total').metrics).toHaveLength(2);
    expect(m.value('portico_mqtt_auth_failures_total', { reason: 'bad_credentials' })).toBe(1);
    expect(m.family('portico_mqtt_auth_failures_total').metrics).toHaveLength(1);
    // Messages and payload bytes in and out.
    expect(m.value('portico_mqtt_messages_received_total')).toBe(5);
    expect(m.value('portico_mqtt_payload_bytes_received_total')).toBe(12);
    expect(m.value('portico_mqtt_messages_sent_total')).toBe(5);
    expect(m.value('portico_mqtt_payload_bytes_sent_total')).toBe(12);
    // Events written and dropped; the batch commits that wrote them.
    expect(m.value('portico_device_events_stored_total')).toBe(5);
    expect(m.value('portico_device_events_dropped_total')).toBe(0);
    expect(m.value('portico_connection_log_stored_total')).toBe(3); // 2 CONNECTED, 1 AUTH_FAILED
    expect(m.family('portico_batch_commit_seconds').type).toBe('HISTOGRAM');
    const commits = m.histogram('portico_batch_commit_seconds', { table: 'device_events', instance_id: instance });
    expect(commits.count).toBeGreaterThanOrEqual(1);
    expect(commits.count).toBeLessThanOrEqual(5);
    expect(commits.buckets.get('+Inf')).toBe(commits.count);
    expect(commits.sum).toBeGreaterThan(0);
    expect(m.histogram('portico_batch_commit_seconds', { table: 'connection_logs' }).count).toBeGreaterThanOrEqual(1);
    expect(m.value('portico_write_buffer_rows', { table: 'device_events' })).toBe(0);
    expect(m.value('portico_storage_available')).toBe(1);

    // GraphQL operations by name, type and result, and their durations.
    expect(m.value('portico_graphql_operations_total', { operation_name: 'MyDevices', type: 'query', result: 'ok' })).toBe(2);
    expect(m.value('portico_graphql_operations_total', { operation_name: 'Missing', type: 'query', result: 'error' })).toBe(1);
    expect(m.value('portico_graphql_operations_total', { operation_name: 'Broken', type: 'unknown', result: 'error' })).toBe(1);
    expect(m.value('portico_graphql_operations_total', { operation_name: 'StartTest', type: 'mutation', result: 'ok' })).toBe(1);
    // signUp and createDevice (twice) from the test helpers have no operation name.
    expect(m.value('portico_graphql_operations_total', { operation_name: 'anonymous', type: 'mutation', result: 'ok' })).toBe(3);
    const duration = m.histogram('portico_graphql_operation_duration_seconds', { operation_name: 'MyDevices', type: 'query', instance_id: instance });
    expect(duration.count).toBe(2);
    expect(duration.sum).toBeGreaterThan(0);
    expect(duration.buckets.get('10')).toBe(2);

    // Open subscriptions, test client sessions.
    expect(m.value('portico_graphql_subscriptions')).toBe(1);
    expect(m.value('portico_test_client_sessions')).toBe(1);

    // Node process metrics, prefixed; the series names of before still there.
    expect(m.value('portico_process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(m.value('portico_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(m.value('portico_nodejs_heap_size_used_bytes', {})).toBeGreaterThan(0);
    expect(m.family('portico_nodejs_eventloop_lag_seconds').type).toBe('GAUGE');
    expect(m.family('portico_process_start_time_seconds').type).toBe('GAUGE');

    // Ending them shows in the gauges.
    await live.close();
    live = null;
    await gqlOk(app, 'mutation($s: ID!) { stopTestClient(sessionId: $s) { id } }', { s: started.startTestClient.id }, user.token);
    const gone = closed(client);
    await end(client);
    await gone;
    await app.services.messageServer.settle();
    const after = await scrape(app);
    expect(after.value('portico_graphql_subscriptions')).toBe(0);
    expect(after.value('portico_test_client_sessions')).toBe(0);
    expect(after.value('portico_mqtt_connections', { listener: 'MQTT' })).toBe(0);
  });

  it('logs are JSON lines with level, time and instance id; MQTT lines carry the device id; HTTP requests carry a request id', async () => {
    const instanceId = app.services.instanceId;
    expect(log.lines.length).toBeGreaterThan(10);
    for (const line of log.lines) {
      expect(line).toMatchObject({ instanceId });
      expect(['error', 'warn', 'info', 'debug']).toContain(line.level);
      expect(new Date(line.time).toISOString()).toBe(line.time);
      expect(typeof line.msg).toBe('string');
    }
    expect(log.find((l) => l.msg.startsWith('Portico listening on'))).toMatchObject({ level: 'info', http: app.url });

    const connected = log.find((l) => l.msg === 'MQTT client connected' && l.deviceId === device.id);
    expect(connected).toMatchObject({ level: 'info', component: 'mqtt', clientId: device.deviceNumber, listener: 'MQTT', protocolVersion: 4 });
    expect(log.find((l) => l.msg === 'MQTT client connected' && l.deviceId === tested.id)).toBeDefined();
    expect(log.find((l) => l.msg === 'MQTT connection refused')).toMatchObject({ deviceId: device.id, clientId: device.deviceNumber, result: 'bad_credentials', reason: 'bad username or password' });
    expect(await log.next((l) => l.msg === 'MQTT client disconnected' && l.deviceId === device.id)).toMatchObject({ reason: 'client disconnect', listener: 'MQTT' });
    expect(log.find((l) => l.msg === 'test client starting')).toMatchObject({ deviceId: tested.id, component: 'testclient' });

    // A request id given by the client (when sane) is used and echoed; otherwise one is made.
    const res = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'lb-4711.abc' } });
    expect(res.headers.get('x-request-id')).toBe('lb-4711.abc');
    const line = await log.next((l) => l.msg === 'HTTP request' && l.requestId === 'lb-4711.abc');
    expect(line).toMatchObject({ level: 'debug', component: 'http', method: 'GET', path: '/healthz', status: 200 });
    expect(log.find((l) => l.msg === 'HTTP request' && l.path === '/graphql' && l.method === 'POST')).toMatchObject({ status: 200 });
    const odd = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'has spaces "and quotes"' } });
    const made = odd.headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    await log.next((l) => l.msg === 'HTTP request' && l.requestId === made);
  });

  it('an internal GraphQL error is logged at error level with the request id; the client gets a generic message', async () => {
    const devices = app.services.devices;
    const original = devices.list;
    devices.list = async () => {
      throw new Error('boom: the database said something internal');
    };
    try {
      const res = await fetch(app.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}`, 'x-request-id': 'req-internal-1' },
        body: JSON.stringify({ query: GQL_NAMED }),
      });
      const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      const line = await log.next((l) => l.msg === 'unexpected error in GraphQL operation');
      expect(line).toMatchObject({ level: 'error', component: 'graphql', requestId: 'req-internal-1', operationName: 'MyDevices', path: ['devices'] });
      expect(line.err.message).toBe('boom: the database said something internal');
      expect(line.err.stack).toContain('observability.test.ts');
    } finally {
      devices.list = original;
    }
    const m = await scrape(app);
    expect(m.value('portico_graphql_operations_total', { operation_name: 'MyDevices', type: 'query', result: 'error' })).toBe(1);
  });

  it('no device key, password or token ever reaches the log', async () => {
    const secrets = [device.key, tested.key, 'not-the-key-0123456789', 'correct horse battery', user.token];
    const all = log.raw.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});

describe('operation names as metric labels', () => {
  it('are bounded: anonymous ones are "anonymous", names past the first 200 and invalid ones "other"', async () => {
    const metrics = new AppMetrics('bounded');
    try {
      for (let i = 0; i < 250; i++) metrics.graphqlOperation(`Op${i}`, 'query', 'ok', 0.001);
      metrics.graphqlOperation('Op3', 'query', 'ok', 0.001);
      metrics.graphqlOperation(null, 'query', 'ok', 0.001);
      metrics.graphqlOperation('not a "name"', 'query', 'error', 0.001);
      const family = parseExposition(await metrics.metrics()).family('portico_graphql_operations_total');
      const byName = new Map(family.metrics.map((s) => [`${s.labels!.operation_name}/${s.labels!.result}`, Number(s.value)]));
      expect(family.metrics).toHaveLength(200 + 1 + 1 + 1);
      expect(byName.get('Op3/ok')).toBe(2);
      expect(byName.get('Op199/ok')).toBe(1);
      expect(byName.has('Op200/ok')).toBe(false);
      expect(byName.get('other/ok')).toBe(50);
      expect(byName.get('other/error')).toBe(1);
      expect(byName.get('anonymous/ok')).toBe(1);
    } finally {
      metrics.close();
    }
  });
});
