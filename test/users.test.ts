import { signToken } from '../src/auth/token';
import { errorCode, signUp, startTestApp, type TestApp } from './support/app';
import { subscribe } from './support/ws';

describe('users, tokens and API keys', () => {
  let app: TestApp;
  let now = new Date();
  beforeAll(async () => {
    app = await startTestApp({ app: { clock: () => now } });
  });
  afterAll(() => app.stop());

  it('signs up, logs in and answers me with the bearer token', async () => {
    const email = `Alice.${Date.now()}@Example.com`;
    const up = await app.gql('mutation($e:String!){ signUp(email:$e,password:"s3cret-pass"){ token expiresAt user { id email } } }', { e: email });
    expect(up.errors).toBeUndefined();
    expect(up.data.signUp.user.email).toBe(email.toLowerCase());

    const login = await app.gql('mutation($e:String!){ logIn(email:$e,password:"s3cret-pass"){ token user { id } } }', { e: email });
    expect(login.data.logIn.user.id).toBe(up.data.signUp.user.id);

    const me = await app.gql('{ me { id email } }', {}, login.data.logIn.token);
    expect(me.data.me).toEqual({ id: up.data.signUp.user.id, email: email.toLowerCase() });
  });

  it('stores passwords only as a slow salted hash', async () => {
    const { email } = await signUp(app);
    const rows = await app.services.ds.query('SELECT password_hash FROM users WHERE email = ?', [email]);
    expect(rows[0].password_hash).toMatch(/^scrypt\$\d+\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain('correct horse');
  });

  it('rejects bad sign-ups and wrong passwords with stable codes', async () => {
    const { email } = await signUp(app);
    const dup = await app.gql('mutation($e:String!){ signUp(email:$e,password:"another-pass"){ token } }', { e: email.toUpperCase() });
    expect(errorCode(dup)).toBe('CONFLICT');
    const bad = await app.gql('mutation{ signUp(email:"not-an-email",password:"another-pass"){ token } }');
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    const short = await app.gql('mutation{ signUp(email:"x@y.io",password:"short"){ token } }');
    expect(errorCode(short)).toBe('BAD_USER_INPUT');
    const wrong = await app.gql('mutation($e:String!){ logIn(email:$e,password:"wrong-password"){ token } }', { e: email });
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    const unknown = await app.gql('mutation{ logIn(email:"nobody@example.com",password:"whatever1"){ token } }');
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
    expect(unknown.errors![0]!.message).toBe(wrong.errors![0]!.message);
  });

  it('refuses missing, forged and expired tokens', async () => {
    const { token, id } = await signUp(app);
    expect(errorCode(await app.gql('{ me { id } }'))).toBe('UNAUTHENTICATED');
    const forged = (await signToken(Buffer.alloc(32, 7), id, 3600)).token;
    const refused = await app.gql('{ me { id } }', {}, forged);
    expect(refused.status).toBe(200);
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');
    // A bad credential does not break public operations such as logIn.
    const pub = await app.gql('mutation{ logIn(email:"nobody@example.com",password:"whatever1"){ token } }', {}, forged);
    expect(errorCode(pub)).toBe('UNAUTHENTICATED');
    expect((await app.gql('{ __typename }', {}, forged)).data).toEqual({ __typename: 'Query' });
    // A blank "Bearer " (an empty header editor) counts as no credential.
    expect(errorCode(await app.gql('{ me { id } }', {}, ' '))).toBe('UNAUTHENTICATED');
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect(errorCode(await app.gql('{ me { id } }', {}, tampered))).toBe('UNAUTHENTICATED');
    const saved = now;
    now = new Date(saved.getTime() + 3601 * 1000);
    try {
      expect(errorCode(await app.gql('{ me { id } }', {}, token))).toBe('UNAUTHENTICATED');
    } finally {
      now = saved;
    }
    expect((await app.gql('{ me { id } }', {}, token)).data.me.id).toBe(id);
  });

  it('creates API keys that authenticate, are listed without secrets and can be revoked', async () => {
    const { token, id, orgId } = await signUp(app);
    const created = await app.gql('mutation{ createApiKey(name:"ci script"){ key apiKey { id name prefix revokedAt } } }', {}, token);
    const { key, apiKey } = created.data.createApiKey;
    expect(key).toMatch(/^pk_/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);

    expect((await app.gql('{ me { id } }', {}, key)).data.me.id).toBe(id);
    const listed = await app.gql('{ apiKeys { id name prefix lastUsedAt revokedAt } }', {}, token);
    expect(listed.data.apiKeys).toHaveLength(1);
    expect(JSON.stringify(listed.data)).not.toContain(key);
    expect(listed.data.apiKeys[0].lastUsedAt).not.toBeNull();
    const stored = await app.services.ds.query('SELECT * FROM api_keys');
    expect(JSON.stringify(stored)).not.toContain(key);

    const other = await signUp(app);
    expect(errorCode(await app.gql('mutation($id:ID!){ revokeApiKey(id:$id){ id } }', { id: apiKey.id }, other.token))).toBe('NOT_FOUND');

    const live = subscribe(app.graphqlUrl, key, 'subscription{ deviceStatusChanged { id } }');
    await app.services.pubSub.whenSubscribed(`deviceStatus:${orgId}`);
    const revoked = await app.gql('mutation($id:ID!){ revokeApiKey(id:$id){ id revokedAt } }', { id: apiKey.id }, token);
    // Subscriptions opened with the key end with it.
    try {
      expect((await live.next()).errors?.[0]?.extensions).toMatchObject({ closeCode: 4403 });
    } finally {
      await live.close();
    }
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
    expect(errorCode(await app.gql('{ me { id } }', {}, key))).toBe('UNAUTHENTICATED');
  });

  it('closes a subscription socket when its session token expires', async () => {
    // Token times are whole seconds: a 1 s token signed late in a second expired within milliseconds, before the
    // subscription opened (refused with 4403 instead); a 2 s one lives at least 1 s.
    const short = await startTestApp({ config: { auth: { tokenTtlSeconds: 2, passwordHashCost: 1024 } } });
    try {
      const { token } = await signUp(short);
      const sub = subscribe(short.graphqlUrl, token, 'subscription{ deviceStatusChanged { id } }');
      try {
        const r = await sub.next(8000);
        expect(r.errors?.[0]?.extensions).toMatchObject({ closeCode: 4401 });
      } finally {
        await sub.close();
      }
    } finally {
      await short.stop();
    }
  });
});
