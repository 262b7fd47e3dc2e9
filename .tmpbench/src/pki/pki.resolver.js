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
exports.PkiResolver = exports.PlatformCaType = exports.KeyAlgorithmEnum = void 0;
const type_graphql_1 = require("type-graphql");
var KeyAlgorithmEnum;
(function (KeyAlgorithmEnum) {
    KeyAlgorithmEnum["ECDSA"] = "ECDSA";
    KeyAlgorithmEnum["RSA"] = "RSA";
})(KeyAlgorithmEnum || (exports.KeyAlgorithmEnum = KeyAlgorithmEnum = {}));
(0, type_graphql_1.registerEnumType)(KeyAlgorithmEnum, { name: 'KeyAlgorithm', description: 'ECDSA: P-256 with SHA-256. RSA: 2048-bit with SHA-256.' });
let PlatformCaType = class PlatformCaType {
};
exports.PlatformCaType = PlatformCaType;
__decorate([
    (0, type_graphql_1.Field)({ description: 'PEM; what the download bundle calls root_ca.crt.' }),
    __metadata("design:type", String)
], PlatformCaType.prototype, "certificatePem", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'SHA-256 of the DER certificate, upper-case hex pairs separated by colons.' }),
    __metadata("design:type", String)
], PlatformCaType.prototype, "fingerprint", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", String)
], PlatformCaType.prototype, "subject", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => KeyAlgorithmEnum),
    __metadata("design:type", String)
], PlatformCaType.prototype, "keyAlgorithm", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", Date)
], PlatformCaType.prototype, "notBefore", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", Date)
], PlatformCaType.prototype, "notAfter", void 0);
exports.PlatformCaType = PlatformCaType = __decorate([
    (0, type_graphql_1.ObjectType)('PlatformCa', { description: 'The platform root CA: devices verify the message server with it (root_ca.crt), and it signs device certificates.' })
], PlatformCaType);
let PkiResolver = class PkiResolver {
    constructor(pki) {
        this.pki = pki;
    }
    platformCa() {
        const info = this.pki.platformCa();
        return {
            certificatePem: info.certificatePem,
            fingerprint: info.fingerprint,
            subject: info.subject,
            keyAlgorithm: info.keyAlgorithm,
            notBefore: info.notBefore,
            notAfter: info.notAfter,
        };
    }
};
exports.PkiResolver = PkiResolver;
__decorate([
    (0, type_graphql_1.Query)(() => PlatformCaType, { description: 'The platform root CA certificate (public; no authentication needed).' }),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", []),
    __metadata("design:returntype", PlatformCaType)
], PkiResolver.prototype, "platformCa", null);
exports.PkiResolver = PkiResolver = __decorate([
    (0, type_graphql_1.Resolver)(),
    __metadata("design:paramtypes", [Function])
], PkiResolver);
//# sourceMappingURL=pki.resolver.js.map