export { httpClientAddress } from './address.js';
export type { AttemptThrottle } from './attempt-throttle.js';
export { type ConnectThrottle, noConnectThrottle } from './connect-throttle.js';
export { tooManyAttempts } from './refusal.js';
export { createThrottles, type Throttles } from './throttles.js';
