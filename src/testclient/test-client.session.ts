import { EventEmitter } from 'node:events';

import type { MqttClient } from 'mqtt';

import { type MessageProperties, newId, TestClientTransport } from '../common/index.js';
import type { DeviceEntity } from '../devices/index.js';
import { ConnackReturnCode, ReasonCode } from '../mqtt/index.js';

export enum TestClientState {
  CONNECTING = 'CONNECTING',
  CONNECTED = 'CONNECTED',
  DISCONNECTED = 'DISCONNECTED',
  ERROR = 'ERROR',
}

export { TestClientTransport };

export enum MessageDirection {
  REPORTED = 'REPORTED',
  RECEIVED = 'RECEIVED',
}

/** Where the embedded message server listens (ports actually bound; null = listener off). */
export interface MqttEndpoints {
  host: string;
  port: number | null;
  tlsPort: number | null;
  mutualTlsPort: number | null;
  /** Name the server certificate is valid for (checked by TLS clients). */
  tlsServerName: string;
}

export interface TestMessage {
  /** Increasing per session; also the cursor for `after`. */
  seq: number;
  direction: MessageDirection;
  topic: string;
  payload: string;
  json: unknown;
  qos: number;
  retain: boolean;
  /** MQTT 5 properties sent or received (null: none). */
  properties: MessageProperties | null;
  at: Date;
}

export interface WillOptions {
  topic: string;
  payload: string;
  qos?: number | null;
  retain?: boolean | null;
}

export interface StartOptions {
  transport?: TestClientTransport | null;
  cleanSession?: boolean | null;
  keepalive?: number | null;
  mqttVersion?: number | null;
  will?: WillOptions | null;
  /** Start even though the device is online now: it will be disconnected (same client id). */
  force?: boolean | null;
}

export interface TestSubscription {
  topicFilter: string;
  qos: number;
}

/** One user's server-side MQTT client, connected as one of their devices. */
export class TestClientSession {
  readonly id = newId();
  state = TestClientState.CONNECTING;
  error: string | null = null;
  connectedAt: Date | null = null;
  endedAt: Date | null = null;
  /** The device was online when this session started with force: its connection was taken over. */
  tookOverOnlineDevice = false;
  readonly subscriptions = new Map<string, number>();
  readonly messages: TestMessage[] = [];
  droppedCount = 0;
  seq = 0;
  client?: MqttClient;
  /** `message` (TestMessage), `state` (this), `end`. */
  readonly events = new EventEmitter();
  idleTimer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
  /** The session ends when the last token that used it expires; null: an API key used it (no expiry). */
  expiresAt: Date | null | undefined;

  constructor(
    readonly organizationId: string,
    /** The user who started it (for an API key, the key's creator); it ends when they may no longer drive test clients there. */
    readonly startedByUserId: string,
    readonly device: DeviceEntity,
    readonly transport: TestClientTransport,
    readonly cleanSession: boolean,
    readonly keepalive: number,
    readonly mqttVersion: number,
    readonly startedAt: Date,
  ) {
    this.events.setMaxListeners(0);
  }

  get active(): boolean {
    return this.state === TestClientState.CONNECTING || this.state === TestClientState.CONNECTED;
  }

  list(direction: MessageDirection): TestMessage[] {
    return this.messages.filter((m) => m.direction === direction);
  }
}

/** A connect failure of a test client in words a user understands. */
export function describeConnectError(err: Error & { code?: unknown }): string {
  const code = err.code;
  if (typeof code === 'number') {
    const reasons: Record<number, string> = {
      [ConnackReturnCode.UNACCEPTABLE_PROTOCOL_VERSION]: 'refused: unacceptable protocol version',
      [ConnackReturnCode.IDENTIFIER_REJECTED]: 'refused: client identifier rejected',
      [ConnackReturnCode.SERVER_UNAVAILABLE]: 'refused: server unavailable',
      [ConnackReturnCode.BAD_USERNAME_OR_PASSWORD]: 'refused: bad username or password',
      [ConnackReturnCode.NOT_AUTHORIZED]: 'refused: not authorized',
      [ReasonCode.BAD_USERNAME_OR_PASSWORD]: 'refused: bad username or password',
      [ReasonCode.NOT_AUTHORIZED]: 'refused: not authorized',
      [ReasonCode.CLIENT_IDENTIFIER_NOT_VALID]: 'refused: client identifier not valid',
      [ReasonCode.SERVER_UNAVAILABLE]: 'refused: server unavailable',
      [ReasonCode.BANNED]: 'refused: banned',
    };
    return reasons[code] ?? `refused by the server (reason code ${code})`;
  }
  if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code)) return `certificate problem: ${err.message}`;
  if (code === 'ECONNREFUSED') return 'the message server is not reachable';
  return err.message || 'connection failed';
}
