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
      // Every SQL statement TypeORM runs goes through its query runner's query().
      const runner = app.services.ds.createQueryRunner();
      const proto = Object.getPrototypeOf(runner) as { query: (...args: unknown[]) => Promise<unknown> };
      await runner.release();
      const spy = jest.spyOn(proto, 'query');
      try {
        const r = await app.gql('{ devices(first: 50) { totalCount nodes { id credentials { deviceKey } } } }', {}, token);
        expect(r.errors).toBeUndefined();
        for (const n of r.data.devices.nodes) expect(n.credentials.deviceKey).toMatch(/^[0-9a-f]{36}$/);
        return { count: spy.mock.calls.length, devices: r.data.devices.totalCount as number };
      } finally {
        spy.mockRestore();
      }
    };
    for (let i = 0; i < 2; i++) await app.gql(`mutation{ createDevice(input:{name:"d${i}"}){ id } }`, {}, token);
    const small = await statements();
    for (let i = 2; i < 30; i++) await app.gql(`mutation{ createDevice(input:{name:"d${i}"}){ id } }`, {}, token);
    const large = await statements();
    expect(small.devices).toBe(2);
    expect(large.devices).toBe(30);
    expect(small.count).toBeGreaterThanOrEqual(3); // auth, count, page, credentials
    expect(large.count).toBe(small.count);
  });
});
