"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.hashPassword = hashPassword;
exports.verifyPassword = verifyPassword;
const node_crypto_1 = __importDefault(require("node:crypto"));
const node_util_1 = require("node:util");
const scrypt = (0, node_util_1.promisify)(node_crypto_1.default.scrypt);
const KEY_LEN = 32;
/** scrypt password hash, self-describing: `scrypt$N$r$p$salt$hash`. */
async function hashPassword(password, cost) {
    const salt = node_crypto_1.default.randomBytes(16);
    const r = 8;
    const p = 1;
    const hash = await scrypt(password, salt, KEY_LEN, { N: cost, r, p, maxmem: 256 * cost * r });
    return ['scrypt', cost, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}
async function verifyPassword(password, stored) {
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash)
        return false;
    const N = Number(n);
    const R = Number(r);
    const expected = Buffer.from(hash, 'base64url');
    const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
        N,
        r: R,
        p: Number(p),
        maxmem: 256 * N * R,
    });
    return node_crypto_1.default.timingSafeEqual(actual, expected);
}
//# sourceMappingURL=password.js.map