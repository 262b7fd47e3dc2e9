import type net from 'node:net';
import { Duplex } from 'node:stream';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** MQTT 3.1.1 CONNACK return codes → MQTT 5 CONNACK reason codes. */
const CONNACK_V5: Record<number, number> = { 0: 0x00, 1: 0x84, 2: 0x85, 3: 0x88, 4: 0x86, 5: 0x87 };

export const V5_REASON = {
  NOT_AUTHORIZED: 0x87,
  SESSION_TAKEN_OVER: 0x8e,
  PACKET_TOO_LARGE: 0x95,
  ADMINISTRATIVE_ACTION: 0x98,
  PROTOCOL_ERROR: 0x82,
  TOPIC_NAME_INVALID: 0x90,
  SERVER_SHUTTING_DOWN: 0x8b,
} as const;

export interface MqttConnectionOptions {
  /** Largest packet accepted (remaining length); bigger ones close the connection before being buffered. */
  maxPacketBytes: number;
}

type AnyPacket = Packet & Record<string, any>;

export interface SubscriptionOptions {
  nl?: boolean;
  rap?: boolean;
  rh?: number;
}

/**
 * The stream aedes reads and writes for one client socket.
 *
 * - Guards packet sizes: it follows the MQTT fixed headers of the incoming byte stream and closes the
 *   connection as soon as a packet announces more than `maxPacketBytes`, so an oversized packet is never
 *   buffered whole.
 * - Speaks MQTT 5 on aedes' behalf: aedes 1.x implements MQTT 3.1/3.1.1 only. When the CONNECT says
 *   protocol level 5, incoming packets are decoded as MQTT 5 and re-encoded as 3.1.1 for aedes, and
 *   aedes' 3.1.1 output is re-encoded as MQTT 5 (CONNACK return codes become reason codes 0x86/0x87,
 *   UNSUBACK gets its per-filter reason codes...). MQTT 5 properties of PUBLISH packets are not carried
 *   through; topic aliases and enhanced AUTH are refused.
 * - 3.1/3.1.1 connections pass through byte for byte.
 */
export class MqttConnection extends Duplex {
  /** Protocol level of the CONNECT (3, 4 or 5); null until it arrived. */
  protocolVersion: number | null = null;
  private mode: 'detect' | 'passthrough' | 'v5' = 'detect';
  private inParser: ReturnType<typeof mqttPacket.parser> | null = mqttPacket.parser();
  private outParser: ReturnType<typeof mqttPacket.parser> | null = null;
  private pendingRaw: Buffer[] = [];
  private readonly unsubscribeCounts = new Map<number, number>();
  private readonly subscriptionOptions = new Map<number, SubscriptionOptions[]>();
  // Incoming packet-boundary tracking.
  private frameState: 0 | 1 | 2 = 0;
  private frameLength = 0;
  private frameMultiplier = 1;
  private frameLengthBytes = 0;
  private frameRemaining = 0;
  private outQueue: Buffer[] = [];
  /** MQTT 5 mode: whole packets in each direction (PUBLISH is re-encoded without a full decode). */
  private readonly inFrames = new FrameAssembler();
  private readonly outFrames = new FrameAssembler();
  private readonly socketRemoteAddress: string | undefined;
  private readonly socketRemotePort: number | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly options: MqttConnectionOptions,
  ) {
    super({ allowHalfOpen: false });
    this.socketRemoteAddress = socket.remoteAddress;
    this.socketRemotePort = socket.remotePort;
    this.inParser!.on('packet', (packet: AnyPacket) => this.onIncoming(packet));
    this.inParser!.on('error', (err: Error) => this.onIncomingError(err));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** Remote IP (IPv4-mapped IPv6 addresses shown as IPv4). */
  get remoteAddress(): string | undefined {
    const a = this.socketRemoteAddress;
    return a?.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
  }

  get remotePort(): number | undefined {
    return this.socketRemotePort;
  }

  /**
   * MQTT 5 subscription options (no local, retain as published, retain handling) of a SUBSCRIBE, which
   * its 3.1.1 re-encoding cannot carry: the broker puts them back on the parsed packet (aedes honours
   * no local and retain as published).
   */
  takeSubscriptionOptions(messageId: number | undefined): SubscriptionOptions[] | undefined {
    if (messageId === undefined) return undefined;
    const options = this.subscriptionOptions.get(messageId);
    this.subscriptionOptions.delete(messageId);
    return options;
  }

  /** MQTT 5 only: tells the client why the server is closing the connection. */
  sendDisconnect(reasonCode: number, reasonString?: string): void {
    if (this.mode !== 'v5' || this.socket.destroyed || !this.socket.writable) return;
    const packet = { cmd: 'disconnect', reasonCode, ...(reasonString ? { properties: { reasonString } } : {}) } as AnyPacket;
    this.socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
  }

  override _read(): void {
    if (this.socket.isPaused()) this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.forward(chunk, cb);
  }

  /** aedes writes a packet in several small pieces (corked): hand them to the socket as one buffer. */
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.forward(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb);
  }

  private forward(data: Buffer, cb: (err?: Error | null) => void): void {
    let out = data;
    if (this.mode === 'v5') {
      this.outQueue = [];
      this.outFrames.add(data, (frame, headerLength) => {
        const fast = frame[0]! >> 4 === PUBLISH ? publishV4toV5(frame, headerLength) : null;
        if (fast) this.outQueue.push(fast);
        else this.outParser?.parse(frame);
      });
      const packets = this.outQueue;
      this.outQueue = [];
      if (!packets.length) return cb();
      out = packets.length === 1 ? packets[0]! : Buffer.concat(packets);
    }
    if (this.socket.destroyed) return cb(new Error('connection closed'));
    // Accept more as long as the socket does; wait for 'drain' only when it pushes back.
    if (this.socket.write(out)) cb();
    else this.socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inParser?.removeAllListeners();
    this.outParser?.removeAllListeners();
    this.inParser = null;
    this.outParser = null;
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

  private onData(chunk: Buffer): void {
    if (this.destroyed) return;
    const problem = this.guard(chunk);
    if (problem) {
      if (this.mode === 'v5') this.sendDisconnect(V5_REASON.PACKET_TOO_LARGE);
      this.destroy(new Error(problem));
      return;
    }
    if (this.mode === 'passthrough') {
      this.pushRaw(chunk);
      return;
    }
    if (this.mode === 'detect') this.pendingRaw.push(chunk);
    this.inFrames.add(chunk, (frame, headerLength) => {
      if (this.destroyed || this.mode === 'passthrough') return;
      if (this.mode === 'v5' && frame[0]! >> 4 === PUBLISH) {
        const fast = publishV5toV4(frame, headerLength);
        if (fast) return this.pushRaw(fast);
      }
      // The CONNECT (which decides the mode), and MQTT 5 packets other than plain PUBLISHes.
      this.inParser?.parse(frame);
    });
    // (The parser's packet handler may have switched the mode.)
    if ((this.mode as MqttConnection['mode']) === 'passthrough') {
      this.inParser?.removeAllListeners();
      this.inParser = null;
      this.inFrames.clear();
      const raw = Buffer.concat(this.pendingRaw);
      this.pendingRaw = [];
      if (raw.length) this.pushRaw(raw);
    }
  }

  private pushRaw(chunk: Buffer): void {
    if (!this.push(chunk)) this.socket.pause();
  }

  /** Follows fixed headers; returns a problem when a packet is too large or its length malformed. */
  private guard(chunk: Buffer): string | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.frameState === 0) {
        i += 1; // fixed header byte
        this.frameState = 1;
        this.frameLength = 0;
        this.frameMultiplier = 1;
        this.frameLengthBytes = 0;
      } else if (this.frameState === 1) {
        const b = chunk[i++]!;
        this.frameLength += (b & 0x7f) * this.frameMultiplier;
        this.frameMultiplier *= 128;
        this.frameLengthBytes += 1;
        if (b & 0x80) {
          if (this.frameLengthBytes >= 4) return 'malformed packet: invalid remaining length';
        } else {
          if (this.frameLength > this.options.maxPacketBytes) {
            return `packet too large: ${this.frameLength} bytes (limit ${this.options.maxPacketBytes})`;
          }
          this.frameRemaining = this.frameLength;
          this.frameState = this.frameRemaining > 0 ? 2 : 0;
        }
      } else {
        const n = Math.min(this.frameRemaining, chunk.length - i);
        i += n;
        this.frameRemaining -= n;
        if (this.frameRemaining === 0) this.frameState = 0;
      }
    }
    return null;
  }

  private onIncomingError(err: Error): void {
    if (this.mode === 'detect') {
      // Not ours to judge: aedes' own parser sees the same bytes and closes the connection.
      this.mode = 'passthrough';
      return;
    }
    if (this.mode === 'v5') {
      this.sendDisconnect(V5_REASON.PROTOCOL_ERROR);
      this.destroy(new Error(`malformed packet: ${err.message}`));
    }
  }

  private onIncoming(packet: AnyPacket): void {
    if (this.mode === 'detect') {
      if (packet.cmd === 'connect') this.protocolVersion = packet.protocolVersion ?? null;
      if (packet.cmd !== 'connect' || packet.protocolVersion !== 5) {
        this.mode = 'passthrough';
        this.inParser?.removeAllListeners('packet');
        return;
      }
      this.mode = 'v5';
      this.pendingRaw = [];
      this.outParser = mqttPacket.parser({ protocolVersion: 4 });
      this.outParser.on('packet', (p: AnyPacket) => this.onOutgoing(p));
      this.outParser.on('error', (err: Error) => this.destroy(new Error(`cannot re-encode a server packet: ${err.message}`)));
    }
    if (this.mode !== 'v5' || this.destroyed) return;
    const v4 = this.toV4(packet);
    if (v4) this.pushRaw(mqttPacket.generate(v4));
  }

  /** An MQTT 5 packet from the client as the MQTT 3.1.1 packet aedes understands; null to drop it. */
  private toV4(p: AnyPacket): AnyPacket | null {
    switch (p.cmd) {
      case 'connect': {
        const expiry = p.properties?.sessionExpiryInterval ?? 0;
        return {
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clientId: p.clientId,
          // MQTT 5 keeps a session only with a session expiry interval.
          clean: Boolean(p.clean) || !(expiry > 0),
          keepalive: p.keepalive,
          username: p.username,
          password: p.password,
          will: p.will ? { topic: p.will.topic, payload: p.will.payload, qos: p.will.qos, retain: p.will.retain } : undefined,
        } as AnyPacket;
      }
      case 'publish':
        if (!p.topic) {
          this.sendDisconnect(V5_REASON.TOPIC_NAME_INVALID, 'topic aliases are not supported');
          this.destroy(new Error('protocol error: topic alias used (not supported)'));
          return null;
        }
        return { cmd: 'publish', topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, dup: p.dup, messageId: p.messageId } as AnyPacket;
      case 'subscribe': {
        const subs = p.subscriptions as Array<SubscriptionOptions & { topic: string; qos: number }>;
        this.subscriptionOptions.set(p.messageId!, subs.map((s) => ({ nl: s.nl, rap: s.rap, rh: s.rh })));
        return { cmd: 'subscribe', messageId: p.messageId, subscriptions: subs.map((s) => ({ topic: s.topic, qos: s.qos })) } as AnyPacket;
      }
      case 'unsubscribe':
        this.unsubscribeCounts.set(p.messageId!, (p.unsubscriptions as string[]).length);
        return { cmd: 'unsubscribe', messageId: p.messageId, unsubscriptions: p.unsubscriptions } as AnyPacket;
      case 'puback':
      case 'pubrec':
      case 'pubrel':
      case 'pubcomp':
        return { cmd: p.cmd, messageId: p.messageId } as AnyPacket;
      case 'pingreq':
        return { cmd: 'pingreq' } as AnyPacket;
      case 'disconnect':
        if (p.reasonCode === 0x04) {
          // "Disconnect with Will Message": close without a 3.1.1 DISCONNECT so the will is published.
          this.socket.end();
          return null;
        }
        return { cmd: 'disconnect' } as AnyPacket;
      default:
        this.sendDisconnect(V5_REASON.PROTOCOL_ERROR, `${p.cmd} packets are not supported`);
        this.destroy(new Error(`protocol error: unexpected ${p.cmd} packet`));
        return null;
    }
  }

  /** An MQTT 3.1.1 packet from aedes re-encoded as MQTT 5. */
  private onOutgoing(p: AnyPacket): void {
    let v5: AnyPacket;
    switch (p.cmd) {
      case 'connack':
        v5 = {
          cmd: 'connack',
          sessionPresent: p.sessionPresent,
          reasonCode: CONNACK_V5[p.returnCode as number] ?? 0x80,
          ...(p.returnCode === 0
            ? { properties: { maximumPacketSize: this.options.maxPacketBytes, sharedSubscriptionAvailable: false, subscriptionIdentifiersAvailable: false } }
            : {}),
        } as AnyPacket;
        break;
      case 'suback':
        v5 = { cmd: 'suback', messageId: p.messageId, granted: (p.granted as number[]).map((g) => (g === 128 ? V5_REASON.NOT_AUTHORIZED : g)) } as AnyPacket;
        break;
      case 'unsuback': {
        const n = this.unsubscribeCounts.get(p.messageId!) ?? 1;
        this.unsubscribeCounts.delete(p.messageId!);
        v5 = { cmd: 'unsuback', messageId: p.messageId, granted: new Array<number>(n).fill(0) } as AnyPacket;
        break;
      }
      case 'publish':
        v5 = { cmd: 'publish', topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, dup: p.dup, messageId: p.messageId } as AnyPacket;
        break;
      case 'puback':
      case 'pubrec':
      case 'pubrel':
      case 'pubcomp':
        v5 = { cmd: p.cmd, messageId: p.messageId, reasonCode: 0 } as AnyPacket;
        break;
      default:
        v5 = p;
    }
    this.outQueue.push(mqttPacket.generate(v5, { protocolVersion: 5 }));
  }
}

const PUBLISH = 3;

/** Reads an MQTT variable byte integer; null when incomplete or malformed. */
function readVarInt(buf: Buffer, offset: number): { value: number; bytes: number } | null {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= buf.length) return null;
    const b = buf[offset + i]!;
    value += (b & 0x7f) * multiplier;
    if (!(b & 0x80)) return { value, bytes: i + 1 };
    multiplier *= 128;
  }
  return null;
}

function varInt(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    bytes.push(b);
  } while (value > 0);
  return Buffer.from(bytes);
}

/** Where a PUBLISH's properties start (after topic and packet id); null when the packet is not well formed. */
function publishPropertiesOffset(frame: Buffer, headerLength: number): number | null {
  const qos = (frame[0]! >> 1) & 3;
  if (qos === 3 || frame.length < headerLength + 2) return null;
  const topicLength = frame.readUInt16BE(headerLength);
  if (topicLength === 0) return null;
  const offset = headerLength + 2 + topicLength + (qos > 0 ? 2 : 0);
  return offset <= frame.length ? offset : null;
}

/**
 * A client's MQTT 5 PUBLISH as MQTT 3.1.1, without a full decode: drops the (empty) property section.
 * Null (use the full decoder) when it has properties, e.g. a topic alias, or is malformed.
 */
export function publishV5toV4(frame: Buffer, headerLength: number): Buffer | null {
  const at = publishPropertiesOffset(frame, headerLength);
  if (at === null) return null;
  const props = readVarInt(frame, at);
  if (!props || props.value !== 0) return null;
  const body = frame.length - headerLength - props.bytes;
  return Buffer.concat([frame.subarray(0, 1), varInt(body), frame.subarray(headerLength, at), frame.subarray(at + props.bytes)]);
}

/** aedes' MQTT 3.1.1 PUBLISH as MQTT 5: adds an empty property section. Null when malformed. */
export function publishV4toV5(frame: Buffer, headerLength: number): Buffer | null {
  const at = publishPropertiesOffset(frame, headerLength);
  if (at === null) return null;
  const body = frame.length - headerLength + 1;
  return Buffer.concat([frame.subarray(0, 1), varInt(body), frame.subarray(headerLength, at), ZERO, frame.subarray(at)]);
}

const ZERO = Buffer.from([0]);

/** Cuts a byte stream into whole MQTT packets (fixed header + remaining length). */
class FrameAssembler {
  private chunks: Buffer[] = [];
  private length = 0;

  add(chunk: Buffer, onFrame: (frame: Buffer, headerLength: number) => void): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    let buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    let offset = 0;
    for (;;) {
      if (buf.length - offset < 2) break;
      const remaining = readVarInt(buf, offset + 1);
      // Malformed lengths are caught by the size guard before this point; wait for more bytes otherwise.
      if (!remaining) break;
      const headerLength = 1 + remaining.bytes;
      const end = offset + headerLength + remaining.value;
      if (end > buf.length) break;
      onFrame(buf.subarray(offset, end), headerLength);
      offset = end;
    }
    buf = buf.subarray(offset);
    this.chunks = buf.length ? [buf] : [];
    this.length = buf.length;
  }

  clear(): void {
    this.chunks = [];
    this.length = 0;
  }
}
