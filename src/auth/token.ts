import { jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';

/** Claims carried by a session token (a compact HS256 JWT). */
export interface TokenClaims {
  sub: string;
  iat: number;
  exp: number;
}

const ALGORITHM = 'HS256';

export async function signToken(key: Buffer, userId: string, ttlSeconds: number, now: Date = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT()
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(key);
  return { token, expiresAt: new Date((iat + ttlSeconds) * 1000) };
}

/** Returns the claims of a valid, unexpired token, else null (forged, malformed or expired alike). */
export async function verifyToken(key: Buffer, token: string, now: Date = new Date()): Promise<TokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], typ: 'JWT', currentDate: now, requiredClaims: ['sub', 'exp'] });
    return typeof payload.sub === 'string' && typeof payload.exp === 'number' ? { sub: payload.sub, iat: payload.iat ?? 0, exp: payload.exp } : null;
  } catch {
    return null;
  }
}

/**
 * Verifies session tokens, remembering the claims of those already verified: a client sends the same token with every
 * request, and jose checks HS256 through WebCrypto (asynchronous, about 100 µs). Only verified tokens are remembered,
 * and expiry is checked again on every use (as jose does: valid while `exp` is after the current second).
 */
export class TokenVerifier {
  private readonly verified = new LRUCache<string, TokenClaims>({ max: 10_000 });

  constructor(private readonly key: Buffer) {}

  async verify(token: string, now: Date): Promise<TokenClaims | null> {
    const known = this.verified.get(token);
    if (known) return known.exp > Math.floor(now.getTime() / 1000) ? known : null;
    const claims = await verifyToken(this.key, token, now);
    if (claims) this.verified.set(token, claims);
    return claims;
  }
}
