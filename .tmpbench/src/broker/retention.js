"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Retention = void 0;
const node_events_1 = require("node:events");
/** Deletes connection-log rows and device events beyond their retention, now and every interval. */
class Retention extends node_events_1.EventEmitter {
    constructor(config, connectionLog, deviceEvents, log) {
        super();
        this.config = config;
        this.connectionLog = connectionLog;
        this.deviceEvents = deviceEvents;
        this.log = log;
        this.timer = null;
        this.running = null;
    }
    start() {
        this.timer = setInterval(() => void this.run().catch((err) => this.log.error('retention failed', err)), this.config.retentionIntervalMs);
        this.timer.unref();
    }
    /** One pass; returns how many rows went. Passes never overlap. */
    async run() {
        while (this.running)
            await this.running.catch(() => undefined);
        const run = (async () => ({
            connectionLog: await this.connectionLog.enforceRetention(this.config.connectionLogRetention),
            deviceEvents: await this.deviceEvents.enforceRetention(this.config.deviceEventRetention),
        }))();
        this.running = run;
        try {
            const result = await run;
            this.emit('retention', result);
            return result;
        }
        finally {
            this.running = null;
        }
    }
    async stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
        await this.running?.catch(() => undefined);
    }
}
exports.Retention = Retention;
//# sourceMappingURL=retention.js.map