import { badInput } from '../common/errors.js';
import { type MessageProperties, packetProperties } from '../common/message-properties.js';
import { publishTopicProblem } from '../common/topics.js';
import type { DeviceEventEntity } from '../broker/device-event.entity.js';
import type { DeviceEventService } from '../broker/device-event.service.js';
import type { DeviceService } from '../devices/device.service.js';
import type { MessageServer } from '../mqtt/message-server.js';

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

export interface CommandResult {
  topic: string;
  qos: number;
  /** Sessions on this instance whose subscriptions matched. */
  matchedSessions: number;
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
    private readonly maxPayloadBytes: number,
  ) {}

  async publishToDevice(ownerId: string, deviceId: string, c: Command): Promise<CommandResult> {
    const device = await this.devices.get(ownerId, deviceId);
    const { payload, qos } = this.check(c);
    const matchedSessions = await this.messageServer.publishAsPlatform(ownerId, { topic: c.topic, payload, qos, retain: c.retain, properties: packetProperties(c.properties) });
    const event = await this.deviceEvents.recordDownstream({ ownerId, deviceId: device.id, topic: c.topic, payload, qos, retain: c.retain, properties: c.properties });
    return { topic: c.topic, qos, matchedSessions, event };
  }

  async publishToTopic(ownerId: string, c: Command): Promise<CommandResult> {
    const { payload, qos } = this.check(c);
    const matchedSessions = await this.messageServer.publishAsPlatform(ownerId, { topic: c.topic, payload, qos, retain: c.retain, properties: packetProperties(c.properties) });
    return { topic: c.topic, qos, matchedSessions, event: null };
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
