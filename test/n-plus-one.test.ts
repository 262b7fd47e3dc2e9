import { sqliteConnection } from '../src/db';
import { signUp, startTestApp, type TestApp } from './support/app';

describe('relation fields are batched', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('devices { credentials } costs the same number of SQL statements for 2 or 30 devices', async () => {
    const { token } = await signUp(app);
    const statements = async () => {
      // Every SQL statement, TypeORM's and the raw reads of hot lists, is a better-sqlite3 statement's all/get/run.
      const proto = Object.getPrototypeOf(sqliteConnection(app.services.ds)!.prepare('SELECT 1')) as Record<'all' | 'get' | 'run', (...args: unknown[]) => unknown>;
      const spies = (['all', 'get', 'run'] as const).map((m) => jest.spyOn(proto, m));
      try {
        const r = await app.gql('{ devices(first: 50) { totalCount nodes { id credentials { deviceKey } } } }', {}, token);
        expect(r.errors).toBeUndefined();
        for (const n of r.data.devices.nodes) expect(n.credentials.deviceKey).toMatch(/^[0-9a-f]{36}$/);
        return { count: spies.reduce((n, spy) => n + spy.mock.calls.length, 0), devices: r.data.devices.totalCount as number };
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    };
    for (let i = 0; i < 2; i++) await app.gql(`mutation{ createDevice(input:{name:"d${i}"}){ id } }`, {}, token);
    const small = await statements();
    for (let i = 2; i < 30; i++) await app.gql(`mutation{ createDevice(input:{name:"d${i}"}){ id } }`, {}, token);
    const large = await statements();
    expect(small.devices).toBe(2);
    expect(large.devices).toBe(30);
    expect(small.count).toBeGreaterThanOrEqual(3); // count, page, credentials (and auth unless cached)
    expect(large.count).toBe(small.count);
  });
});
