"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessageProperties1764000500000 = void 0;
const typeorm_1 = require("typeorm");
/** MQTT 5 properties of each upstream PUBLISH (JSON; null when it carried none). */
class MessageProperties1764000500000 {
    constructor() {
        this.name = 'MessageProperties1764000500000';
    }
    async up(q) {
        await q.addColumn('device_events', new typeorm_1.TableColumn({ name: 'properties', type: 'text', isNullable: true }));
    }
    async down(q) {
        await q.dropColumn('device_events', 'properties');
    }
}
exports.MessageProperties1764000500000 = MessageProperties1764000500000;
//# sourceMappingURL=1764000500000-MessageProperties.js.map