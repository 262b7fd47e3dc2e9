import 'reflect-metadata';

import { Field, InputType, Int, ObjectType } from 'type-graphql';

/** A user property of an MQTT 5 message (MQTT 5.0 §3.3.2.3.7); a key may repeat. */
@ObjectType('UserProperty')
@InputType('UserPropertyInput')
export class UserProperty {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

/** The MQTT 5 properties an application sees on a PUBLISH, or sends with one (MQTT 5.0 §3.3.2.3). */
@ObjectType('MessageProperties', { description: 'MQTT 5 PUBLISH properties (null fields: not sent).' })
@InputType('MessagePropertiesInput', { description: 'MQTT 5 PUBLISH properties to send (MQTT 5 sessions only).' })
export class MessageProperties {
  @Field(() => String, { nullable: true })
  contentType?: string | null;

  @Field(() => Int, { nullable: true, description: '0: unspecified bytes, 1: UTF-8 text.' })
  payloadFormatIndicator?: number | null;

  @Field(() => String, { nullable: true })
  responseTopic?: string | null;

  @Field(() => String, { nullable: true, description: 'Correlation data, base64.' })
  correlationData?: string | null;

  @Field(() => Int, { nullable: true, description: 'Message expiry interval, seconds.' })
  messageExpiryInterval?: number | null;

  @Field(() => [UserProperty], { nullable: true })
  userProperties?: UserProperty[] | null;
}

/** MQTT 5 PUBLISH properties as mqtt-packet gives them. */
export interface PacketProperties {
  contentType?: string;
  payloadFormatIndicator?: boolean | number;
  responseTopic?: string;
  correlationData?: Buffer;
  messageExpiryInterval?: number;
  userProperties?: Record<string, string | string[]>;
}

/** The properties worth keeping from a PUBLISH, or null when it carried none. */
export function messageProperties(p: PacketProperties | undefined | null): MessageProperties | null {
  if (!p) return null;
  const out: MessageProperties = {};
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = Number(p.payloadFormatIndicator);
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = Buffer.from(p.correlationData).toString('base64');
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.userProperties) {
    out.userProperties = Object.entries(p.userProperties).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: String(value) })));
  }
  return Object.keys(out).length ? out : null;
}

/** Properties to publish, as mqtt-packet and mqtt.js take them. */
export type OutgoingProperties = Omit<PacketProperties, 'payloadFormatIndicator'> & { payloadFormatIndicator?: boolean };

/** The mqtt-packet form of stored or GraphQL-given properties (for publishing them). */
export function packetProperties(m: MessageProperties | null | undefined): OutgoingProperties | undefined {
  if (!m) return undefined;
  const out: OutgoingProperties = {};
  if (m.contentType != null) out.contentType = m.contentType;
  if (m.payloadFormatIndicator != null) out.payloadFormatIndicator = m.payloadFormatIndicator === 1;
  if (m.responseTopic != null) out.responseTopic = m.responseTopic;
  if (m.correlationData != null) out.correlationData = Buffer.from(m.correlationData, 'base64');
  if (m.messageExpiryInterval != null) out.messageExpiryInterval = m.messageExpiryInterval;
  if (m.userProperties?.length) {
    const u: Record<string, string | string[]> = {};
    for (const { key, value } of m.userProperties) {
      const prev = u[key];
      u[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    out.userProperties = u;
  }
  return Object.keys(out).length ? out : undefined;
}
