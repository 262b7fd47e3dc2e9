"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.signToken = signToken;
exports.verifyToken = verifyToken;
const node_crypto_1 = __importDefault(require("node:crypto"));
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
function signToken(key, userId, ttlSeconds, now = new Date()) {
    const iat = Math.floor(now.getTime() / 1000);
    const claims = { sub: userId, iat, exp: iat + ttlSeconds };
    const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = node_crypto_1.default.createHmac('sha256', key).update(body).digest('base64url');
    return { token: `${body}.${sig}`, expiresAt: new Date(claims.exp * 1000) };
}
/** Returns the claims of a valid, unexpired token, else null (forged, malformed or expired alike). */
function verifyToken(key, token, now = new Date()) {
    const parts = token.split('.');
    if (parts.length !== 3)
        return null;
    const [header, payload, sig] = parts;
    if (header !== HEADER)
        return null;
    const expected = node_crypto_1.default.createHmac('sha256', key).update(`${header}.${payload}`).digest();
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !node_crypto_1.default.timingSafeEqual(given, expected))
        return null;
    let claims;
    try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    }
    catch {
        return null;
    }
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number')
        return null;
    if (claims.exp * 1000 <= now.getTime())
        return null;
    return claims;
}
//# sourceMappingURL=token.js.map