import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { timestampColumn } from '../db/index.js';
import { KeyAlgorithmEnum } from '../pki/index.js';

export enum CertificateStatus {
  ACTIVE = 'ACTIVE',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(CertificateStatus, {
  name: 'CertificateStatus',
  description: 'REVOKED wins over EXPIRED; only ACTIVE certificates authenticate devices.',
});

/** A device (TLS client) certificate issued by the platform CA, owned by one user. */
@ObjectType('Certificate')
@Entity({ name: 'certificates' })
@Index('ix_certificates_owner_created', ['organizationId', 'createdAt'])
@Index('ix_certificates_revoked', ['revokedAt'])
export class CertificateEntity {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @Field({ description: 'Display name; the download bundle names its files after it.' })
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Field({ description: 'Subject CN of the certificate.' })
  @Column({ name: 'common_name', type: 'varchar', length: 64 })
  commonName!: string;

  @Field({ description: 'Random, unique; lower-case hex.' })
  @Index('uq_certificates_serial', { unique: true })
  @Column({ name: 'serial_number', type: 'varchar', length: 40 })
  serialNumber!: string;

  @Field({ description: 'SHA-256 of the DER certificate, upper-case hex pairs separated by colons.' })
  @Index('uq_certificates_fingerprint', { unique: true })
  @Column({ type: 'varchar', length: 95 })
  fingerprint!: string;

  @Field(() => KeyAlgorithmEnum)
  @Column({ name: 'key_algorithm', type: 'varchar', length: 16 })
  keyAlgorithm!: KeyAlgorithmEnum;

  @Field()
  @Column({ name: 'not_before', ...timestampColumn() })
  notBefore!: Date;

  @Field()
  @Column({ name: 'not_after', ...timestampColumn() })
  notAfter!: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'revoked_at', ...timestampColumn(true) })
  revokedAt!: Date | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'revocation_reason', type: 'varchar', length: 200, nullable: true })
  revocationReason!: string | null;

  @Field({ description: "PEM; the bundle's <name>.crt." })
  @Column({ name: 'certificate_pem', type: 'text' })
  certificatePem!: string;

  /** The private key PEM encrypted with the server secret; null once the certificate is deleted. */
  @Column({ name: 'key_ciphertext', type: 'text', nullable: true })
  keyCiphertext!: string | null;

  @Field()
  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;

  @Field()
  @Column({ name: 'updated_at', ...timestampColumn() })
  updatedAt!: Date;

  /** Deleted certificates stay (revoked, without key) so that the CRL keeps listing them. */
  @Column({ name: 'deleted_at', ...timestampColumn(true) })
  deletedAt!: Date | null;
}

/** Many-to-many: which certificates a device may authenticate with. */
@Entity({ name: 'certificate_devices' })
export class CertificateDeviceEntity {
  @PrimaryColumn({ name: 'certificate_id', type: 'varchar', length: 36 })
  certificateId!: string;

  @Index('ix_certificate_devices_device')
  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 36 })
  deviceId!: string;

  @Column({ name: 'bound_at', ...timestampColumn() })
  boundAt!: Date;
}

export function certificateStatus(cert: Pick<CertificateEntity, 'revokedAt' | 'notBefore' | 'notAfter'>, now: Date): CertificateStatus {
  if (cert.revokedAt) return CertificateStatus.REVOKED;
  if (now.getTime() >= cert.notAfter.getTime()) return CertificateStatus.EXPIRED;
  return CertificateStatus.ACTIVE;
}
