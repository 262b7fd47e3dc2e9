import 'reflect-metadata';

export { DeviceCredentialEntity } from './credential.entity.js';
export { DeviceCredentialsResolver } from './credential.resolver.js';
export { type CredentialCheck, CredentialService } from './credential.service.js';
