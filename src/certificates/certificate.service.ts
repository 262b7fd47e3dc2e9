import crypto from 'node:crypto';

import type { DataSource, Repository } from 'typeorm';
import { IsNull } from 'typeorm';

import { Permission, type RequestAccess, type Scope } from '../access/index.js';
import { AuditAction, type AuditService, type AuditTarget } from '../audit/index.js';
import { badInput, checkName, type Clock, conflict, isUuid, keysetPage, type Logger, newId, notFound, type Page, type RegistryBus, searchPattern } from '../common/index.js';
import type { PkiConfig } from '../config/index.js';
import { bumpRegistryGeneration } from '../db/index.js';
import { DeviceAuthType, DeviceEntity, type DeviceService } from '../devices/index.js';
import { fingerprintOf, KeyAlgorithmEnum, type PkiService } from '../pki/index.js';
import type { Secrets } from '../secrets/index.js';
import { CertificateDeviceEntity, CertificateEntity, CertificateStatus, certificateStatus } from './certificate.entity.js';

const DAY_MS = 24 * 3600 * 1000;
export const MAX_COMMON_NAME_LENGTH = 64;
export const MAX_REASON_LENGTH = 200;
/** Device certificates start this long before their creation, so instances with a slightly late clock accept them at once. */
export const CERT_BACKDATE_MS = 5 * 60 * 1000;
/** A CRL is re-signed when revocations change, or when the last one is older than this. */
const CRL_REFRESH_MS = 3600 * 1000;
const CRL_VALIDITY_MS = 7 * DAY_MS;

export interface CreateCertificateData {
  name: string;
  validityDays?: number | null;
  keyAlgorithm?: KeyAlgorithmEnum | null;
  commonName?: string | null;
}

export interface CertificateQuery {
  search?: string | null;
  status?: CertificateStatus | null;
  first?: number | null;
  after?: string | null;
}

export type CertificateCheck =
  { ok: true; device: DeviceEntity; fingerprint: string } | { ok: false; reason: 'BAD_CREDENTIALS' | 'NOT_AUTHORIZED'; detail: string; device?: DeviceEntity; fingerprint?: string };

export interface BundleFile {
  name: string;
  content: string;
}

/** A file-system-safe base name for the bundle's `<name>.crt` / `<name>.key`. */
export function bundleFileBase(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 64);
  if (!base) return 'certificate';
  return base.toLowerCase() === 'root_ca' ? `${base}_device` : base;
}

const target = (c: CertificateEntity): AuditTarget => ({ type: 'CERTIFICATE', id: c.id, label: c.name });

export class CertificateService {
  private readonly repo: Repository<CertificateEntity>;
  private readonly bindings: Repository<CertificateDeviceEntity>;
  private readonly deviceRepo: Repository<DeviceEntity>;
  private crlCache?: { key: string; at: number; pem: string };

  constructor(
    private readonly ds: DataSource,
    private readonly pki: PkiService,
    private readonly devices: DeviceService,
    private readonly secrets: Secrets,
    private readonly bus: RegistryBus,
    private readonly config: PkiConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly audit: AuditService,
  ) {
    this.repo = ds.getRepository(CertificateEntity);
    this.bindings = ds.getRepository(CertificateDeviceEntity);
    this.deviceRepo = ds.getRepository(DeviceEntity);
  }

  status(cert: CertificateEntity): CertificateStatus {
    return certificateStatus(cert, this.clock());
  }

  /** The certificate (not deleted) and the caller's scope in its organization; NOT_FOUND for non-members, FORBIDDEN below `permission`. */
  async authorize(access: RequestAccess, id: string, permission: Permission): Promise<{ cert: CertificateEntity; scope: Scope }> {
    const cert = isUuid(id) ? await this.repo.findOneBy({ id, deletedAt: IsNull() }) : null;
    if (!cert) throw notFound('Certificate');
    return { cert, scope: await access.within(cert.organizationId, permission, 'Certificate') };
  }

  /** A device of the scope's organization, or NOT_FOUND. */
  private async deviceIn(scope: Scope, deviceId: string): Promise<DeviceEntity> {
    return this.devices.get(scope.organizationId, deviceId);
  }

  /** Issues a key pair and a certificate signed by the platform CA. */
  async create(scope: Scope, data: CreateCertificateData): Promise<CertificateEntity> {
    const { organizationId } = scope;
    const name = checkName(data.name);
    const commonName = data.commonName != null ? data.commonName.trim() : name.slice(0, MAX_COMMON_NAME_LENGTH);
    if (!commonName) throw badInput('commonName must not be empty', 'commonName');
    if (commonName.length > MAX_COMMON_NAME_LENGTH) throw badInput(`commonName must be at most ${MAX_COMMON_NAME_LENGTH} characters`, 'commonName');
    const validityDays = data.validityDays ?? this.config.defaultCertValidityDays;
    const now = this.clock();
    const caNotAfter = this.pki.platformCa().notAfter;
    const maxDays = Math.floor((caNotAfter.getTime() - now.getTime()) / DAY_MS);
    if (!Number.isInteger(validityDays) || validityDays < 1) throw badInput('validityDays must be a positive integer', 'validityDays');
    if (validityDays > maxDays) {
      throw badInput(`validityDays must be at most ${Math.max(maxDays, 0)} (the platform CA expires ${caNotAfter.toISOString()})`, 'validityDays');
    }
    const notAfter = new Date(now.getTime() + validityDays * DAY_MS);
    const keyAlgorithm = data.keyAlgorithm ?? KeyAlgorithmEnum.ECDSA;
    const issued = await this.pki.issueClientCertificate({
      commonName,
      algorithm: keyAlgorithm,
      notBefore: new Date(now.getTime() - CERT_BACKDATE_MS),
      notAfter,
    });
    const cert = this.repo.create({
      id: newId(),
      organizationId,
      name,
      commonName,
      serialNumber: issued.serialNumber,
      fingerprint: issued.fingerprint,
      keyAlgorithm,
      // As encoded in the certificate (whole seconds).
      notBefore: issued.certificate.notBefore,
      notAfter: issued.certificate.notAfter,
      revokedAt: null,
      revocationReason: null,
      certificatePem: issued.certificatePem,
      keyCiphertext: this.secrets.encrypt(issued.privateKeyPem),
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    await this.ds.transaction(async (m) => {
      await m.getRepository(CertificateEntity).insert(cert);
      await this.audit.record(scope, AuditAction.CERTIFICATE_ISSUED, target(cert), { commonName, keyAlgorithm, serialNumber: cert.serialNumber, notAfter: cert.notAfter.toISOString() }, m);
    });
    this.log.info('certificate issued', { certificateId: cert.id, organizationId, serialNumber: cert.serialNumber, fingerprint: cert.fingerprint });
    return cert;
  }

  /** The decrypted private key PEM (callers check ownership). */
  privateKeyPem(cert: CertificateEntity): string | null {
    return cert.keyCiphertext ? this.secrets.decrypt(cert.keyCiphertext).toString('utf8') : null;
  }

  async list(organizationId: string, q: CertificateQuery): Promise<Page<CertificateEntity>> {
    const qb = this.repo.createQueryBuilder('c').where('c.organization_id = :organizationId AND c.deleted_at IS NULL', { organizationId });
    const pattern = searchPattern(q.search);
    if (pattern) {
      qb.andWhere(
        `(LOWER(c.name) LIKE :pattern ESCAPE '\\' OR LOWER(c.common_name) LIKE :pattern ESCAPE '\\' OR c.serial_number LIKE :pattern ESCAPE '\\' OR LOWER(c.fingerprint) LIKE :pattern ESCAPE '\\')`,
        { pattern },
      );
    }
    const now = this.clock().getTime();
    if (q.status === CertificateStatus.REVOKED) qb.andWhere('c.revoked_at IS NOT NULL');
    if (q.status === CertificateStatus.ACTIVE) qb.andWhere('c.revoked_at IS NULL AND c.not_after > :now', { now });
    if (q.status === CertificateStatus.EXPIRED) qb.andWhere('c.revoked_at IS NULL AND c.not_after <= :now', { now });
    return keysetPage(qb, {
      kind: 'certificates:CREATED_AT:DESC',
      sortSql: 'c.created_at',
      idColumn: 'c.id',
      direction: 'DESC',
      keyOf: (c) => c.createdAt.getTime(),
      first: q.first,
      after: q.after,
    });
  }

  /** Deletes an unbound certificate. It stays listed in the CRL (revoked) and its private key is erased. */
  async delete(access: RequestAccess, id: string): Promise<CertificateEntity> {
    const { cert, scope } = await this.authorize(access, id, Permission.CERTIFICATES);
    const bound = await this.bindings.countBy({ certificateId: cert.id });
    if (bound > 0) throw conflict(`certificate is bound to ${bound} device(s): unbind it first`, 'id');
    const now = this.clock();
    cert.deletedAt = now;
    cert.updatedAt = now;
    cert.keyCiphertext = null;
    if (!cert.revokedAt) {
      cert.revokedAt = now;
      cert.revocationReason = 'certificate deleted';
    }
    await this.ds.transaction(async (m) => {
      const values = { deletedAt: now, updatedAt: now, keyCiphertext: null, revokedAt: cert.revokedAt, revocationReason: cert.revocationReason };
      await m.getRepository(CertificateEntity).update({ id: cert.id }, values);
      await this.audit.record(scope, AuditAction.CERTIFICATE_DELETED, target(cert), null, m);
    });
    this.log.info('certificate deleted', { certificateId: cert.id, fingerprint: cert.fingerprint });
    return cert;
  }

  /** Allows the device to authenticate with the certificate on the mutual-TLS listener. Idempotent. */
  async bind(access: RequestAccess, certificateId: string, deviceId: string): Promise<CertificateEntity> {
    const { cert, scope } = await this.authorize(access, certificateId, Permission.CERTIFICATES);
    const device = await this.deviceIn(scope, deviceId);
    if (device.authType !== DeviceAuthType.CERTIFICATE) {
      throw badInput('only devices with authType CERTIFICATE can be bound to a certificate', 'deviceId');
    }
    const status = this.status(cert);
    if (status !== CertificateStatus.ACTIVE) throw conflict(`certificate is ${status.toLowerCase()}`, 'certificateId');
    if (await this.bindings.existsBy({ certificateId: cert.id, deviceId: device.id })) return cert;
    try {
      await this.ds.transaction(async (m) => {
        await m.getRepository(CertificateDeviceEntity).insert({ certificateId: cert.id, deviceId: device.id, boundAt: this.clock() });
        await this.audit.record(scope, AuditAction.CERTIFICATE_BOUND, target(cert), { deviceId: device.id, deviceName: device.name }, m);
      });
    } catch (err) {
      // A concurrent bind of the same pair won: the binding exists, which is what was asked.
      if (!(await this.bindings.existsBy({ certificateId: cert.id, deviceId: device.id }))) throw err;
    }
    this.log.info('certificate bound', { certificateId: cert.id, deviceId: device.id, fingerprint: cert.fingerprint });
    return cert;
  }

  /** Removes a binding; sessions of that device authenticated with this certificate are disconnected. Idempotent. */
  async unbind(access: RequestAccess, certificateId: string, deviceId: string): Promise<CertificateEntity> {
    const { cert, scope } = await this.authorize(access, certificateId, Permission.CERTIFICATES);
    const device = await this.deviceIn(scope, deviceId);
    const generation = await this.ds.transaction(async (m) => {
      const result = await m.getRepository(CertificateDeviceEntity).delete({ certificateId: cert.id, deviceId: device.id });
      if (result.affected === 0) return null;
      await this.audit.record(scope, AuditAction.CERTIFICATE_UNBOUND, target(cert), { deviceId: device.id, deviceName: device.name }, m);
      return bumpRegistryGeneration(m);
    });
    if (generation !== null) {
      this.log.info('certificate unbound', { certificateId: cert.id, deviceId: device.id, fingerprint: cert.fingerprint });
      this.bus.emit('certificateWithdrawn', { fingerprint: cert.fingerprint, deviceIds: [device.id], reason: 'certificate unbound from device', generation });
    }
    return cert;
  }

  /** Revokes the certificate: refused from now on, listed in the CRL, live sessions using it disconnected. Idempotent. */
  async revoke(access: RequestAccess, id: string, reason?: string | null): Promise<CertificateEntity> {
    const { cert, scope } = await this.authorize(access, id, Permission.CERTIFICATES);
    if (cert.revokedAt) return cert;
    const text = reason?.trim() || null;
    if (text && text.length > MAX_REASON_LENGTH) throw badInput(`reason must be at most ${MAX_REASON_LENGTH} characters`, 'reason');
    const now = this.clock();
    cert.revokedAt = now;
    cert.revocationReason = text;
    cert.updatedAt = now;
    const generation = await this.ds.transaction(async (m) => {
      await m.getRepository(CertificateEntity).update({ id: cert.id }, { revokedAt: now, revocationReason: text, updatedAt: now });
      await this.audit.record(scope, AuditAction.CERTIFICATE_REVOKED, target(cert), { reason: text }, m);
      return bumpRegistryGeneration(m);
    });
    const deviceIds = (await this.bindings.findBy({ certificateId: cert.id })).map((b) => b.deviceId);
    this.log.info('certificate revoked', { certificateId: cert.id, fingerprint: cert.fingerprint, serialNumber: cert.serialNumber, reason: text, deviceIds });
    this.bus.emit('certificateWithdrawn', { fingerprint: cert.fingerprint, deviceIds, reason: text ? `certificate revoked: ${text}` : 'certificate revoked', generation });
    return cert;
  }

  /** Devices bound to each certificate, in one query (for DataLoader). */
  async devicesFor(certificateIds: readonly string[]): Promise<Map<string, DeviceEntity[]>> {
    const map = new Map<string, DeviceEntity[]>(certificateIds.map((id) => [id, []]));
    if (!certificateIds.length) return map;
    const rows = await this.deviceRepo
      .createQueryBuilder('d')
      .innerJoin(CertificateDeviceEntity, 'b', 'b.device_id = d.id')
      .addSelect('b.certificate_id', 'certificate_id')
      .where('b.certificate_id IN (:...ids)', { ids: [...certificateIds] })
      .orderBy('d.name', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .getRawAndEntities();
    // Entities come back de-duplicated (a device bound to several certificates appears once): pair them through the raw rows.
    const byId = new Map(rows.entities.map((d) => [d.id, d]));
    for (const raw of rows.raw as Array<{ d_id: string; certificate_id: string }>) {
      const device = byId.get(raw.d_id);
      if (device) map.get(String(raw.certificate_id))?.push(device);
    }
    return map;
  }

  /** Certificates bound to each device, in one query (for DataLoader). */
  async certificatesFor(deviceIds: readonly string[]): Promise<Map<string, CertificateEntity[]>> {
    const map = new Map<string, CertificateEntity[]>(deviceIds.map((id) => [id, []]));
    if (!deviceIds.length) return map;
    const rows = await this.repo
      .createQueryBuilder('c')
      .innerJoin(CertificateDeviceEntity, 'b', 'b.certificate_id = c.id')
      .addSelect('b.device_id', 'device_id')
      .where('b.device_id IN (:...ids)', { ids: [...deviceIds] })
      .andWhere('c.deleted_at IS NULL')
      .orderBy('c.created_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .getRawAndEntities();
    const byId = new Map(rows.entities.map((c) => [c.id, c]));
    for (const raw of rows.raw as Array<{ c_id: string; device_id: string }>) {
      const cert = byId.get(raw.c_id);
      if (cert) map.get(String(raw.device_id))?.push(cert);
    }
    return map;
  }

  /**
   * Certificate authentication for the mutual-TLS listener: the client id is the device number; the
   * device must use CERTIFICATE authentication and not be blocked; the presented certificate (matched
   * by SHA-256 fingerprint) must be ACTIVE, within its validity (per the app clock) and bound to it.
   */
  async verifyDeviceCertificate(clientId: string, certDer: Buffer | undefined): Promise<CertificateCheck> {
    if (!certDer || certDer.length === 0) return { ok: false, reason: 'BAD_CREDENTIALS', detail: 'no client certificate presented' };
    const fingerprint = fingerprintOf(certDer);
    const device = clientId ? await this.devices.findByDeviceNumber(clientId) : null;
    if (!device) return { ok: false, reason: 'BAD_CREDENTIALS', detail: 'unknown client id', fingerprint };
    if (device.blocked) return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'device blocked', device, fingerprint };
    if (device.authType !== DeviceAuthType.CERTIFICATE) {
      return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'device uses token authentication, not a certificate', device, fingerprint };
    }
    const cert = await this.repo.findOneBy({ fingerprint });
    if (!cert || cert.deletedAt) return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'unknown certificate', device, fingerprint };
    const notBound = { ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate not bound to this device', device, fingerprint } as const;
    // Another user's certificate: say no more than "not bound".
    if (cert.organizationId !== device.organizationId) return notBound;
    const now = this.clock();
    if (cert.revokedAt) return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate revoked', device, fingerprint };
    if (now.getTime() >= cert.notAfter.getTime()) return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate expired', device, fingerprint };
    if (now.getTime() < cert.notBefore.getTime()) return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate not yet valid', device, fingerprint };
    if (!(await this.bindings.existsBy({ certificateId: cert.id, deviceId: device.id }))) return notBound;
    return { ok: true, device, fingerprint };
  }

  /** The CRL (PEM) signed by the platform CA, listing every revoked certificate's serial number. */
  async crlPem(): Promise<string> {
    const rows = await this.repo
      .createQueryBuilder('c')
      .select(['c.serialNumber', 'c.revokedAt'])
      .where('c.revoked_at IS NOT NULL')
      .orderBy('c.revoked_at', 'ASC')
      .addOrderBy('c.serial_number', 'ASC')
      .getMany();
    const entries = rows.map((r) => ({ serialNumber: r.serialNumber, revocationDate: r.revokedAt! }));
    const key = crypto.createHash('sha256').update(JSON.stringify(entries)).digest('hex');
    const now = this.clock();
    const cached = this.crlCache;
    if (cached && cached.key === key && now.getTime() - cached.at < CRL_REFRESH_MS && now.getTime() >= cached.at) return cached.pem;
    const pem = await this.pki.crlPem(entries, now, new Date(now.getTime() + CRL_VALIDITY_MS));
    this.crlCache = { key, at: now.getTime(), pem };
    return pem;
  }

  /** The files of the download bundle: root_ca.crt, <name>.crt, <name>.key. */
  async bundle(access: RequestAccess, id: string): Promise<{ fileBase: string; files: BundleFile[] }> {
    const { cert, scope } = await this.authorize(access, id, Permission.SECRETS);
    const key = this.privateKeyPem(cert);
    if (!key) throw notFound('Certificate');
    await this.audit.record(scope, AuditAction.CERTIFICATE_BUNDLE_DOWNLOADED, target(cert));
    const fileBase = bundleFileBase(cert.name);
    return {
      fileBase,
      files: [
        { name: 'root_ca.crt', content: this.pki.caCertificatePem() },
        { name: `${fileBase}.crt`, content: cert.certificatePem },
        { name: `${fileBase}.key`, content: key },
      ],
    };
  }
}
