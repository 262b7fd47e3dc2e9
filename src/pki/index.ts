import 'reflect-metadata';

export { PkiResolver } from './pki.resolver.js';
export { PkiService } from './pki.service.js';
export { KeyAlgorithmEnum } from './pki.types.js';
export { PlatformCaEntity } from './platform-ca.entity.js';
export { fingerprintOf } from './x509.js';
