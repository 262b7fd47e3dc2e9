import { loadConfig } from '../src/config/config';
import { signUp, startTestApp, type TestApp } from './support/app';
import { subscribe, wsClient } from './support/ws';

const STATUS = 'subscription { deviceStatusChanged { id status } }';
const EVENTS = 'subscription ($d: ID) { deviceEventAdded(deviceId: $d) { id topic payload } }';

describe('graphql-ws subscription limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ config: { graphql: { ...loadConfig({}).graphql, maxSubscriptionsPerUser: 3, maxSubscriptionsPerSocket: 2 } } });
  });
  afterAll(() => app.stop());

  /** Resolves once the user's deviceStatusChanged subscribers satisfy `ok` (checked every event-loop turn). */
  const until = async (owner: string, ok: (n: number) => boolean) => {
    const deadline = Date.now() + 5000;
    while (!ok(app.services.pubSub.subscriberCount(`deviceStatus:${owner}`))) {
      if (Date.now() > deadline) throw new Error(`subscriber count stays ${app.services.pubSub.subscriberCount(`deviceStatus:${owner}`)}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  const atMost = (owner: string, n: number) => until(owner, (c) => c <= n);
  const statusSubscribers = (owner: string, n: number) => until(owner, (c) => c >= n);

  it('refuses the subscription over the per-user limit (LIMIT_EXCEEDED), keeps the socket, and counts down on completion', async () => {
    const user = await signUp(app);
    const open = [subscribe(app.graphqlUrl, user.token, STATUS), subscribe(app.graphqlUrl, user.token, STATUS), subscribe(app.graphqlUrl, user.token, STATUS)];
    const client = wsClient(app.graphqlUrl, user.token);
    try {
      await statusSubscribers(user.orgId, 3);
      // The fourth, on another socket: refused as an operation error.
      const refused = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: STATUS }, { next: () => undefined, error: resolve, complete: () => resolve('complete') });
      });
      expect(refused).toEqual([expect.objectContaining({ extensions: { code: 'LIMIT_EXCEEDED', maxSubscriptionsPerUser: 3 } })]);
      // The same socket still works for a query.
      const me = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: '{ me { id } }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(me).toEqual({ data: { me: { id: user.id } } });

      // Another user is not affected.
      const other = await signUp(app);
      const theirs = subscribe(app.graphqlUrl, other.token, STATUS);
      await statusSubscribers(other.orgId, 1);
      await theirs.close();

      // One completes (client side): a new one is accepted.
      await open.pop()!.close();
      await atMost(user.orgId, 2);
      const again = subscribe(app.graphqlUrl, user.token, STATUS);
      open.push(again);
      await statusSubscribers(user.orgId, 3);
    } finally {
      await client.dispose();
      await Promise.all(open.map((s) => s.close()));
    }
  });

  it('counts down when a socket closes, and caps subscriptions per socket', async () => {
    const user = await signUp(app);
    const client = wsClient(app.graphqlUrl, user.token);
    const errors: unknown[] = [];
    const sink = { next: () => undefined, error: (e: unknown) => errors.push(e), complete: () => undefined };
    client.subscribe({ query: STATUS }, sink);
    client.subscribe({ query: EVENTS }, sink);
    const third = await new Promise<unknown>((resolve) => client.subscribe({ query: STATUS }, { ...sink, error: resolve }));
    expect(third).toEqual([expect.objectContaining({ extensions: { code: 'LIMIT_EXCEEDED', maxSubscriptionsPerSocket: 2 } })]);
    await statusSubscribers(user.orgId, 1);
    // Closing the socket frees both: three new ones on other sockets are accepted.
    const closed = new Promise<void>((resolve) => client.on('closed', () => resolve()));
    await client.dispose();
    await closed;
    await atMost(user.orgId, 0);
    const subs = [subscribe(app.graphqlUrl, user.token, STATUS), subscribe(app.graphqlUrl, user.token, STATUS), subscribe(app.graphqlUrl, user.token, STATUS)];
    try {
      await statusSubscribers(user.orgId, 3);
      expect(subs.map((s) => s.pending())).toEqual([0, 0, 0]);
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
    expect(errors).toEqual([]);
  });

  it('costs subscriptions before they run', async () => {
    const user = await signUp(app);
    const deep = `subscription { deviceEventAdded { device { events(first: 100) { nodes { device { events(first: 100) { nodes { id } } } } } } } }`;
    const s = subscribe(app.graphqlUrl, user.token, deep);
    try {
      const r = await s.next();
      expect(r.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', cost: 1 + 1 + 1 + 100 + 100 + 100 + 10000, maxCost: 10000 });
    } finally {
      await s.close();
    }
  });
});
