export { createLogger } from './logger.js';
export { AppMetrics } from './metrics.js';
export { requestIdOf, requestLog } from './request-log.js';
