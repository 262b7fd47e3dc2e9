import mqtt, { type MqttClient } from 'mqtt';

/** Counts acknowledgements over several publishers; `atLeast(n)` resolves once n were counted. */
export class AckCounter {
  count = 0;
  private waiting: Array<{ n: number; resolve: () => void }> = [];

  add(): void {
    this.count += 1;
    if (!this.waiting.length) return;
    const due = this.waiting.filter((w) => this.count >= w.n);
    this.waiting = this.waiting.filter((w) => this.count < w.n);
    for (const w of due) w.resolve();
  }

  atLeast(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ n, resolve }));
  }
}

export interface PublisherOptions {
  port: number;
  clientId: string;
  username: string;
  password: string;
  protocolVersion?: 4 | 5;
  /** Unacknowledged messages at most. */
  window?: number;
  /** ms; 0 = do not reconnect. */
  reconnectPeriod?: number;
  topic?: string;
}

/**
 * A device publishing QoS 1 messages `<tag>-<seq>` as fast as its window allows, remembering which were
 * acknowledged (PUBACK). Counts what it was told, to compare with what the server stored.
 */
export class Publisher {
  readonly acked = new Set<string>();
  readonly client: MqttClient;
  private seq = 0;
  private inflight = 0;
  private stopped = false;
  private drained: (() => void) | null = null;
  disconnects = 0;

  constructor(
    private readonly tag: string,
    o: PublisherOptions,
    private readonly counter: AckCounter,
  ) {
    this.client = mqtt.connect({
      host: '127.0.0.1',
      port: o.port,
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      protocolVersion: o.protocolVersion ?? 4,
      clean: false,
      reconnectPeriod: o.reconnectPeriod ?? 50,
      connectTimeout: 5000,
    });
    this.client.on('error', () => undefined);
    this.client.on('close', () => (this.disconnects += 1));
    const topic = o.topic ?? 'telemetry';
    const next = (): void => {
      if (this.stopped) return this.settle();
      const payload = `${this.tag}-${this.seq++}`;
      this.inflight += 1;
      this.client.publish(topic, payload, { qos: 1 }, (err) => {
        this.inflight -= 1;
        if (!err) {
          this.acked.add(payload);
          this.counter.add();
          return next();
        }
        // Refused at once (client disconnecting or ended): try again a little later, not in a tight loop.
        setTimeout(next, 20).unref();
      });
    };
    for (let i = 0; i < (o.window ?? 16); i++) next();
  }

  private settle(): void {
    if (this.inflight === 0) this.drained?.();
  }

  /** Stops publishing; resolves when every message sent so far was acknowledged. */
  stop(): Promise<void> {
    this.stopped = true;
    return new Promise<void>((resolve) => {
      this.drained = resolve;
      this.settle();
    });
  }

  /** Stops publishing and drops the connection at once (what is unacknowledged stays so). */
  kill(): void {
    this.stopped = true;
    this.client.end(true);
  }
}

/**
 * A device publishing one QoS 1 message `<tag>-<seq>` every `intervalMs` (steady traffic, not flat out), through
 * reconnects, remembering which were acknowledged and how the server ended its connections (MQTT 5 DISCONNECT).
 */
export class PacedPublisher {
  readonly acked = new Set<string>();
  readonly disconnects: Array<{ reasonCode?: number; serverReference?: string }> = [];
  readonly client: MqttClient;
  private seq = 0;
  private inflight = 0;
  private timer: NodeJS.Timeout | null = null;
  private drained: (() => void) | null = null;

  constructor(
    private readonly tag: string,
    o: PublisherOptions & { intervalMs: number; sessionExpiryInterval?: number },
  ) {
    this.client = mqtt.connect({
      host: '127.0.0.1',
      port: o.port,
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      protocolVersion: o.protocolVersion ?? 4,
      clean: false,
      reconnectPeriod: o.reconnectPeriod ?? 200,
      connectTimeout: 5000,
      ...(o.protocolVersion === 5 ? { properties: { sessionExpiryInterval: o.sessionExpiryInterval ?? 300 } } : {}),
    });
    this.client.on('error', () => undefined);
    this.client.on('disconnect', (packet) => this.disconnects.push({ reasonCode: packet.reasonCode, serverReference: packet.properties?.serverReference }));
    const topic = o.topic ?? 'telemetry';
    const tick = () => {
      const payload = `${this.tag}-${this.seq++}`;
      this.inflight += 1;
      this.client.publish(topic, payload, { qos: 1 }, (err) => {
        this.inflight -= 1;
        if (!err) this.acked.add(payload);
        if (this.inflight === 0) this.drained?.();
      });
    };
    // Start at a random point of the interval, so that devices do not publish in lockstep.
    this.timer = setTimeout(
      () => {
        tick();
        this.timer = setInterval(tick, o.intervalMs);
      },
      Math.floor(Math.random() * o.intervalMs),
    );
  }

  get published(): number {
    return this.seq;
  }

  /** Stops publishing; resolves when every message published was acknowledged. */
  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return new Promise<void>((resolve) => {
      this.drained = resolve;
      if (this.inflight === 0) resolve();
    });
  }
}
