import crypto from 'node:crypto';

import { signToken, TokenVerifier } from '../src/auth';

/** Session tokens (jose HS256): a verified token is remembered, but never past its expiry, and a forged one never is. */
describe('session token verifier', () => {
  const key = crypto.randomBytes(32);
  const t0 = new Date('2026-12-06T08:00:00.000Z');

  it('accepts a valid token again from memory, and refuses it from its expiry on', async () => {
    const { token, expiresAt } = await signToken(key, 'user-1', 60, t0);
    const verifier = new TokenVerifier(key);
    expect(await verifier.verify(token, t0)).toMatchObject({ sub: 'user-1' });
    expect(await verifier.verify(token, new Date(expiresAt.getTime() - 1))).toMatchObject({ sub: 'user-1' });
    expect(await verifier.verify(token, expiresAt)).toBeNull();
  });

  it('refuses a token signed with another key, and one with a changed signature', async () => {
    const verifier = new TokenVerifier(key);
    const other = await signToken(crypto.randomBytes(32), 'user-1', 60, t0);
    expect(await verifier.verify(other.token, t0)).toBeNull();
    const { token } = await signToken(key, 'user-1', 60, t0);
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect(await verifier.verify(forged, t0)).toBeNull();
    expect(await verifier.verify(token, t0)).toMatchObject({ sub: 'user-1' });
  });
});
