export {
  type AuthConfig,
  type Config,
  type DatabaseConfig,
  type FailureLimit,
  type GraphQLLimitsConfig,
  loadConfig,
  type MqttConfig,
  type PkiConfig,
  type ReadsConfig,
  type RetentionConfig,
  type TestClientConfig,
  type ThrottleConfig,
} from './config.js';
export type { FleetConfig } from './fleet.js';
