"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.anonymousDevices = anonymousDevices;
/** Client ids for servers without authentication. */
function anonymousDevices(count, tag) {
    return Array.from({ length: count }, (_, i) => ({ clientId: `${tag}-${i}` }));
}
//# sourceMappingURL=target.js.map