import 'reflect-metadata';

export { DeviceCounterEntity, OrganizationCounterEntity } from './counter.entity.js';
export { DeviceFleetResolver, FLEET_ROOT_SUBSCRIPTIONS, FleetResolver } from './fleet.resolver.js';
export { deviceActivityTopic, FleetService } from './fleet.service.js';
export { FleetSummary, MetricsBucket, MetricsPoint } from './fleet.types.js';
