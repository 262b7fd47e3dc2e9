"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.noConnectThrottle = void 0;
/** Lets every attempt through (a throttle that is switched off). */
exports.noConnectThrottle = {
    admit: async () => ({ allowed: true }),
    failed: async () => undefined,
    succeeded: async () => undefined,
};
//# sourceMappingURL=connect-throttle.js.map