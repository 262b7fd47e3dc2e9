"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.isUuid = exports.randomHex = exports.newId = void 0;
const node_crypto_1 = __importDefault(require("node:crypto"));
const newId = () => node_crypto_1.default.randomUUID();
exports.newId = newId;
/** Random lower-case hex of the given length (even), e.g. device numbers and keys as in the seed guide. */
const randomHex = (length) => node_crypto_1.default.randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
exports.randomHex = randomHex;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (value) => UUID_RE.test(value);
exports.isUuid = isUuid;
//# sourceMappingURL=ids.js.map