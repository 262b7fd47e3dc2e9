import 'reflect-metadata';

export { InvitationEntity } from './invitation.entity.js';
export { MemberResolver, OrganizationResolver } from './organization.resolver.js';
export { OrganizationService } from './organization.service.js';
