"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.deviceStatusTopic = void 0;
/** The device status topic of an owner: payload is the updated Device. */
const deviceStatusTopic = (organizationId) => `deviceStatus:${organizationId}`;
exports.deviceStatusTopic = deviceStatusTopic;
//# sourceMappingURL=status-topic.js.map