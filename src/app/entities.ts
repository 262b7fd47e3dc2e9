import { MembershipEntity, OrganizationEntity } from '../access/index.js';
import { AuditEntryEntity } from '../audit/index.js';
import { CertificateDeviceEntity, CertificateEntity } from '../certificates/index.js';
import { DeviceCredentialEntity } from '../credentials/index.js';
import { RegistryGenerationEntity } from '../db/index.js';
import { DeviceEntity } from '../devices/index.js';
import { DeviceCounterEntity, OrganizationCounterEntity } from '../fleet/index.js';
import { ConnectionLogEntity, DeviceEventEntity, LatestValueEntity, RetainedMessageEntity } from '../history/index.js';
import { InvitationEntity } from '../organizations/index.js';
import { PlatformCaEntity } from '../pki/index.js';
import { ApiKeyEntity, UserEntity } from '../users/index.js';

/** Every TypeORM entity. Features add theirs here. */
export const entities = [
  UserEntity,
  ApiKeyEntity,
  DeviceEntity,
  DeviceCredentialEntity,
  PlatformCaEntity,
  CertificateEntity,
  CertificateDeviceEntity,
  ConnectionLogEntity,
  DeviceEventEntity,
  LatestValueEntity,
  RegistryGenerationEntity,
  OrganizationEntity,
  MembershipEntity,
  InvitationEntity,
  AuditEntryEntity,
  RetainedMessageEntity,
  DeviceCounterEntity,
  OrganizationCounterEntity,
];
