"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RegistryBus = void 0;
const node_events_1 = require("node:events");
/**
 * A typed event bus, one per app. Events emitted here also go to `forward` (scale-out: the other instances,
 * through Redis); events from other instances come in through `emitLocal`, which does not forward them again.
 */
class RegistryBus extends node_events_1.EventEmitter {
    emit(event, payload) {
        const had = this.emitLocal(event, payload);
        this.forward?.(event, payload);
        return had;
    }
    emitLocal(event, payload) {
        return super.emit(event, payload);
    }
}
exports.RegistryBus = RegistryBus;
//# sourceMappingURL=events.js.map