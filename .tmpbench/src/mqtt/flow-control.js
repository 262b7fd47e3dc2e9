"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OutgoingWindow = exports.PacketSplitter = void 0;
const reason_codes_js_1 = require("./reason-codes.js");
/** Splits a byte stream into whole MQTT packets (fixed header + Remaining Length, MQTT 5.0 §2.1). */
class PacketSplitter {
    constructor() {
        this.pending = Buffer.alloc(0);
    }
    add(chunk, onPacket) {
        let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
        let offset = 0;
        for (;;) {
            const size = packetSize(buf, offset);
            if (size === null || offset + size > buf.length)
                break;
            onPacket(buf.subarray(offset, offset + size));
            offset += size;
        }
        buf = buf.subarray(offset);
        this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    }
    /** The bytes of an incomplete packet held so far (and forgets them). */
    rest() {
        const rest = this.pending;
        this.pending = Buffer.alloc(0);
        return rest;
    }
}
exports.PacketSplitter = PacketSplitter;
/** Whole size of the packet starting at `offset`, or null while its fixed header is incomplete. */
function packetSize(buf, offset) {
    let value = 0;
    let multiplier = 1;
    for (let i = 1; i <= 4; i++) {
        if (offset + i >= buf.length)
            return null;
        const byte = buf[offset + i];
        value += (byte & 0x7f) * multiplier;
        if (!(byte & 0x80))
            return 1 + i + value;
        multiplier *= 128;
    }
    // Not a length we would have written: pass the rest on as it is.
    return buf.length - offset;
}
const isQosPublish = (packet) => packet[0] >> 4 === reason_codes_js_1.PacketType.PUBLISH && (packet[0] & 0x06) !== 0;
/**
 * The client's Receive Maximum ([MQTT-3.3.4-9]): at most `max` QoS 1 and 2 PUBLISH packets sent and not yet
 * acknowledged (PUBACK, or PUBCOMP for QoS 2). Beyond it, what the broker writes waits, in order, and its
 * write callbacks are held back, so the broker itself slows down (its drain timeout ends a client that never acks).
 */
class OutgoingWindow {
    constructor(max, 
    /** Sends bytes; false when the socket pushes back (ignored here: the socket buffers). */
    send) {
        this.max = max;
        this.send = send;
        this.inflight = 0;
        this.splitter = new PacketSplitter();
        this.queue = [];
        this.waiting = [];
    }
    write(data, cb) {
        const out = [];
        this.splitter.add(data, (packet) => {
            if (this.queue.length || (isQosPublish(packet) && this.inflight >= this.max)) {
                this.queue.push(packet);
                return;
            }
            if (isQosPublish(packet))
                this.inflight += 1;
            out.push(packet);
        });
        if (out.length)
            this.send(out.length === 1 ? out[0] : Buffer.concat(out));
        if (this.queue.length)
            this.waiting.push(cb);
        else
            cb();
    }
    /** The client completed one QoS 1/2 delivery. */
    completed() {
        this.inflight = Math.max(0, this.inflight - 1);
        const out = [];
        while (this.queue.length) {
            const next = this.queue[0];
            if (isQosPublish(next)) {
                if (this.inflight >= this.max)
                    break;
                this.inflight += 1;
            }
            out.push(this.queue.shift());
        }
        if (out.length)
            this.send(out.length === 1 ? out[0] : Buffer.concat(out));
        if (!this.queue.length)
            for (const cb of this.waiting.splice(0))
                cb();
    }
}
exports.OutgoingWindow = OutgoingWindow;
//# sourceMappingURL=flow-control.js.map