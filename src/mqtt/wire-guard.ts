import { Duplex } from 'node:stream';

import { TurnCork } from '../common/index.js';
import { OutgoingWindow, PacketSplitter } from './flow-control.js';
import { PacketType } from './reason-codes.js';

export interface WireGuardOptions {
  /** Largest CONNECT packet accepted (whole packet, fixed header included). */
  connectMaxBytes: number;
  /** Largest packet accepted once the connection is authenticated. */
  maxPacketBytes: number;
  /** Bytes waiting to be sent to the client beyond which the connection ends (a client that does not read); at least twice `maxPacketBytes`. */
  maxOutgoingBytes: number;
}

type WriteCallback = (error: Error | null | undefined) => void;

type State = 'connect' | 'held' | 'open';

/**
 * What a client connection is to the message server: a TCP or TLS socket, or the byte stream of an MQTT-over-WebSocket
 * connection (with the peer's address copied onto it).
 */
export type ByteSocket = Duplex & { remoteAddress?: string | undefined; remotePort?: number | undefined; setNoDelay?: (noDelay?: boolean) => unknown };

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
export class WireGuard extends Duplex {
  private state: State = 'connect';
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Fixed-header tracking of the incoming byte stream. */
  private headerBytes = 0;
  private packetType = 0;
  private remaining = 0;
  private multiplier = 1;
  private bodyLeft = 0;
  /** SUBSCRIBE/UNSUBSCRIBE packets passed on and not yet completed by the broker. */
  private pendingRequests = 0;
  private holdTimer: NodeJS.Timeout | null = null;
  private window: OutgoingWindow | null = null;
  private first: { rewrite: (packet: Buffer) => Buffer; splitter: PacketSplitter } | null = null;
  /** Packets of one turn of the event loop leave in one write, corked from the first (many per turn to a subscriber). */
  private readonly turn: TurnCork;
  /** Bytes that may wait to be sent (`maxOutgoingBytes`, at least twice the largest packet). */
  private readonly maxOutgoing: number;
  /** Why the guard closed the connection (null while it has not). */
  problem: string | null = null;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;

  constructor(
    readonly socket: ByteSocket,
    private readonly options: WireGuardOptions,
  ) {
    super({ allowHalfOpen: false, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    const a = socket.remoteAddress;
    this.remoteAddress = a?.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
    this.remotePort = socket.remotePort;
    this.turn = new TurnCork(socket, true);
    this.maxOutgoing = Math.max(options.maxOutgoingBytes, 2 * options.maxPacketBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** The broker completed a SUBSCRIBE or UNSUBSCRIBE of this connection. */
  requestCompleted(): void {
    this.pendingRequests = Math.max(0, this.pendingRequests - 1);
    if (this.pendingRequests === 0 && this.holdTimer) this.release();
  }

  /** The client authenticated (or what a DISCONNECT waited for is done): read on. */
  release(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (this.state !== 'held' || this.destroyed) return;
    this.state = 'open';
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const chunk of held) this.onData(chunk);
    if (!this.destroyed) this.socket.resume();
  }

  override _read(): void {
    if (this.state !== 'held' && this.socket.isPaused()) this.socket.resume();
  }

  /**
   * A client that does not read ends once more than `maxOutgoingBytes` wait to be sent to it: what it is sent stays
   * bounded in memory, and the broker's routing slots held by deliveries waiting for it are released (aedes frees them
   * when the connection closes). The write itself is then refused, as by any destroyed stream.
   */
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (!this.destroyed && this.writableLength + this.socket.writableLength > this.maxOutgoing) {
      this.fail(`client not reading: more than ${this.maxOutgoing} bytes waiting to be sent`);
      this.socket.destroy(); // what waits would not leave: no grace period to flush it
    }
    if (typeof encoding === 'function') return super.write(chunk, encoding);
    return encoding === undefined ? super.write(chunk, cb) : super.write(chunk, encoding, cb);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.forward(chunk, cb);
  }

  /** The broker writes a packet in several small pieces (corked): hand them to the socket as one buffer. */
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.forward(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb);
  }

  /** MQTT 5: the client's Receive Maximum, when below the protocol's 65,535, limits QoS 1/2 messages in flight. */
  limitInflight(receiveMaximum: number): void {
    if (receiveMaximum > 0 && receiveMaximum < 65535 && !this.window) {
      this.window = new OutgoingWindow(receiveMaximum, (bytes) => void (this.socket.destroyed || this.socket.write(bytes)));
    }
  }

  /** Passes the first packet the broker sends (the CONNACK) through `rewrite`. */
  rewriteFirstPacket(rewrite: (packet: Buffer) => Buffer): void {
    this.first = { rewrite, splitter: new PacketSplitter() };
  }

  private forward(data: Buffer, cb: (err?: Error | null) => void): void {
    if (this.socket.destroyed) return cb(new Error('connection closed'));
    if (this.first) {
      const first = this.first;
      const out: Buffer[] = [];
      first.splitter.add(data, (packet) => out.push(out.length ? packet : first.rewrite(packet)));
      if (out.length) {
        this.first = null;
        out.push(first.splitter.rest());
      }
      data = out.length === 1 ? out[0]! : Buffer.concat(out);
      if (!data.length) return cb();
    }
    this.turn.beforeWrite(data.length);
    if (this.window) return this.window.write(data, () => cb());
    if (this.socket.write(data)) cb();
    else this.socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
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

  private fail(problem: string): void {
    this.problem = problem;
    this.held = [];
    this.socket.pause();
    this.destroy(new Error(problem));
  }

  private onData(chunk: Buffer): void {
    if (this.destroyed) return;
    if (this.state === 'held') {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      this.socket.pause();
      if (this.heldBytes > this.options.connectMaxBytes) this.fail('sent too much before authentication');
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - offset);
        this.bodyLeft -= take;
        offset += take;
        if (this.bodyLeft === 0 && this.packetEnded(chunk, offset)) return;
        continue;
      }
      const byte = chunk[offset++]!;
      if (this.headerBytes === 0) {
        this.packetType = byte >> 4;
        if (this.state === 'open' && this.packetType === PacketType.DISCONNECT && this.pendingRequests > 0) return this.holdFrom(chunk, offset - 1);
        if (this.packetType === PacketType.SUBSCRIBE || this.packetType === PacketType.UNSUBSCRIBE) this.pendingRequests += 1;
        this.headerBytes = 1;
        this.remaining = 0;
        this.multiplier = 1;
        if (this.state === 'connect' && this.packetType !== PacketType.CONNECT) return this.fail('first packet is not a CONNECT');
        continue;
      }
      this.remaining += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.headerBytes += 1;
      if (byte & 0x80) {
        if (this.headerBytes > MAX_VARINT_BYTES) return this.fail('malformed remaining length');
        continue;
      }
      const size = this.headerBytes + this.remaining;
      if (this.packetType === PacketType.PUBACK || this.packetType === PacketType.PUBCOMP) this.window?.completed();
      const limit = this.state === 'connect' ? this.options.connectMaxBytes : this.options.maxPacketBytes;
      if (size > limit) {
        return this.fail(this.state === 'connect' ? `CONNECT of ${size} bytes (limit ${limit})` : `packet too large: ${size} bytes (limit ${limit})`);
      }
      this.headerBytes = 0;
      this.bodyLeft = this.remaining;
      if (this.bodyLeft === 0 && this.packetEnded(chunk, offset)) return;
    }
    this.pushOn(chunk);
  }

  /** Holds `chunk` from `offset` (a DISCONNECT) until pending requests complete, or a second at most. */
  private holdFrom(chunk: Buffer, offset: number): void {
    this.pushOn(chunk.subarray(0, offset));
    this.state = 'held';
    this.held = [chunk.subarray(offset)];
    this.heldBytes = chunk.length - offset;
    this.socket.pause();
    this.holdTimer = setTimeout(() => this.release(), 1000);
    this.holdTimer.unref();
  }

  /** A whole packet has passed at `offset` of `chunk`; true when the rest of the chunk is held back. */
  private packetEnded(chunk: Buffer, offset: number): boolean {
    if (this.state !== 'connect') return false;
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

  private pushOn(chunk: Buffer): void {
    if (chunk.length && !this.push(chunk)) this.socket.pause();
  }
}
