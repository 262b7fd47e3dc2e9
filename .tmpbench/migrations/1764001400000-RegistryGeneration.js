"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RegistryGeneration1764001400000 = void 0;
const typeorm_1 = require("typeorm");
/** The registry generation: one row counting credential changes, so instances can tell when they missed one. */
class RegistryGeneration1764001400000 {
    constructor() {
        this.name = 'RegistryGeneration1764001400000';
    }
    async up(q) {
        await q.createTable(new typeorm_1.Table({
            name: 'registry_generation',
            columns: [
                { name: 'id', type: 'integer', isPrimary: true },
                { name: 'generation', type: 'bigint', default: 0 },
            ],
        }));
        await q.query('INSERT INTO registry_generation (id, generation) VALUES (1, 0)');
    }
    async down(q) {
        await q.dropTable('registry_generation');
    }
}
exports.RegistryGeneration1764001400000 = RegistryGeneration1764001400000;
//# sourceMappingURL=1764001400000-RegistryGeneration.js.map