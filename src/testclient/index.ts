import 'reflect-metadata';

export { TestClientResolver } from './test-client.resolver.js';
export { TestClientRoutes } from './test-client.routes.js';
export { TestClientService } from './test-client.service.js';
export type { MqttEndpoints } from './test-client.session.js';
