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
exports.RegistryGenerationEntity = void 0;
exports.bumpRegistryGeneration = bumpRegistryGeneration;
exports.readRegistryGeneration = readRegistryGeneration;
const typeorm_1 = require("typeorm");
const ROW_ID = 1;
/**
 * One row counting credential changes (device blocked, key regenerated, credentials changed, device deleted,
 * certificate revoked or unbound). Each change bumps it in its own transaction and announces the new value with its
 * registry event, so an instance that finds the counter ahead of the events it has seen knows it missed some.
 */
let RegistryGenerationEntity = class RegistryGenerationEntity {
};
exports.RegistryGenerationEntity = RegistryGenerationEntity;
__decorate([
    (0, typeorm_1.PrimaryColumn)({ type: 'integer' }),
    __metadata("design:type", Number)
], RegistryGenerationEntity.prototype, "id", void 0);
__decorate([
    (0, typeorm_1.Column)({ type: 'bigint', transformer: { to: (v) => v, from: (v) => Number(v) } }),
    __metadata("design:type", Number)
], RegistryGenerationEntity.prototype, "generation", void 0);
exports.RegistryGenerationEntity = RegistryGenerationEntity = __decorate([
    (0, typeorm_1.Entity)({ name: 'registry_generation' })
], RegistryGenerationEntity);
/**
 * Bumps the counter inside the caller's transaction and returns the new value. The row stays locked until the
 * transaction ends, so concurrent changes get consecutive values in commit order: call it last in the transaction.
 */
async function bumpRegistryGeneration(m) {
    await m.increment(RegistryGenerationEntity, { id: ROW_ID }, 'generation', 1);
    return (await m.findOneByOrFail(RegistryGenerationEntity, { id: ROW_ID })).generation;
}
/** The committed counter. */
async function readRegistryGeneration(ds) {
    return (await ds.manager.findOneByOrFail(RegistryGenerationEntity, { id: ROW_ID })).generation;
}
//# sourceMappingURL=registry-generation.js.map