import 'reflect-metadata';

export { browserClientRouter } from './browser-client.js';
export { DeviceConnections } from './device-connection.js';
export { DeviceConnectionResolver } from './device-connection.resolver.js';
export { MessageServer, type MessageServerPorts } from './message-server.js';
export { ConnackReturnCode, ReasonCode } from './reason-codes.js';
export { releaseLostDevices } from './shared/lost-instance.js';
export { mqttWebSocketServer, routeMqttUpgrades } from './websocket.js';
export type { ByteSocket } from './wire-guard.js';
