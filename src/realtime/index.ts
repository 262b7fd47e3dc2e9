export { ClusterRedis, readyRedis } from './cluster-redis.js';
export { InstanceRpc } from './instance-rpc.js';
export { type LostRun, Membership, newRunId } from './instances.js';
export { type AppPubSub, createAppPubSub, dateSafeJson } from './pubsub.js';
export { RegistrySync } from './registry-sync.js';
export { bridgeRegistryBus, loadInstanceId } from './scale-out.js';
export { SubscriberCounter } from './subscribers.js';
