import 'reflect-metadata';

export { DeviceCounterEntity, OrganizationCounterEntity } from './counter.entity.js';
export { deviceActivityTopic, FleetService } from './fleet.service.js';
export { DeviceFleetResolver, FleetResolver } from './fleet.resolver.js';
export { FleetSummary, MetricsBucket, MetricsPoint } from './fleet.types.js';
