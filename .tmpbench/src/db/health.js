"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.StorageHealth = void 0;
exports.storageProbe = storageProbe;
const node_events_1 = require("node:events");
/**
 * Whether the database accepts writes right now. Writers mark it failed when a write is refused for a
 * storage reason and ok when one succeeds again; readiness (`GET /readyz`) and metrics read it.
 */
class StorageHealth extends node_events_1.EventEmitter {
    /**
     * @param probe a small write; while the storage is marked failed it runs every `probeIntervalMs` and marks it
     *   ok again when it succeeds (so readiness comes back even when nothing else writes).
     */
    constructor(probe, probeIntervalMs = 500) {
        super();
        this.probe = probe;
        this.probeIntervalMs = probeIntervalMs;
        this.state = { ok: true, reason: null };
        this.timer = null;
        this.probing = false;
    }
    get ok() {
        return this.state.ok;
    }
    get reason() {
        return this.state.reason;
    }
    markFailed(reason) {
        if (!this.state.ok && this.state.reason === reason)
            return;
        const wasOk = this.state.ok;
        this.state = { ok: false, reason };
        if (wasOk)
            this.startProbing();
        this.emit('change', this.state);
    }
    markOk() {
        if (this.state.ok)
            return;
        this.state = { ok: true, reason: null };
        this.stopProbing();
        this.emit('change', this.state);
    }
    /** Stops probing (shutdown). */
    close() {
        this.stopProbing();
    }
    startProbing() {
        if (!this.probe || this.timer)
            return;
        const probe = this.probe;
        this.timer = setInterval(() => {
            if (this.probing)
                return;
            this.probing = true;
            probe()
                .then(() => this.markOk(), () => undefined)
                .finally(() => (this.probing = false));
        }, this.probeIntervalMs);
        this.timer.unref();
    }
    stopProbing() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
    }
}
exports.StorageHealth = StorageHealth;
/** The storage probe: rewrites the one row of `storage_probe` (a real write, refused when the storage cannot write). */
function storageProbe(ds, clock) {
    return async () => {
        const at = clock().getTime();
        await ds.query(`INSERT INTO storage_probe (id, at) VALUES (1, ${at}) ON CONFLICT (id) DO UPDATE SET at = ${at}`);
    };
}
//# sourceMappingURL=health.js.map