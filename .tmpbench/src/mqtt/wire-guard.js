"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WireGuard = void 0;
const node_stream_1 = require("node:stream");
const flow_control_js_1 = require("./flow-control.js");
const reason_codes_js_1 = require("./reason-codes.js");
/** Bytes of a fixed header: the type byte and a Remaining Length of at most four bytes (MQTT 5.0 §1.5.5). */
const MAX_VARINT_BYTES = 4;
/**
 * The byte stream the broker reads and writes for one socket. It passes bytes through unchanged and only
 * follows the fixed headers of incoming packets, so that before authentication a client gets little:
 *
 * - the first packet must be a CONNECT ([MQTT-3.1.0-1]) of at most `connectMaxBytes`;
 * - after the CONNECT nothing more is read from the socket until `release()` (the client authenticated), so
 *   an unauthenticated client cannot make the server buffer or parse anything else;
 * - afterwards, a packet that announces more than `maxPacketBytes` ends the connection before it is buffered;
 * - a DISCONNECT waits until the SUBSCRIBE/UNSUBSCRIBE packets before it are complete (`requestCompleted`): aedes
 *   handles the packets of one read concurrently, and would otherwise drop a subscription sent just before.
 *
 * A violation destroys the stream with an error whose message says why (`problem`).
 */
class WireGuard extends node_stream_1.Duplex {
    constructor(socket, options) {
        super({ allowHalfOpen: false, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
        this.socket = socket;
        this.options = options;
        this.state = 'connect';
        this.held = [];
        this.heldBytes = 0;
        /** Fixed-header tracking of the incoming byte stream. */
        this.headerBytes = 0;
        this.packetType = 0;
        this.remaining = 0;
        this.multiplier = 1;
        this.bodyLeft = 0;
        /** SUBSCRIBE/UNSUBSCRIBE packets passed on and not yet completed by the broker. */
        this.pendingRequests = 0;
        this.holdTimer = null;
        this.window = null;
        this.first = null;
        /** Why the guard closed the connection (null while it has not). */
        this.problem = null;
        const a = socket.remoteAddress;
        this.remoteAddress = a?.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
        this.remotePort = socket.remotePort;
        socket.on('data', (chunk) => this.onData(chunk));
        socket.on('end', () => this.push(null));
        socket.on('error', (err) => this.destroy(err));
        socket.on('close', () => {
            if (!this.destroyed)
                this.destroy();
        });
    }
    /** The broker completed a SUBSCRIBE or UNSUBSCRIBE of this connection. */
    requestCompleted() {
        this.pendingRequests = Math.max(0, this.pendingRequests - 1);
        if (this.pendingRequests === 0 && this.holdTimer)
            this.release();
    }
    /** The client authenticated (or what a DISCONNECT waited for is done): read on. */
    release() {
        if (this.holdTimer)
            clearTimeout(this.holdTimer);
        this.holdTimer = null;
        if (this.state !== 'held' || this.destroyed)
            return;
        this.state = 'open';
        const held = this.held;
        this.held = [];
        this.heldBytes = 0;
        for (const chunk of held)
            this.onData(chunk);
        if (!this.destroyed)
            this.socket.resume();
    }
    _read() {
        if (this.state !== 'held' && this.socket.isPaused())
            this.socket.resume();
    }
    _write(chunk, _enc, cb) {
        this.forward(chunk, cb);
    }
    /** The broker writes a packet in several small pieces (corked): hand them to the socket as one buffer. */
    _writev(chunks, cb) {
        this.forward(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb);
    }
    /** MQTT 5: the client's Receive Maximum, when below the protocol's 65,535, limits QoS 1/2 messages in flight. */
    limitInflight(receiveMaximum) {
        if (receiveMaximum > 0 && receiveMaximum < 65535 && !this.window) {
            this.window = new flow_control_js_1.OutgoingWindow(receiveMaximum, (bytes) => void (this.socket.destroyed || this.socket.write(bytes)));
        }
    }
    /** Passes the first packet the broker sends (the CONNACK) through `rewrite`. */
    rewriteFirstPacket(rewrite) {
        this.first = { rewrite, splitter: new flow_control_js_1.PacketSplitter() };
    }
    forward(data, cb) {
        if (this.socket.destroyed)
            return cb(new Error('connection closed'));
        if (this.first) {
            const first = this.first;
            const out = [];
            first.splitter.add(data, (packet) => out.push(out.length ? packet : first.rewrite(packet)));
            if (out.length) {
                this.first = null;
                out.push(first.splitter.rest());
            }
            data = out.length === 1 ? out[0] : Buffer.concat(out);
            if (!data.length)
                return cb();
        }
        if (this.window)
            return this.window.write(data, () => cb());
        if (this.socket.write(data))
            cb();
        else
            this.socket.once('drain', () => cb());
    }
    _final(cb) {
        this.socket.end(() => cb());
    }
    _destroy(err, cb) {
        const socket = this.socket;
        if (!socket.destroyed) {
            // Let queued bytes (CONNACK, DISCONNECT) leave before closing; never wait long for a peer.
            socket.end();
            const timer = setTimeout(() => socket.destroy(), 2000);
            timer.unref();
            socket.once('close', () => clearTimeout(timer));
        }
        cb(err);
    }
    fail(problem) {
        this.problem = problem;
        this.held = [];
        this.socket.pause();
        this.destroy(new Error(problem));
    }
    onData(chunk) {
        if (this.destroyed)
            return;
        if (this.state === 'held') {
            this.held.push(chunk);
            this.heldBytes += chunk.length;
            this.socket.pause();
            if (this.heldBytes > this.options.connectMaxBytes)
                this.fail('sent too much before authentication');
            return;
        }
        let offset = 0;
        while (offset < chunk.length) {
            if (this.bodyLeft > 0) {
                const take = Math.min(this.bodyLeft, chunk.length - offset);
                this.bodyLeft -= take;
                offset += take;
                if (this.bodyLeft === 0 && this.packetEnded(chunk, offset))
                    return;
                continue;
            }
            const byte = chunk[offset++];
            if (this.headerBytes === 0) {
                this.packetType = byte >> 4;
                if (this.state === 'open' && this.packetType === reason_codes_js_1.PacketType.DISCONNECT && this.pendingRequests > 0)
                    return this.holdFrom(chunk, offset - 1);
                if (this.packetType === reason_codes_js_1.PacketType.SUBSCRIBE || this.packetType === reason_codes_js_1.PacketType.UNSUBSCRIBE)
                    this.pendingRequests += 1;
                this.headerBytes = 1;
                this.remaining = 0;
                this.multiplier = 1;
                if (this.state === 'connect' && this.packetType !== reason_codes_js_1.PacketType.CONNECT)
                    return this.fail('first packet is not a CONNECT');
                continue;
            }
            this.remaining += (byte & 0x7f) * this.multiplier;
            this.multiplier *= 128;
            this.headerBytes += 1;
            if (byte & 0x80) {
                if (this.headerBytes > MAX_VARINT_BYTES)
                    return this.fail('malformed remaining length');
                continue;
            }
            const size = this.headerBytes + this.remaining;
            if (this.packetType === reason_codes_js_1.PacketType.PUBACK || this.packetType === reason_codes_js_1.PacketType.PUBCOMP)
                this.window?.completed();
            const limit = this.state === 'connect' ? this.options.connectMaxBytes : this.options.maxPacketBytes;
            if (size > limit) {
                return this.fail(this.state === 'connect' ? `CONNECT of ${size} bytes (limit ${limit})` : `packet too large: ${size} bytes (limit ${limit})`);
            }
            this.headerBytes = 0;
            this.bodyLeft = this.remaining;
            if (this.bodyLeft === 0 && this.packetEnded(chunk, offset))
                return;
        }
        this.pushOn(chunk);
    }
    /** Holds `chunk` from `offset` (a DISCONNECT) until pending requests complete, or a second at most. */
    holdFrom(chunk, offset) {
        this.pushOn(chunk.subarray(0, offset));
        this.state = 'held';
        this.held = [chunk.subarray(offset)];
        this.heldBytes = chunk.length - offset;
        this.socket.pause();
        this.holdTimer = setTimeout(() => this.release(), 1000);
        this.holdTimer.unref();
    }
    /** A whole packet has passed at `offset` of `chunk`; true when the rest of the chunk is held back. */
    packetEnded(chunk, offset) {
        if (this.state !== 'connect')
            return false;
        this.state = 'held';
        this.pushOn(chunk.subarray(0, offset));
        this.socket.pause();
        if (offset < chunk.length) {
            const rest = chunk.subarray(offset);
            this.held.push(rest);
            this.heldBytes = rest.length;
        }
        return true;
    }
    pushOn(chunk) {
        if (chunk.length && !this.push(chunk))
            this.socket.pause();
    }
}
exports.WireGuard = WireGuard;
//# sourceMappingURL=wire-guard.js.map