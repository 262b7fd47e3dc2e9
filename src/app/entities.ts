import { MembershipEntity, OrganizationEntity } from '../access/index.js';
import { AuditEntryEntity } from '../audit/index.js';
import { InvitationEntity } from '../organizations/invitation.entity.js';
import { ConnectionLogEntity } from '../history/connection-log.entity.js';
import { DeviceEventEntity } from '../history/device-event.entity.js';
import { LatestValueEntity } from '../history/latest-value.entity.js';
import { RetainedMessageEntity } from '../history/retained.entity.js';
import { CertificateDeviceEntity, CertificateEntity } from '../certificates/certificate.entity.js';
import { DeviceCredentialEntity } from '../credentials/credential.entity.js';
import { DeviceEntity } from '../devices/device.entity.js';
import { DeviceCounterEntity, OrganizationCounterEntity } from '../fleet/counter.entity.js';
import { PlatformCaEntity } from '../pki/platform-ca.entity.js';
import { RegistryGenerationEntity } from '../db/registry-generation.js';
import { ApiKeyEntity, UserEntity } from '../users/user.entity.js';

/** Every TypeORM entity. Features add theirs here. */
export const entities = [UserEntity, ApiKeyEntity, DeviceEntity, DeviceCredentialEntity, PlatformCaEntity, CertificateEntity, CertificateDeviceEntity, ConnectionLogEntity, DeviceEventEntity, LatestValueEntity, RegistryGenerationEntity, OrganizationEntity, MembershipEntity, InvitationEntity, AuditEntryEntity, RetainedMessageEntity, DeviceCounterEntity, OrganizationCounterEntity];
