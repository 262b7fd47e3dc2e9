import 'reflect-metadata';

export { ConnectionEventType, ConnectionLogEntity, MqttListener } from './connection-log.entity.js';
export { ConnectionLogService } from './connection-log.service.js';
export {
  ConnectionLogResolver,
  deviceChanges,
  DeviceConnectionLogResolver,
  DeviceEventResolver,
  DeviceStatusResolver,
  HISTORY_ROOT_SUBSCRIPTIONS,
  readScope,
} from './connection-log-and-events.resolver.js';
export { DeviceEventEntity, EventDirection } from './device-event.entity.js';
export { DeviceEventService } from './device-event.service.js';
export { DeviceLatestResolver, LatestValueResolver } from './latest.resolver.js';
export { LatestValueEntity } from './latest-value.entity.js';
export { LatestValues } from './latest-values.js';
export { RetainedMessageEntity } from './retained.entity.js';
export { RetainedMessageResolver } from './retained.resolver.js';
export { RetainedMessages } from './retained.service.js';
export { Retention, type RetentionResult } from './retention.js';
