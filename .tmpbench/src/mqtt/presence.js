"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Presence = void 0;
const device_entity_js_1 = require("../devices/device.entity.js");
const status_topic_js_1 = require("../devices/status-topic.js");
/**
 * Device presence on this instance: a device is ONLINE while at least one authenticated session holds it.
 * Status writes of one device are applied in order and each change is published to its owner.
 */
class Presence {
    constructor(devices, pubSub, clock, log, instanceId) {
        this.devices = devices;
        this.pubSub = pubSub;
        this.clock = clock;
        this.log = log;
        this.instanceId = instanceId;
        this.holders = new Map();
        this.chains = new Map();
        /** Devices whose last status write failed (database unavailable): written again until it succeeds. */
        this.unsaved = new Map();
        this.retryTimer = null;
    }
    /** Pending status writes (for settling). */
    get pending() {
        return [...this.chains.values()];
    }
    /** `holder` keeps the device ONLINE; resolves once ONLINE is written. */
    hold(device, holder) {
        let set = this.holders.get(device.id);
        if (!set)
            this.holders.set(device.id, (set = new Set()));
        set.add(holder);
        return this.setStatus(device, device_entity_js_1.DeviceStatus.ONLINE);
    }
    /**
     * `holder` lets go. The device goes OFFLINE when no holder is left, unless `handedOver` (a newer session, on
     * this instance or another, holds it now). False when `holder` did not hold it.
     */
    release(device, holder, handedOver) {
        const set = this.holders.get(device.id);
        if (!set?.delete(holder))
            return false;
        if (set.size === 0)
            this.holders.delete(device.id);
        if (!handedOver && !this.holders.has(device.id))
            void this.setStatus(device, device_entity_js_1.DeviceStatus.OFFLINE);
        return true;
    }
    /** Stops retrying failed status writes (shutdown). */
    close() {
        if (this.retryTimer)
            clearInterval(this.retryTimer);
        this.retryTimer = null;
        this.unsaved.clear();
    }
    setStatus(device, status) {
        const at = this.clock();
        const previous = this.chains.get(device.id) ?? Promise.resolve();
        const next = previous
            .then(async () => {
            const updated = await this.devices.setConnectionStatus(device.id, status, at, this.instanceId);
            this.unsaved.delete(device.id);
            if (updated)
                this.pubSub.publish((0, status_topic_js_1.deviceStatusTopic)(updated.organizationId), updated);
        })
            .catch((err) => {
            if (!this.unsaved.has(device.id))
                this.log.error(`could not set device ${device.id} ${status}; will retry`, err);
            this.unsaved.set(device.id, device);
            this.retryLater();
        });
        this.chains.set(device.id, next);
        void next.then(() => {
            if (this.chains.get(device.id) === next)
                this.chains.delete(device.id);
        });
        return next;
    }
    /** Writes again, every second, the status each device should have now, until the database takes it. */
    retryLater() {
        if (this.retryTimer)
            return;
        this.retryTimer = setInterval(() => {
            if (!this.unsaved.size) {
                if (this.retryTimer)
                    clearInterval(this.retryTimer);
                this.retryTimer = null;
                return;
            }
            for (const device of [...this.unsaved.values()]) {
                if (this.chains.has(device.id))
                    continue;
                void this.setStatus(device, this.holders.has(device.id) ? device_entity_js_1.DeviceStatus.ONLINE : device_entity_js_1.DeviceStatus.OFFLINE);
            }
        }, 1000);
        this.retryTimer.unref();
    }
}
exports.Presence = Presence;
//# sourceMappingURL=presence.js.map