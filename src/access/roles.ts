import { registerEnumType } from 'type-graphql';

/** A member's role in an organization, highest first. */
export enum OrganizationRole {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  DEVELOPER = 'DEVELOPER',
  VIEWER = 'VIEWER',
}

registerEnumType(OrganizationRole, {
  name: 'OrganizationRole',
  description:
    'OWNER: everything, including ownership and deleting the organization. ADMIN: everything but ownership. DEVELOPER: devices, certificates, test client, commands; no members. VIEWER: read and subscribe only.',
});

const RANK: Record<OrganizationRole, number> = { OWNER: 4, ADMIN: 3, DEVELOPER: 2, VIEWER: 1 };

export const roleAtLeast = (role: OrganizationRole, needed: OrganizationRole): boolean => RANK[role] >= RANK[needed];
export const lowerRole = (a: OrganizationRole, b: OrganizationRole): OrganizationRole => (RANK[a] <= RANK[b] ? a : b);
export const isRole = (value: string): value is OrganizationRole => value in RANK;

/** What an operation needs. Every operation names one; the role each needs is in REQUIRED_ROLE, nowhere else. */
export enum Permission {
  /** Queries and subscriptions: devices, logs, events, certificates (public parts), members, test client sessions. */
  READ = 'READ',
  /** Secrets: device keys, certificate private keys and bundles. */
  SECRETS = 'SECRETS',
  /** Create, change, block, delete, rotate the key of, and disconnect devices. */
  DEVICES = 'DEVICES',
  /** Issue, bind, unbind, revoke and delete certificates. */
  CERTIFICATES = 'CERTIFICATES',
  /** Start and drive server-side test clients. */
  TEST_CLIENT = 'TEST_CLIENT',
  /** Publish to devices and ask them (publishToDevice, publishToTopic, requestDevice). */
  COMMANDS = 'COMMANDS',
  /** Create API keys of one's own (with a role no higher than one's own) and revoke them. */
  OWN_API_KEYS = 'OWN_API_KEYS',
  /** See and revoke every API key of the organization. */
  API_KEYS = 'API_KEYS',
  /** Invite, change and remove members (owners only by owners). */
  MEMBERS = 'MEMBERS',
  /** Read the audit trail. */
  AUDIT = 'AUDIT',
  /** Rename or delete the organization; make or unmake owners. */
  OWNERSHIP = 'OWNERSHIP',
}

/** The lowest role allowed each permission: the whole policy. */
export const REQUIRED_ROLE: Record<Permission, OrganizationRole> = {
  READ: OrganizationRole.VIEWER,
  OWN_API_KEYS: OrganizationRole.VIEWER,
  SECRETS: OrganizationRole.DEVELOPER,
  DEVICES: OrganizationRole.DEVELOPER,
  CERTIFICATES: OrganizationRole.DEVELOPER,
  TEST_CLIENT: OrganizationRole.DEVELOPER,
  COMMANDS: OrganizationRole.DEVELOPER,
  API_KEYS: OrganizationRole.ADMIN,
  MEMBERS: OrganizationRole.ADMIN,
  AUDIT: OrganizationRole.ADMIN,
  OWNERSHIP: OrganizationRole.OWNER,
};

export const allows = (role: OrganizationRole, permission: Permission): boolean => roleAtLeast(role, REQUIRED_ROLE[permission]);
