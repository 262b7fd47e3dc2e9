import net from 'node:net';
import tls from 'node:tls';

import * as mqttPacket from 'mqtt-packet';

/**
 * A deliberately thin MQTT 3.1.1 client over net/tls (mqtt-packet for framing): the load generator
 * must cost as little CPU as possible and the same for every server under test.
 */
export interface RawConnectOptions {
  host: string;
  port: number;
  /** Connect over TLS, trusting this CA (PEM). */
  tls?: { ca: string; servername?: string };
  clientId: string;
  username?: string;
  password?: string;
  /** 0 disables keepalive (no PINGREQs needed from bench clients). */
  keepalive?: number;
  clean?: boolean;
  timeoutMs?: number;
}

export type MessageHandler = (topic: string, payload: Buffer, qos: number) => void;

export class ConnackError extends Error {
  constructor(readonly returnCode: number) {
    super(`CONNACK return code ${returnCode}`);
  }
}

export class RawMqttClient {
  onMessage: MessageHandler | null = null;
  onPuback: ((messageId: number) => void) | null = null;
  /** Messages received (PUBLISH packets). */
  received = 0;
  closed = false;
  private readonly subacks = new Map<number, () => void>();
  private nextSubId = 1;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  /** Connects and resolves after a successful CONNACK (rejects on a refusal, an error or the timeout). */
  static connect(o: RawConnectOptions): Promise<RawMqttClient> {
    return new Promise((resolve, reject) => {
      const timeoutMs = o.timeoutMs ?? 30_000;
      const socket = o.tls
        ? tls.connect({ host: o.host, port: o.port, ca: o.tls.ca, servername: o.tls.servername ?? (net.isIP(o.host) ? undefined : o.host) })
        : net.connect({ host: o.host, port: o.port });
      socket.setNoDelay(true);
      const client = new RawMqttClient(socket);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let connected = false;
      const fail = (err: Error) => {
        if (connected) return;
        connected = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`connect ${o.clientId}: no CONNACK after ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', fail);
      socket.once('close', () => fail(new Error(`connect ${o.clientId}: connection closed before CONNACK`)));
      socket.on('error', () => undefined);
      parser.on('error', (err: Error) => {
        fail(err);
        socket.destroy();
      });
      parser.on('packet', (packet: mqttPacket.Packet) => {
        if (!connected) {
          if (packet.cmd !== 'connack') return fail(new Error(`expected CONNACK, got ${packet.cmd}`));
          const rc = packet.returnCode ?? 0;
          if (rc !== 0) return fail(new ConnackError(rc));
          connected = true;
          clearTimeout(timer);
          resolve(client);
          return;
        }
        client.handle(packet);
      });
      socket.on('data', (chunk: Buffer) => {
        // Acknowledgements written while parsing one chunk go out in one write.
        socket.cork();
        parser.parse(chunk);
        socket.uncork();
      });
      const connect: mqttPacket.IConnectPacket = {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: o.clientId,
        clean: o.clean ?? true,
        keepalive: o.keepalive ?? 0,
      };
      if (o.username !== undefined) connect.username = o.username;
      if (o.password !== undefined) connect.password = Buffer.from(o.password);
      socket.write(mqttPacket.generate(connect));
    });
  }

  private handle(packet: mqttPacket.Packet): void {
    switch (packet.cmd) {
      case 'publish': {
        this.received++;
        if (packet.qos === 1 && packet.messageId !== undefined) {
          this.socket.write(Buffer.from([0x40, 0x02, packet.messageId >> 8, packet.messageId & 0xff]));
        }
        this.onMessage?.(packet.topic, packet.payload as Buffer, packet.qos);
        break;
      }
      case 'puback':
        if (packet.messageId !== undefined) this.onPuback?.(packet.messageId);
        break;
      case 'suback': {
        const done = packet.messageId !== undefined ? this.subacks.get(packet.messageId) : undefined;
        if (done) {
          this.subacks.delete(packet.messageId!);
          done();
        }
        break;
      }
      default:
        break;
    }
  }

  /** Subscribes and resolves on SUBACK (rejects when the server refuses the filter or after the timeout). */
  subscribe(topic: string, qos: 0 | 1, timeoutMs = 10_000): Promise<void> {
    const messageId = this.nextSubId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.subacks.delete(messageId);
        reject(new Error(`no SUBACK for ${topic} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.subacks.set(messageId, () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] }));
    });
  }

  /** Writes a prepared packet; false when the socket buffer is full (wait for 'drain'). */
  write(buf: Buffer): boolean {
    return this.socket.write(buf);
  }

  publish(topic: string, payload: Buffer | string, qos: 0 | 1 = 0, messageId?: number): boolean {
    const packet: mqttPacket.IPublishPacket = { cmd: 'publish', topic, payload, qos, retain: false, dup: false };
    if (qos > 0) packet.messageId = messageId ?? 1;
    return this.socket.write(mqttPacket.generate(packet));
  }

  /** Sends DISCONNECT, ends the socket and resolves once it is closed (destroyed after `timeoutMs`). */
  async end(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    this.socket.end(Buffer.from([0xe0, 0x00]));
    const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
    await this.closedPromise;
    clearTimeout(timer);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * A prepared PUBLISH: the packet is generated once; QoS 1 copies get their packet id patched in
 * (in MQTT 3.1.1 it sits right before the payload).
 */
export class PublishTemplate {
  private readonly buf: Buffer;
  private readonly idOffset: number;

  constructor(
    topic: string,
    payload: Buffer,
    readonly qos: 0 | 1,
  ) {
    const packet: mqttPacket.IPublishPacket = { cmd: 'publish', topic, payload, qos, retain: false, dup: false };
    if (qos > 0) packet.messageId = 1;
    this.buf = mqttPacket.generate(packet);
    this.idOffset = this.buf.length - payload.length - 2;
  }

  /** The packet bytes; for QoS 0 the same (shared, never modified) buffer every time. */
  packet(messageId: number): Buffer {
    if (this.qos === 0) return this.buf;
    const copy = Buffer.from(this.buf);
    copy.writeUInt16BE(messageId, this.idOffset);
    return copy;
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time; resolves with results in order. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  });
  await Promise.all(workers);
  return results;
}
