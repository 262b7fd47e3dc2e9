import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column } from 'typeorm';

import { MessageProperties } from '../common/index.js';
import { jsonText } from '../db/index.js';

export enum PayloadEncoding {
  UTF8 = 'UTF8',
  BASE64 = 'BASE64',
}

registerEnumType(PayloadEncoding, {
  name: 'PayloadEncoding',
  description: 'UTF8: the payload is valid UTF-8 text and given as is. BASE64: binary payload, base64-encoded.',
});

/** The columns (and GraphQL fields) of a stored PUBLISH, shared by device events and latest values. */
@ObjectType({ description: 'Columns of a stored PUBLISH (not exposed on its own).' })
export abstract class StoredMessage {
  @Field({ description: 'The payload: text when valid UTF-8, else base64 (see payloadEncoding).' })
  @Column({ type: 'text' })
  payload!: string;

  @Field(() => PayloadEncoding)
  @Column({ name: 'payload_encoding', type: 'varchar', length: 8 })
  payloadEncoding!: PayloadEncoding;

  @Field(() => Int)
  @Column({ type: 'integer' })
  qos!: number;

  @Field()
  @Column({ type: 'boolean' })
  retain!: boolean;

  @Field(() => MessageProperties, { nullable: true, description: 'MQTT 5 properties of the PUBLISH; null when it carried none.' })
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  properties!: MessageProperties | null;
}
