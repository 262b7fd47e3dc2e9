import { randomUUID } from 'node:crypto';

import { Permission, type RequestAccess, type Scope } from '../access/index.js';
import { AuditAction, type AuditService, type AuditTarget } from '../audit/index.js';
import { AppError, badInput, checkTopicFilter, type MessageProperties, packetProperties, publishTopicProblem } from '../common/index.js';
import type { DeviceService } from '../devices/index.js';
import { type DeviceEventEntity, type DeviceEventService, EventDirection, type RetainedMessages } from '../history/index.js';
import type { MessageServer } from '../mqtt/index.js';
import type { AppPubSub } from '../realtime/index.js';

export enum CommandPayloadEncoding {
  /** The payload string as UTF-8. */
  TEXT = 'TEXT',
  /** The payload string is base64 (binary payloads). */
  BASE64 = 'BASE64',
  /** The payload string must be valid JSON; sent as its UTF-8 text. */
  JSON = 'JSON',
}

export interface Command {
  topic: string;
  payload: string;
  payloadEncoding: CommandPayloadEncoding;
  qos: number;
  retain: boolean;
  properties: MessageProperties | null;
}

export interface RequestResult {
  correlationId: string;
  /** Where the request went: `<topic>/<correlationId>`. */
  requestTopic: string;
  /** Where the device answered: `<topic>/reply/<correlationId>`. */
  replyTopic: string;
  /** From the request's publish to the reply's commit (ms). */
  latencyMs: number;
  /** The device's reply, as its UPSTREAM event. */
  reply: DeviceEventEntity;
}

export interface CommandResult {
  topic: string;
  qos: number;
  /** Sessions on this instance whose subscriptions matched. */
  matchedSessions: number;
  /** QoS 1/2: offline persistent sessions the broker queued it for (delivered when they reconnect). */
  queuedForOfflineSessions: number;
  /** The DOWNSTREAM event recorded (publishToDevice only). */
  event: DeviceEventEntity | null;
}

/**
 * The platform publishes to devices ("commands", "group control"): into the owner's namespace, as the platform, not
 * as a device. A command to one device is recorded as its DOWNSTREAM event, committed before the call returns.
 */
export class CommandService {
  constructor(
    private readonly devices: DeviceService,
    private readonly messageServer: MessageServer,
    private readonly deviceEvents: DeviceEventService,
    private readonly pubSub: AppPubSub,
    private readonly maxPayloadBytes: number,
    private readonly audit: AuditService,
    private readonly retained: RetainedMessages,
  ) {}

  /** The command in the audit trail: topic, QoS, size; not the payload (it may hold secrets). */
  private audited(scope: Scope, target: AuditTarget, kind: string, topic: string, qos: number, bytes: number): Promise<void> {
    return this.audit.record(scope, AuditAction.COMMAND_SENT, target, { kind, topic, qos, bytes });
  }

  async publishToDevice(access: RequestAccess, deviceId: string, c: Command): Promise<CommandResult> {
    const { device, scope } = await this.devices.authorize(access, deviceId, Permission.COMMANDS);
    const { organizationId } = scope;
    const { payload, qos } = this.check(c);
    await this.audited(scope, { type: 'DEVICE', id: device.id, label: device.name }, 'publishToDevice', c.topic, qos, payload.length);
    const sent = await this.messageServer.publishAsPlatform(organizationId, { topic: c.topic, payload, qos, retain: c.retain, properties: packetProperties(c.properties) });
    const event = await this.deviceEvents.recordDownstream({ organizationId, deviceId: device.id, topic: c.topic, payload, qos, retain: c.retain, properties: c.properties });
    const queued = sent.storedSubscribers.includes(device.deviceNumber) ? await this.devices.countOffline(organizationId, [device.deviceNumber]) : 0;
    return { topic: c.topic, qos, matchedSessions: sent.matched, queuedForOfflineSessions: queued, event };
  }

  /**
   * Asks a device and waits for its answer (request/response). The request goes to `<topic>/<correlationId>` (MQTT 5
   * sessions also get Response Topic `<topic>/reply/<correlationId>` and the correlation id as Correlation Data); the
   * device answers on that reply topic. The answer is seen as the device's upstream event, committed, on any
   * instance (scale-out: through Redis). No answer within `timeoutMs`: DEVICE_TIMEOUT.
   */
  async requestDevice(access: RequestAccess, deviceId: string, c: Command, timeoutMs: number): Promise<RequestResult> {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 300_000) throw badInput('timeoutMs must be between 100 and 300000', 'timeoutMs');
    const { device, scope } = await this.devices.authorize(access, deviceId, Permission.COMMANDS);
    const { organizationId } = scope;
    const { payload, qos } = this.check(c);
    await this.audited(scope, { type: 'DEVICE', id: device.id, label: device.name }, 'requestDevice', c.topic, qos, payload.length);
    const correlationId = randomUUID();
    const requestTopic = `${c.topic}/${correlationId}`;
    const replyTopic = `${c.topic}/reply/${correlationId}`;
    if (publishTopicProblem(requestTopic) || publishTopicProblem(replyTopic)) throw badInput('topic is too long for a request', 'topic');
    // Listening before the request is sent: an answer cannot come before the listener.
    const live = this.pubSub.subscribe(this.deviceEvents.topic(organizationId))[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    try {
      const answered = (async () => {
        for (;;) {
          const next = await live.next();
          if (next.done) throw new AppError('DEVICE_TIMEOUT', 'The device did not answer');
          const row = next.value;
          if (row.deviceId === device.id && row.topic === replyTopic && row.direction !== EventDirection.DOWNSTREAM) return row;
        }
      })();
      // Ended by the timeout or an error: its own rejection is then of no interest.
      answered.catch(() => undefined);
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new AppError('DEVICE_TIMEOUT', `The device did not answer within ${timeoutMs} ms`, { timeoutMs, correlationId })), timeoutMs);
      });
      const started = performance.now();
      const properties = { ...(c.properties ?? {}), responseTopic: replyTopic, correlationData: Buffer.from(correlationId).toString('base64') };
      await this.messageServer.publishAsPlatform(organizationId, { topic: requestTopic, payload, qos, retain: false, properties: packetProperties(properties) });
      await this.deviceEvents.recordDownstream({ organizationId, deviceId: device.id, topic: requestTopic, payload, qos, retain: false, properties });
      const reply = await Promise.race([answered, timedOut]);
      return { correlationId, requestTopic, replyTopic, latencyMs: Math.round(performance.now() - started), reply };
    } finally {
      clearTimeout(timer);
      void Promise.resolve(live.return?.()).catch(() => undefined);
    }
  }

  /** A valid topic filter, or BAD_USER_INPUT. */
  checkFilter(filter: string): string {
    return checkTopicFilter(filter);
  }

  /** Clears a topic's retained message (an empty retained PUBLISH, [MQTT-3.3.1-6]); false when there was none. */
  async clearRetained(scope: Scope, topic: string): Promise<boolean> {
    const problem = publishTopicProblem(topic);
    if (problem) throw badInput(problem, 'topic');
    const existed = (await this.retained.get(scope.organizationId, topic)) !== null;
    await this.audited(scope, { type: 'TOPIC', id: null, label: topic }, 'clearRetainedMessage', topic, 0, 0);
    await this.messageServer.publishAsPlatform(scope.organizationId, { topic, payload: Buffer.alloc(0), qos: 0, retain: true });
    await this.retained.flush();
    return existed;
  }

  async publishToTopic(scope: Scope, c: Command): Promise<CommandResult> {
    const { organizationId } = scope;
    const { payload, qos } = this.check(c);
    await this.audited(scope, { type: 'TOPIC', id: null, label: c.topic }, 'publishToTopic', c.topic, qos, payload.length);
    const sent = await this.messageServer.publishAsPlatform(organizationId, { topic: c.topic, payload, qos, retain: c.retain, properties: packetProperties(c.properties) });
    const queued = await this.devices.countOffline(organizationId, sent.storedSubscribers);
    return { topic: c.topic, qos, matchedSessions: sent.matched, queuedForOfflineSessions: queued, event: null };
  }

  private check(c: Command): { payload: Buffer; qos: 0 | 1 | 2 } {
    const problem = publishTopicProblem(c.topic);
    if (problem) throw badInput(problem, 'topic');
    if (c.qos !== 0 && c.qos !== 1 && c.qos !== 2) throw badInput('qos must be 0, 1 or 2', 'qos');
    let payload: Buffer;
    if (c.payloadEncoding === CommandPayloadEncoding.BASE64) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(c.payload) || c.payload.length % 4 !== 0) throw badInput('payload is not valid base64', 'payload');
      payload = Buffer.from(c.payload, 'base64');
    } else {
      if (c.payloadEncoding === CommandPayloadEncoding.JSON) {
        try {
          JSON.parse(c.payload);
        } catch {
          throw badInput('payload is not valid JSON', 'payload');
        }
      }
      payload = Buffer.from(c.payload, 'utf8');
    }
    if (payload.length > this.maxPayloadBytes) throw badInput(`payload is larger than ${this.maxPayloadBytes} bytes`, 'payload');
    return { payload, qos: c.qos };
  }
}
