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
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.DeviceCertificatesResolver = exports.CertificateResolver = exports.CertificateConnection = exports.CertificateFilter = void 0;
const type_graphql_1 = require("type-graphql");
const device_entity_js_1 = require("../devices/device.entity.js");
const index_js_1 = require("../access/index.js");
const device_resolver_js_1 = require("../devices/device.resolver.js");
const relay_js_1 = require("../graphql/relay.js");
const pki_resolver_js_1 = require("../pki/pki.resolver.js");
const certificate_entity_js_1 = require("./certificate.entity.js");
let CertificateFilter = class CertificateFilter {
};
exports.CertificateFilter = CertificateFilter;
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'Case-insensitive substring of the name, common name, serial number or fingerprint.' }),
    __metadata("design:type", Object)
], CertificateFilter.prototype, "search", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => certificate_entity_js_1.CertificateStatus, { nullable: true }),
    __metadata("design:type", Object)
], CertificateFilter.prototype, "status", void 0);
exports.CertificateFilter = CertificateFilter = __decorate([
    (0, type_graphql_1.InputType)()
], CertificateFilter);
exports.CertificateConnection = (0, relay_js_1.ConnectionType)('Certificate', certificate_entity_js_1.CertificateEntity);
let CertificateResolver = class CertificateResolver {
    constructor(service) {
        this.service = service;
    }
    async certificate(ctx, id) {
        return (await this.service.authorize(ctx.access, id, index_js_1.Permission.READ)).cert;
    }
    async certificates(ctx, organizationId, filter, first, after) {
        const scope = await ctx.access.organization(organizationId, index_js_1.Permission.READ);
        return (0, relay_js_1.toConnection)(await this.service.list(scope.organizationId, { ...filter, first, after }));
    }
    async createCertificate(ctx, organizationId, name, validityDays, keyAlgorithm, commonName) {
        return this.service.create(await ctx.access.organization(organizationId, index_js_1.Permission.CERTIFICATES), { name, validityDays, keyAlgorithm, commonName });
    }
    async deleteCertificate(ctx, id) {
        return (await this.service.delete(ctx.access, id)).id;
    }
    bindCertificate(ctx, certificateId, deviceId) {
        return this.service.bind(ctx.access, certificateId, deviceId);
    }
    unbindCertificate(ctx, certificateId, deviceId) {
        return this.service.unbind(ctx.access, certificateId, deviceId);
    }
    revokeCertificate(ctx, id, reason) {
        return this.service.revoke(ctx.access, id, reason);
    }
    status(cert) {
        return this.service.status(cert);
    }
    async privateKeyPem(cert, ctx) {
        await ctx.access.within(cert.organizationId, index_js_1.Permission.SECRETS, 'Certificate');
        return this.service.privateKeyPem(cert);
    }
    rootCaPem(ctx) {
        return ctx.services.pki.caCertificatePem();
    }
    bundlePath(cert) {
        return `/certificates/${cert.id}/bundle.zip`;
    }
    async devices(cert, ctx) {
        const devices = await ctx.loaders.certificateDevices.load(cert.id);
        return devices.filter((d) => d.organizationId === cert.organizationId);
    }
};
exports.CertificateResolver = CertificateResolver;
__decorate([
    (0, type_graphql_1.Query)(() => certificate_entity_js_1.CertificateEntity, { description: 'A certificate of an organization you belong to; NOT_FOUND otherwise.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "certificate", null);
__decorate([
    (0, type_graphql_1.Query)(() => exports.CertificateConnection, { description: "An organization's certificates, newest first: search, status filter, cursor paging." }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: device_resolver_js_1.ORGANIZATION_ID })),
    __param(2, (0, type_graphql_1.Arg)('filter', () => CertificateFilter, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('first', () => type_graphql_1.Int, { nullable: true, defaultValue: 20 })),
    __param(4, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "certificates", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => certificate_entity_js_1.CertificateEntity, { description: 'Issues a key pair and a certificate signed by the platform CA (DEVELOPER or higher).' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: device_resolver_js_1.ORGANIZATION_ID })),
    __param(2, (0, type_graphql_1.Arg)('name', { description: 'Display name, 1–100 characters; also names the files of the download bundle.' })),
    __param(3, (0, type_graphql_1.Arg)('validityDays', () => type_graphql_1.Int, { nullable: true, description: 'Defaults to the server setting (365 days).' })),
    __param(4, (0, type_graphql_1.Arg)('keyAlgorithm', () => pki_resolver_js_1.KeyAlgorithmEnum, { nullable: true, defaultValue: pki_resolver_js_1.KeyAlgorithmEnum.ECDSA })),
    __param(5, (0, type_graphql_1.Arg)('commonName', () => String, { nullable: true, description: 'Subject CN (≤ 64 characters); defaults to the name.' })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, Object, String, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "createCertificate", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => type_graphql_1.ID, { description: 'Deletes a certificate that no device is bound to (CONFLICT otherwise); it stays in the CRL. Returns its id.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "deleteCertificate", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => certificate_entity_js_1.CertificateEntity, { description: 'Lets a CERTIFICATE device authenticate with this certificate on the mutual-TLS port.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('certificateId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "bindCertificate", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => certificate_entity_js_1.CertificateEntity, { description: 'Removes the binding; the device\'s sessions using this certificate are disconnected.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('certificateId', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('deviceId', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, String]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "unbindCertificate", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => certificate_entity_js_1.CertificateEntity, { description: 'Revokes the certificate: refused from now on, listed in the CRL, live sessions using it disconnected.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('reason', () => String, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, Object]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "revokeCertificate", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => certificate_entity_js_1.CertificateStatus),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [certificate_entity_js_1.CertificateEntity]),
    __metadata("design:returntype", String)
], CertificateResolver.prototype, "status", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => String, { nullable: true, description: "PEM (PKCS#8), the bundle's <name>.key (DEVELOPER or higher; FORBIDDEN for VIEWER)." }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [certificate_entity_js_1.CertificateEntity, Object]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "privateKeyPem", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => String, { description: 'The platform root CA (PEM), the bundle\'s root_ca.crt.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object]),
    __metadata("design:returntype", String)
], CertificateResolver.prototype, "rootCaPem", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => String, { description: 'Path of the zip bundle (root_ca.crt, <name>.crt, <name>.key), relative to the server URL; send the bearer token.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [certificate_entity_js_1.CertificateEntity]),
    __metadata("design:returntype", String)
], CertificateResolver.prototype, "bundlePath", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => [device_entity_js_1.DeviceEntity], { description: 'Devices bound to this certificate.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [certificate_entity_js_1.CertificateEntity, Object]),
    __metadata("design:returntype", Promise)
], CertificateResolver.prototype, "devices", null);
exports.CertificateResolver = CertificateResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => certificate_entity_js_1.CertificateEntity),
    __metadata("design:paramtypes", [Function])
], CertificateResolver);
/** `Device.certificates`, kept with the certificates feature. */
let DeviceCertificatesResolver = class DeviceCertificatesResolver {
    async certificates(device, ctx) {
        const certs = await ctx.loaders.deviceCertificates.load(device.id);
        return certs.filter((c) => c.organizationId === device.organizationId);
    }
};
exports.DeviceCertificatesResolver = DeviceCertificatesResolver;
__decorate([
    (0, type_graphql_1.FieldResolver)(() => [certificate_entity_js_1.CertificateEntity], { description: 'Certificates this device may authenticate with (CERTIFICATE devices), newest first.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_entity_js_1.DeviceEntity, Object]),
    __metadata("design:returntype", Promise)
], DeviceCertificatesResolver.prototype, "certificates", null);
exports.DeviceCertificatesResolver = DeviceCertificatesResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => device_entity_js_1.DeviceEntity)
], DeviceCertificatesResolver);
//# sourceMappingURL=certificate.resolver.js.map