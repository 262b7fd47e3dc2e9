import 'reflect-metadata';

export { AuditAction, AuditActorType, AuditEntryEntity } from './audit.entity.js';
export { AuditResolver } from './audit.resolver.js';
export { AuditService, diff, type AuditTarget } from './audit.service.js';
