import 'reflect-metadata';

export { CertificateDeviceEntity, CertificateEntity } from './certificate.entity.js';
export { CertificateResolver, DeviceCertificatesResolver } from './certificate.resolver.js';
export { CertificateService } from './certificate.service.js';
export { certificatesRouter } from './http.js';
