import 'reflect-metadata';

export type { StatusChange, StatusWritten } from './connection-status.js';
export { DeviceAuthType, DeviceEntity, DeviceStatus } from './device.entity.js';
export { loadDevice } from './device.loader.js';
export { DeviceConnection, DeviceCredentials, DeviceFilter, DeviceOrder, DeviceResolver, ORGANIZATION_ID } from './device.resolver.js';
export { DeviceService } from './device.service.js';
export { deviceStatusTopic } from './status-topic.js';
