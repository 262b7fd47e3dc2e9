export { loadSecrets, Secrets } from './secrets.js';
