"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.CertificateService = exports.CERT_BACKDATE_MS = exports.MAX_REASON_LENGTH = exports.MAX_COMMON_NAME_LENGTH = void 0;
exports.bundleFileBase = bundleFileBase;
const node_crypto_1 = __importDefault(require("node:crypto"));
const typeorm_1 = require("typeorm");
const errors_js_1 = require("../common/errors.js");
const ids_js_1 = require("../common/ids.js");
const pagination_js_1 = require("../common/pagination.js");
const validate_js_1 = require("../common/validate.js");
const registry_generation_js_1 = require("../db/registry-generation.js");
const device_entity_js_1 = require("../devices/device.entity.js");
const pki_resolver_js_1 = require("../pki/pki.resolver.js");
const x509_js_1 = require("../pki/x509.js");
const index_js_1 = require("../access/index.js");
const index_js_2 = require("../audit/index.js");
const certificate_entity_js_1 = require("./certificate.entity.js");
const DAY_MS = 24 * 3600 * 1000;
exports.MAX_COMMON_NAME_LENGTH = 64;
exports.MAX_REASON_LENGTH = 200;
/** Device certificates start this long before their creation, so instances with a slightly late clock accept them at once. */
exports.CERT_BACKDATE_MS = 5 * 60 * 1000;
/** A CRL is re-signed when revocations change, or when the last one is older than this. */
const CRL_REFRESH_MS = 3600 * 1000;
const CRL_VALIDITY_MS = 7 * DAY_MS;
/** A file-system-safe base name for the bundle's `<name>.crt` / `<name>.key`. */
function bundleFileBase(name) {
    const base = name
        .normalize('NFKD')
        .replace(/[^A-Za-z0-9._-]+/g, '_')
        .replace(/_+/g, '_')
        .replace(/^[._-]+|[._-]+$/g, '')
        .slice(0, 64);
    if (!base)
        return 'certificate';
    return base.toLowerCase() === 'root_ca' ? `${base}_device` : base;
}
const target = (c) => ({ type: 'CERTIFICATE', id: c.id, label: c.name });
class CertificateService {
    constructor(ds, pki, devices, secrets, bus, config, clock, log, audit) {
        this.ds = ds;
        this.pki = pki;
        this.devices = devices;
        this.secrets = secrets;
        this.bus = bus;
        this.config = config;
        this.clock = clock;
        this.log = log;
        this.audit = audit;
        this.repo = ds.getRepository(certificate_entity_js_1.CertificateEntity);
        this.bindings = ds.getRepository(certificate_entity_js_1.CertificateDeviceEntity);
        this.deviceRepo = ds.getRepository(device_entity_js_1.DeviceEntity);
    }
    status(cert) {
        return (0, certificate_entity_js_1.certificateStatus)(cert, this.clock());
    }
    /** The certificate (not deleted) and the caller's scope in its organization; NOT_FOUND for non-members, FORBIDDEN below `permission`. */
    async authorize(access, id, permission) {
        const cert = (0, ids_js_1.isUuid)(id) ? await this.repo.findOneBy({ id, deletedAt: (0, typeorm_1.IsNull)() }) : null;
        if (!cert)
            throw (0, errors_js_1.notFound)('Certificate');
        return { cert, scope: await access.within(cert.organizationId, permission, 'Certificate') };
    }
    /** A device of the scope's organization, or NOT_FOUND. */
    async deviceIn(scope, deviceId) {
        return this.devices.get(scope.organizationId, deviceId);
    }
    /** Issues a key pair and a certificate signed by the platform CA. */
    async create(scope, data) {
        const { organizationId } = scope;
        const name = (0, validate_js_1.checkName)(data.name);
        const commonName = data.commonName != null ? data.commonName.trim() : name.slice(0, exports.MAX_COMMON_NAME_LENGTH);
        if (!commonName)
            throw (0, errors_js_1.badInput)('commonName must not be empty', 'commonName');
        if (commonName.length > exports.MAX_COMMON_NAME_LENGTH)
            throw (0, errors_js_1.badInput)(`commonName must be at most ${exports.MAX_COMMON_NAME_LENGTH} characters`, 'commonName');
        const validityDays = data.validityDays ?? this.config.defaultCertValidityDays;
        const now = this.clock();
        const caNotAfter = this.pki.platformCa().notAfter;
        const maxDays = Math.floor((caNotAfter.getTime() - now.getTime()) / DAY_MS);
        if (!Number.isInteger(validityDays) || validityDays < 1)
            throw (0, errors_js_1.badInput)('validityDays must be a positive integer', 'validityDays');
        if (validityDays > maxDays) {
            throw (0, errors_js_1.badInput)(`validityDays must be at most ${Math.max(maxDays, 0)} (the platform CA expires ${caNotAfter.toISOString()})`, 'validityDays');
        }
        const notAfter = new Date(now.getTime() + validityDays * DAY_MS);
        const keyAlgorithm = data.keyAlgorithm ?? pki_resolver_js_1.KeyAlgorithmEnum.ECDSA;
        const issued = await this.pki.issueClientCertificate({
            commonName,
            algorithm: keyAlgorithm,
            notBefore: new Date(now.getTime() - exports.CERT_BACKDATE_MS),
            notAfter,
        });
        const cert = this.repo.create({
            id: (0, ids_js_1.newId)(),
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
            await m.getRepository(certificate_entity_js_1.CertificateEntity).insert(cert);
            await this.audit.record(scope, index_js_2.AuditAction.CERTIFICATE_ISSUED, target(cert), { commonName, keyAlgorithm, serialNumber: cert.serialNumber, notAfter: cert.notAfter.toISOString() }, m);
        });
        this.log.info('certificate issued', { certificateId: cert.id, organizationId, serialNumber: cert.serialNumber, fingerprint: cert.fingerprint });
        return cert;
    }
    /** The decrypted private key PEM (callers check ownership). */
    privateKeyPem(cert) {
        return cert.keyCiphertext ? this.secrets.decrypt(cert.keyCiphertext).toString('utf8') : null;
    }
    async list(organizationId, q) {
        const qb = this.repo.createQueryBuilder('c').where('c.organization_id = :organizationId AND c.deleted_at IS NULL', { organizationId });
        const pattern = (0, validate_js_1.searchPattern)(q.search);
        if (pattern) {
            qb.andWhere(`(LOWER(c.name) LIKE :pattern ESCAPE '\\' OR LOWER(c.common_name) LIKE :pattern ESCAPE '\\' OR c.serial_number LIKE :pattern ESCAPE '\\' OR LOWER(c.fingerprint) LIKE :pattern ESCAPE '\\')`, { pattern });
        }
        const now = this.clock().getTime();
        if (q.status === certificate_entity_js_1.CertificateStatus.REVOKED)
            qb.andWhere('c.revoked_at IS NOT NULL');
        if (q.status === certificate_entity_js_1.CertificateStatus.ACTIVE)
            qb.andWhere('c.revoked_at IS NULL AND c.not_after > :now', { now });
        if (q.status === certificate_entity_js_1.CertificateStatus.EXPIRED)
            qb.andWhere('c.revoked_at IS NULL AND c.not_after <= :now', { now });
        return (0, pagination_js_1.keysetPage)(qb, {
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
    async delete(access, id) {
        const { cert, scope } = await this.authorize(access, id, index_js_1.Permission.CERTIFICATES);
        const bound = await this.bindings.countBy({ certificateId: cert.id });
        if (bound > 0)
            throw (0, errors_js_1.conflict)(`certificate is bound to ${bound} device(s): unbind it first`, 'id');
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
            await m.getRepository(certificate_entity_js_1.CertificateEntity).update({ id: cert.id }, values);
            await this.audit.record(scope, index_js_2.AuditAction.CERTIFICATE_DELETED, target(cert), null, m);
        });
        this.log.info('certificate deleted', { certificateId: cert.id, fingerprint: cert.fingerprint });
        return cert;
    }
    /** Allows the device to authenticate with the certificate on the mutual-TLS listener. Idempotent. */
    async bind(access, certificateId, deviceId) {
        const { cert, scope } = await this.authorize(access, certificateId, index_js_1.Permission.CERTIFICATES);
        const device = await this.deviceIn(scope, deviceId);
        if (device.authType !== device_entity_js_1.DeviceAuthType.CERTIFICATE) {
            throw (0, errors_js_1.badInput)('only devices with authType CERTIFICATE can be bound to a certificate', 'deviceId');
        }
        const status = this.status(cert);
        if (status !== certificate_entity_js_1.CertificateStatus.ACTIVE)
            throw (0, errors_js_1.conflict)(`certificate is ${status.toLowerCase()}`, 'certificateId');
        if (await this.bindings.existsBy({ certificateId: cert.id, deviceId: device.id }))
            return cert;
        try {
            await this.ds.transaction(async (m) => {
                await m.getRepository(certificate_entity_js_1.CertificateDeviceEntity).insert({ certificateId: cert.id, deviceId: device.id, boundAt: this.clock() });
                await this.audit.record(scope, index_js_2.AuditAction.CERTIFICATE_BOUND, target(cert), { deviceId: device.id, deviceName: device.name }, m);
            });
        }
        catch (err) {
            // A concurrent bind of the same pair won: the binding exists, which is what was asked.
            if (!(await this.bindings.existsBy({ certificateId: cert.id, deviceId: device.id })))
                throw err;
        }
        this.log.info('certificate bound', { certificateId: cert.id, deviceId: device.id, fingerprint: cert.fingerprint });
        return cert;
    }
    /** Removes a binding; sessions of that device authenticated with this certificate are disconnected. Idempotent. */
    async unbind(access, certificateId, deviceId) {
        const { cert, scope } = await this.authorize(access, certificateId, index_js_1.Permission.CERTIFICATES);
        const device = await this.deviceIn(scope, deviceId);
        const generation = await this.ds.transaction(async (m) => {
            const result = await m.getRepository(certificate_entity_js_1.CertificateDeviceEntity).delete({ certificateId: cert.id, deviceId: device.id });
            if (result.affected === 0)
                return null;
            await this.audit.record(scope, index_js_2.AuditAction.CERTIFICATE_UNBOUND, target(cert), { deviceId: device.id, deviceName: device.name }, m);
            return (0, registry_generation_js_1.bumpRegistryGeneration)(m);
        });
        if (generation !== null) {
            this.log.info('certificate unbound', { certificateId: cert.id, deviceId: device.id, fingerprint: cert.fingerprint });
            this.bus.emit('certificateWithdrawn', { fingerprint: cert.fingerprint, deviceIds: [device.id], reason: 'certificate unbound from device', generation });
        }
        return cert;
    }
    /** Revokes the certificate: refused from now on, listed in the CRL, live sessions using it disconnected. Idempotent. */
    async revoke(access, id, reason) {
        const { cert, scope } = await this.authorize(access, id, index_js_1.Permission.CERTIFICATES);
        if (cert.revokedAt)
            return cert;
        const text = reason?.trim() || null;
        if (text && text.length > exports.MAX_REASON_LENGTH)
            throw (0, errors_js_1.badInput)(`reason must be at most ${exports.MAX_REASON_LENGTH} characters`, 'reason');
        const now = this.clock();
        cert.revokedAt = now;
        cert.revocationReason = text;
        cert.updatedAt = now;
        const generation = await this.ds.transaction(async (m) => {
            await m.getRepository(certificate_entity_js_1.CertificateEntity).update({ id: cert.id }, { revokedAt: now, revocationReason: text, updatedAt: now });
            await this.audit.record(scope, index_js_2.AuditAction.CERTIFICATE_REVOKED, target(cert), { reason: text }, m);
            return (0, registry_generation_js_1.bumpRegistryGeneration)(m);
        });
        const deviceIds = (await this.bindings.findBy({ certificateId: cert.id })).map((b) => b.deviceId);
        this.log.info('certificate revoked', { certificateId: cert.id, fingerprint: cert.fingerprint, serialNumber: cert.serialNumber, reason: text, deviceIds });
        this.bus.emit('certificateWithdrawn', { fingerprint: cert.fingerprint, deviceIds, reason: text ? `certificate revoked: ${text}` : 'certificate revoked', generation });
        return cert;
    }
    /** Devices bound to each certificate, in one query (for DataLoader). */
    async devicesFor(certificateIds) {
        const map = new Map(certificateIds.map((id) => [id, []]));
        if (!certificateIds.length)
            return map;
        const rows = await this.deviceRepo
            .createQueryBuilder('d')
            .innerJoin(certificate_entity_js_1.CertificateDeviceEntity, 'b', 'b.device_id = d.id')
            .addSelect('b.certificate_id', 'certificate_id')
            .where('b.certificate_id IN (:...ids)', { ids: [...certificateIds] })
            .orderBy('d.name', 'ASC')
            .addOrderBy('d.id', 'ASC')
            .getRawAndEntities();
        // Entities come back de-duplicated (a device bound to several certificates appears once): pair them through the raw rows.
        const byId = new Map(rows.entities.map((d) => [d.id, d]));
        for (const raw of rows.raw) {
            const device = byId.get(raw.d_id);
            if (device)
                map.get(String(raw.certificate_id))?.push(device);
        }
        return map;
    }
    /** Certificates bound to each device, in one query (for DataLoader). */
    async certificatesFor(deviceIds) {
        const map = new Map(deviceIds.map((id) => [id, []]));
        if (!deviceIds.length)
            return map;
        const rows = await this.repo
            .createQueryBuilder('c')
            .innerJoin(certificate_entity_js_1.CertificateDeviceEntity, 'b', 'b.certificate_id = c.id')
            .addSelect('b.device_id', 'device_id')
            .where('b.device_id IN (:...ids)', { ids: [...deviceIds] })
            .andWhere('c.deleted_at IS NULL')
            .orderBy('c.created_at', 'DESC')
            .addOrderBy('c.id', 'DESC')
            .getRawAndEntities();
        const byId = new Map(rows.entities.map((c) => [c.id, c]));
        for (const raw of rows.raw) {
            const cert = byId.get(raw.c_id);
            if (cert)
                map.get(String(raw.device_id))?.push(cert);
        }
        return map;
    }
    /**
     * Certificate authentication for the mutual-TLS listener: the client id is the device number; the
     * device must use CERTIFICATE authentication and not be blocked; the presented certificate (matched
     * by SHA-256 fingerprint) must be ACTIVE, within its validity (per the app clock) and bound to it.
     */
    async verifyDeviceCertificate(clientId, certDer) {
        if (!certDer || certDer.length === 0)
            return { ok: false, reason: 'BAD_CREDENTIALS', detail: 'no client certificate presented' };
        const fingerprint = (0, x509_js_1.fingerprintOf)(certDer);
        const device = clientId ? await this.devices.findByDeviceNumber(clientId) : null;
        if (!device)
            return { ok: false, reason: 'BAD_CREDENTIALS', detail: 'unknown client id', fingerprint };
        if (device.blocked)
            return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'device blocked', device, fingerprint };
        if (device.authType !== device_entity_js_1.DeviceAuthType.CERTIFICATE) {
            return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'device uses token authentication, not a certificate', device, fingerprint };
        }
        const cert = await this.repo.findOneBy({ fingerprint });
        if (!cert || cert.deletedAt)
            return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'unknown certificate', device, fingerprint };
        const notBound = { ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate not bound to this device', device, fingerprint };
        // Another user's certificate: say no more than "not bound".
        if (cert.organizationId !== device.organizationId)
            return notBound;
        const now = this.clock();
        if (cert.revokedAt)
            return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate revoked', device, fingerprint };
        if (now.getTime() >= cert.notAfter.getTime())
            return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate expired', device, fingerprint };
        if (now.getTime() < cert.notBefore.getTime())
            return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate not yet valid', device, fingerprint };
        if (!(await this.bindings.existsBy({ certificateId: cert.id, deviceId: device.id })))
            return notBound;
        return { ok: true, device, fingerprint };
    }
    /** The CRL (PEM) signed by the platform CA, listing every revoked certificate's serial number. */
    async crlPem() {
        const rows = await this.repo
            .createQueryBuilder('c')
            .select(['c.serialNumber', 'c.revokedAt'])
            .where('c.revoked_at IS NOT NULL')
            .orderBy('c.revoked_at', 'ASC')
            .addOrderBy('c.serial_number', 'ASC')
            .getMany();
        const entries = rows.map((r) => ({ serialNumber: r.serialNumber, revocationDate: r.revokedAt }));
        const key = node_crypto_1.default.createHash('sha256').update(JSON.stringify(entries)).digest('hex');
        const now = this.clock();
        const cached = this.crlCache;
        if (cached && cached.key === key && now.getTime() - cached.at < CRL_REFRESH_MS && now.getTime() >= cached.at)
            return cached.pem;
        const pem = await this.pki.crlPem(entries, now, new Date(now.getTime() + CRL_VALIDITY_MS));
        this.crlCache = { key, at: now.getTime(), pem };
        return pem;
    }
    /** The files of the download bundle: root_ca.crt, <name>.crt, <name>.key. */
    async bundle(access, id) {
        const { cert, scope } = await this.authorize(access, id, index_js_1.Permission.SECRETS);
        const key = this.privateKeyPem(cert);
        if (!key)
            throw (0, errors_js_1.notFound)('Certificate');
        await this.audit.record(scope, index_js_2.AuditAction.CERTIFICATE_BUNDLE_DOWNLOADED, target(cert));
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
exports.CertificateService = CertificateService;
//# sourceMappingURL=certificate.service.js.map