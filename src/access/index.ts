import 'reflect-metadata';

export { AccessService, forbiddenFor, RequestAccess } from './access.service.js';
export { MembershipEntity } from './membership.entity.js';
export { OrganizationEntity } from './organization.entity.js';
export type { Actor, Principal, Scope } from './principal.js';
export { allows, isRole, lowerRole, OrganizationRole, Permission, REQUIRED_ROLE, roleAtLeast } from './roles.js';
