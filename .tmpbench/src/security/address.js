"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.addressKey = addressKey;
exports.httpClientAddress = httpClientAddress;
const node_net_1 = __importDefault(require("node:net"));
/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(address) {
    if (node_net_1.default.isIPv6(address) === false)
        return null;
    let text = address.split('%')[0];
    // A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes two groups.
    const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
    if (v4) {
        const [a, b, c, d] = v4.slice(1).map(Number);
        text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    }
    const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
    const parse = (s) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
    const left = parse(head);
    const right = parse(tail);
    const zeros = tail === undefined ? [] : new Array(8 - left.length - right.length).fill(0);
    return [...left, ...zeros, ...right];
}
/**
 * The key an address is throttled under: an IPv4 address as it is (also when IPv4-mapped, `::ffff:1.2.3.4`),
 * an IPv6 address by its /64 network (one host usually holds a whole /64), anything else as given.
 */
function addressKey(address) {
    if (node_net_1.default.isIPv4(address))
        return address;
    const groups = ipv6Groups(address);
    if (!groups || groups.length !== 8)
        return address;
    const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
    if (mapped)
        return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
    return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}
/**
 * The address of an HTTP caller: the socket's peer, or, when the operator says a reverse proxy in front is trusted,
 * the last X-Forwarded-For entry (the address that proxy saw; earlier entries are the client's own say-so).
 */
function httpClientAddress(socketAddress, forwardedFor, trustProxy) {
    if (trustProxy && forwardedFor) {
        const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
        const last = header.split(',').map((s) => s.trim()).filter(Boolean).at(-1);
        if (last && node_net_1.default.isIP(last))
            return last;
    }
    return socketAddress ?? '';
}
//# sourceMappingURL=address.js.map