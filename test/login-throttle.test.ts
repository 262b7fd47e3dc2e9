import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

import { Redis } from 'ioredis';

import type { Logger } from '../src/common/runtime';
import { makeConfig, type ThrottleConfig } from '../src/config/config';
import { addressKey, httpClientAddress } from '../src/security/address';
import { signUp, startTestApp, type TestApp } from './support/app';

const PASSWORD = 'correct horse battery';
const LOGIN = 'mutation($e:String!,$p:String!){ logIn(email:$e,password:$p){ token } }';

interface Answer {
  ok: boolean;
  code?: string;
  retryAfterMs?: number;
  retryAfterSeconds?: number;
}

/** logIn over HTTP, from `from` (X-Forwarded-For; the app trusts it only when configured to). */
async function logIn(app: TestApp, email: string, password: string, from?: string): Promise<Answer> {
  const res = await fetch(app.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
    body: JSON.stringify({ query: LOGIN, variables: { e: email, p: password } }),
  });
  const body = (await res.json()) as { data?: { logIn: { token: string } }; errors?: Array<{ extensions: Record<string, any> }> };
  if (body.data?.logIn) return { ok: true };
  const ext = body.errors![0]!.extensions;
  return { ok: false, code: ext.code, retryAfterMs: ext.retryAfterMs, retryAfterSeconds: ext.retryAfterSeconds };
}

const throttle = (login: Partial<ThrottleConfig['login']>, extra: Partial<ThrottleConfig> = {}): ThrottleConfig => {
  const base = makeConfig({ dataDir: '/tmp' }).throttle;
  return { ...base, ...extra, login: { ...base.login, ...login } };
};

/** Issue #10: failed logins back off per account and per remote address. */
describe('login throttle', () => {
  let app: TestApp;
  const warnings: string[] = [];
  const log: Logger = { error: () => undefined, warn: (m) => warnings.push(m), info: () => undefined, debug: () => undefined };
  const LIMIT = 5;

  beforeAll(async () => {
    app = await startTestApp({
      app: { log },
      config: { throttle: throttle({ maxFailures: LIMIT, maxFailuresPerAddress: 20, windowSeconds: 60, blockSeconds: 3 }, { trustProxy: true }) },
    });
  });
  afterAll(() => app.stop());

  it('evaluates at most the configured number of 100 wrong passwords, refuses the rest, then accepts the right one', async () => {
    const { email } = await signUp(app);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 100 }, () => logIn(app, email, 'wrong password!', '10.0.0.1')));
    const elapsed = Date.now() - started;
    const evaluated = answers.filter((a) => a.code === 'UNAUTHENTICATED').length;
    const refused = answers.filter((a) => a.code === 'TOO_MANY_REQUESTS');
    expect(evaluated + refused.length).toBe(100);
    // At most LIMIT per block period (3 s) that the burst spanned.
    expect(evaluated).toBeLessThanOrEqual(LIMIT * (1 + Math.floor(elapsed / 3000)));
    expect(evaluated).toBeGreaterThanOrEqual(LIMIT);
    for (const r of refused) {
      expect(r.retryAfterMs).toBeGreaterThan(0);
      expect(r.retryAfterMs).toBeLessThanOrEqual(3000);
      expect(r.retryAfterSeconds).toBeLessThanOrEqual(3);
    }
    expect(warnings.some((w) => w.startsWith(`login: too many failed attempts for account "${email}"`))).toBe(true);

    // The right password too while the back-off lasts; then, once the time the server named has passed, it is accepted.
    const during = await logIn(app, email, PASSWORD, '10.0.0.1');
    expect(during.code).toBe('TOO_MANY_REQUESTS');
    await new Promise((r) => setTimeout(r, during.retryAfterMs! + 20));
    expect(await logIn(app, email, PASSWORD, '10.0.0.1')).toEqual({ ok: true });

    // The success reset the account: LIMIT wrong passwords are evaluated again before the next refusal.
    const again = [];
    for (let i = 0; i <= LIMIT; i++) again.push((await logIn(app, email, 'wrong password!', '10.0.0.9')).code);
    expect(again).toEqual([...Array<string>(LIMIT).fill('UNAUTHENTICATED'), 'TOO_MANY_REQUESTS']);
    console.info(`login throttle: 100 wrong passwords in ${elapsed} ms → ${evaluated} evaluated, ${refused.length} refused with TOO_MANY_REQUESTS`);
  });

  it('refuses an address after too many failures, whatever the account; other addresses still log in', async () => {
    const { email } = await signUp(app);
    const codes = [];
    for (let i = 0; i < 22; i++) codes.push((await logIn(app, `nobody${i}@example.com`, 'wrong password!', '10.0.0.2')).code);
    expect(codes).toEqual([...Array<string>(20).fill('UNAUTHENTICATED'), 'TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
    expect((await logIn(app, email, PASSWORD, '10.0.0.2')).code).toBe('TOO_MANY_REQUESTS');
    expect(await logIn(app, email, PASSWORD, '10.0.0.3')).toEqual({ ok: true });
  });

  it('takes the address from the socket, and from X-Forwarded-For only when told to trust it', () => {
    expect(httpClientAddress('127.0.0.1', '10.1.1.1', false)).toBe('127.0.0.1');
    expect(httpClientAddress('127.0.0.1', '6.6.6.6, 10.1.1.1', true)).toBe('10.1.1.1');
    expect(httpClientAddress('127.0.0.1', 'junk', true)).toBe('127.0.0.1');
    expect(addressKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
  });
});

/** With REDIS_URL the counters are shared by every instance. */
describe('login throttle in Redis', () => {
  const prefix = `portico-test-throttle-${process.pid}-${Date.now()}`;
  const config = { redisUrl: 'redis://127.0.0.1:6379', throttle: throttle({ maxFailures: 3, windowSeconds: 60, blockSeconds: 60 }, { redisKeyPrefix: prefix }), scaleOut: { redisKeyPrefix: prefix } };
  let a: TestApp;
  let b: TestApp;
  const redis = new Redis('redis://127.0.0.1:6379');

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp({ config }), startTestApp({ config })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('refuses on one instance what failed on another', async () => {
    const email = `shared-${Date.now()}@example.com`;
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await logIn(a, email, 'wrong password!')).code);
    codes.push((await logIn(b, email, 'wrong password!')).code);
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'TOO_MANY_REQUESTS']);
    expect(await redis.exists(`${prefix}:login:subject:${email}`)).toBe(1);
  });
});

/** A Redis outage does not switch the throttle off: an in-memory limiter stands in. */
describe('login throttle while Redis is down', () => {
  let redis: ChildProcess;
  let app: TestApp;
  const warnings: string[] = [];
  const log: Logger = { error: () => undefined, warn: (m) => warnings.push(m), info: () => undefined, debug: () => undefined };

  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    // A throwaway Redis of our own (the machine's one is never stopped).
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await new Promise<void>((resolve, reject) => {
      redis.stdout!.on('data', (d: Buffer) => d.toString().includes('Ready to accept connections') && resolve());
      redis.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
    });
    const base = makeConfig({ dataDir: '/tmp' });
    app = await startTestApp({
      app: { log },
      config: { redisUrl: `redis://127.0.0.1:${port}`, mqtt: { ...base.mqtt, enabled: false }, throttle: throttle({ maxFailures: 3, windowSeconds: 60, blockSeconds: 60 }) },
    });
  });
  afterAll(async () => {
    await app?.stop();
    if (redis.exitCode === null) redis.kill('SIGKILL');
  });

  it('keeps refusing after the limit', async () => {
    const exited = new Promise((resolve) => redis.once('exit', resolve));
    redis.kill('SIGKILL');
    await exited;
    const email = `outage-${Date.now()}@example.com`;
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await logIn(app, email, 'wrong password!')).code);
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
  });
});
