import 'reflect-metadata';

export { AuditAction, AuditActorType, AuditEntryEntity } from './audit.entity.js';
export { AuditResolver } from './audit.resolver.js';
export { AuditService, type AuditTarget, diff } from './audit.service.js';
