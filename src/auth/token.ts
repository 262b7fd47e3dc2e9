import crypto from 'node:crypto';

/** Claims carried by a session token (a compact HS256 JWT). */
export interface TokenClaims {
  sub: string;
  iat: number;
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export function signToken(key: Buffer, userId: string, ttlSeconds: number, now: Date = new Date()): { token: string; expiresAt: Date } {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: TokenClaims = { sub: userId, iat, exp: iat + ttlSeconds };
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const sig = crypto.createHmac('sha256', key).update(body).digest('base64url');
  return { token: `${body}.${sig}`, expiresAt: new Date(claims.exp * 1000) };
}

/** Returns the claims of a valid, unexpired token, else null (forged, malformed or expired alike). */
export function verifyToken(key: Buffer, token: string, now: Date = new Date()): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, payload, sig] = parts as [string, string, string];
  if (header !== HEADER) return null;
  const expected = crypto.createHmac('sha256', key).update(`${header}.${payload}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return null;
  }
  if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return null;
  if (claims.exp * 1000 <= now.getTime()) return null;
  return claims;
}
