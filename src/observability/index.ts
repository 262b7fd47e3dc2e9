export { createLogger } from './logger.js';
export { AppMetrics } from './metrics.js';
export { logRequest, requestIdOf, requestLog } from './request-log.js';
