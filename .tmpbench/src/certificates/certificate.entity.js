"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.CertificateDeviceEntity = exports.CertificateEntity = exports.CertificateStatus = void 0;
exports.certificateStatus = certificateStatus;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
const pki_resolver_js_1 = require("../pki/pki.resolver.js");
var CertificateStatus;
(function (CertificateStatus) {
    CertificateStatus["ACTIVE"] = "ACTIVE";
    CertificateStatus["REVOKED"] = "REVOKED";
    CertificateStatus["EXPIRED"] = "EXPIRED";
})(CertificateStatus || (exports.CertificateStatus = CertificateStatus = {}));
(0, type_graphql_1.registerEnumType)(CertificateStatus, {
    name: 'CertificateStatus',
    description: 'REVOKED wins over EXPIRED; only ACTIVE certificates authenticate devices.',
});
/** A device (TLS client) certificate issued by the platform CA, owned by one user. */
let CertificateEntity = class CertificateEntity {
};
exports.CertificateEntity = CertificateEntity;
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.ID),
    (0, typeorm_1.PrimaryColumn)({ type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], CertificateEntity.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'organization_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], CertificateEntity.prototype, "organizationId", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'Display name; the download bundle names its files after it.' }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 100 }),
    __metadata("design:type", String)
], CertificateEntity.prototype, "name", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'Subject CN of the certificate.' }),
    (0, typeorm_1.Column)({ name: 'common_name', type: 'varchar', length: 64 }),
    __metadata("design:type", String)
], CertificateEntity.prototype, "commonName", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'Random, unique; lower-case hex.' }),
    (0, typeorm_1.Index)('uq_certificates_serial', { unique: true }),
    (0, typeorm_1.Column)({ name: 'serial_number', type: 'varchar', length: 40 }),
    __metadata("design:type", String)
], CertificateEntity.prototype, "serialNumber", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'SHA-256 of the DER certificate, upper-case hex pairs separated by colons.' }),
    (0, typeorm_1.Index)('uq_certificates_fingerprint', { unique: true }),
    (0, typeorm_1.Column)({ type: 'varchar', length: 95 }),
    __metadata("design:type", String)
], CertificateEntity.prototype, "fingerprint", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => pki_resolver_js_1.KeyAlgorithmEnum),
    (0, typeorm_1.Column)({ name: 'key_algorithm', type: 'varchar', length: 16 }),
    __metadata("design:type", String)
], CertificateEntity.prototype, "keyAlgorithm", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'not_before', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], CertificateEntity.prototype, "notBefore", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'not_after', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], CertificateEntity.prototype, "notAfter", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Date, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'revoked_at', ...(0, columns_js_1.timestampColumn)(true) }),
    __metadata("design:type", Object)
], CertificateEntity.prototype, "revokedAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    (0, typeorm_1.Column)({ name: 'revocation_reason', type: 'varchar', length: 200, nullable: true }),
    __metadata("design:type", Object)
], CertificateEntity.prototype, "revocationReason", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'PEM; the bundle\'s <name>.crt.' }),
    (0, typeorm_1.Column)({ name: 'certificate_pem', type: 'text' }),
    __metadata("design:type", String)
], CertificateEntity.prototype, "certificatePem", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'key_ciphertext', type: 'text', nullable: true }),
    __metadata("design:type", Object)
], CertificateEntity.prototype, "keyCiphertext", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'created_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], CertificateEntity.prototype, "createdAt", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ name: 'updated_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], CertificateEntity.prototype, "updatedAt", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'deleted_at', ...(0, columns_js_1.timestampColumn)(true) }),
    __metadata("design:type", Object)
], CertificateEntity.prototype, "deletedAt", void 0);
exports.CertificateEntity = CertificateEntity = __decorate([
    (0, type_graphql_1.ObjectType)('Certificate'),
    (0, typeorm_1.Entity)({ name: 'certificates' }),
    (0, typeorm_1.Index)('ix_certificates_owner_created', ['organizationId', 'createdAt']),
    (0, typeorm_1.Index)('ix_certificates_revoked', ['revokedAt'])
], CertificateEntity);
/** Many-to-many: which certificates a device may authenticate with. */
let CertificateDeviceEntity = class CertificateDeviceEntity {
};
exports.CertificateDeviceEntity = CertificateDeviceEntity;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ name: 'certificate_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], CertificateDeviceEntity.prototype, "certificateId", void 0);
__decorate([
    (0, typeorm_1.Index)('ix_certificate_devices_device'),
    (0, typeorm_1.PrimaryColumn)({ name: 'device_id', type: 'varchar', length: 36 }),
    __metadata("design:type", String)
], CertificateDeviceEntity.prototype, "deviceId", void 0);
__decorate([
    (0, typeorm_1.Column)({ name: 'bound_at', ...(0, columns_js_1.timestampColumn)() }),
    __metadata("design:type", Date)
], CertificateDeviceEntity.prototype, "boundAt", void 0);
exports.CertificateDeviceEntity = CertificateDeviceEntity = __decorate([
    (0, typeorm_1.Entity)({ name: 'certificate_devices' })
], CertificateDeviceEntity);
function certificateStatus(cert, now) {
    if (cert.revokedAt)
        return CertificateStatus.REVOKED;
    if (now.getTime() >= cert.notAfter.getTime())
        return CertificateStatus.EXPIRED;
    return CertificateStatus.ACTIVE;
}
//# sourceMappingURL=certificate.entity.js.map