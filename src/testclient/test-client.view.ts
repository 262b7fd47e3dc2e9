import type { DeviceEntity } from '../devices/index.js';
import { type MessageDirection, type TestClientSession, TestClientState, type TestClientTransport, type TestMessage } from './test-client.session.js';

/** What the API shows of a test client session, wherever it runs: the session itself, or a view of a remote one. */
export type TestClientSessionLike = Pick<
  TestClientSession,
  | 'id'
  | 'organizationId'
  | 'state'
  | 'transport'
  | 'error'
  | 'startedAt'
  | 'connectedAt'
  | 'endedAt'
  | 'tookOverOnlineDevice'
  | 'cleanSession'
  | 'keepalive'
  | 'mqttVersion'
  | 'droppedCount'
  | 'subscriptions'
  | 'active'
  | 'list'
> & { device: Pick<DeviceEntity, 'id'> };

/** A session as it travels between instances (JSON, dates kept by the sender's codec). */
export interface TestClientSnapshot {
  id: string;
  organizationId: string;
  deviceId: string;
  state: TestClientState;
  transport: TestClientTransport;
  error: string | null;
  startedAt: Date;
  connectedAt: Date | null;
  endedAt: Date | null;
  tookOverOnlineDevice: boolean;
  cleanSession: boolean;
  keepalive: number;
  mqttVersion: number;
  droppedCount: number;
  subscriptions: Array<[string, number]>;
  messages: TestMessage[];
}

export function snapshotOf(s: TestClientSession): TestClientSnapshot {
  return {
    id: s.id,
    organizationId: s.organizationId,
    deviceId: s.device.id,
    state: s.state,
    transport: s.transport,
    error: s.error,
    startedAt: s.startedAt,
    connectedAt: s.connectedAt,
    endedAt: s.endedAt,
    tookOverOnlineDevice: s.tookOverOnlineDevice,
    cleanSession: s.cleanSession,
    keepalive: s.keepalive,
    mqttVersion: s.mqttVersion,
    droppedCount: s.droppedCount,
    subscriptions: [...s.subscriptions],
    messages: s.messages.slice(),
  };
}

/** A session held by another instance, as of a snapshot. */
export class RemoteTestClientSession implements TestClientSessionLike {
  readonly id: string;
  readonly organizationId: string;
  readonly device: Pick<DeviceEntity, 'id'>;
  readonly state: TestClientState;
  readonly transport: TestClientTransport;
  readonly error: string | null;
  readonly startedAt: Date;
  readonly connectedAt: Date | null;
  readonly endedAt: Date | null;
  readonly tookOverOnlineDevice: boolean;
  readonly cleanSession: boolean;
  readonly keepalive: number;
  readonly mqttVersion: number;
  readonly droppedCount: number;
  readonly subscriptions: Map<string, number>;
  private readonly messages: TestMessage[];

  constructor(s: TestClientSnapshot) {
    this.id = s.id;
    this.organizationId = s.organizationId;
    this.device = { id: s.deviceId };
    this.state = s.state;
    this.transport = s.transport;
    this.error = s.error;
    this.startedAt = s.startedAt;
    this.connectedAt = s.connectedAt;
    this.endedAt = s.endedAt;
    this.tookOverOnlineDevice = s.tookOverOnlineDevice;
    this.cleanSession = s.cleanSession;
    this.keepalive = s.keepalive;
    this.mqttVersion = s.mqttVersion;
    this.droppedCount = s.droppedCount;
    this.subscriptions = new Map(s.subscriptions);
    this.messages = s.messages;
  }

  get active(): boolean {
    return this.state === TestClientState.CONNECTING || this.state === TestClientState.CONNECTED;
  }

  list(direction: MessageDirection): TestMessage[] {
    return this.messages.filter((m) => m.direction === direction);
  }
}
