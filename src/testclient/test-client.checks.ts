import type { IClientOptions } from 'mqtt';

import { badInput, publishTopicProblem } from '../common/index.js';
import type { WillOptions } from './test-client.session.js';

/** Input checks of the test client: nothing is sent when one fails (BAD_USER_INPUT naming the field). */
export function checkQos(qos: number, field = 'qos'): 0 | 1 | 2 {
  if (qos !== 0 && qos !== 1 && qos !== 2) throw badInput('qos must be 0, 1 or 2', field);
  return qos;
}

export function parseJsonPayload(payload: string, field: string, maxBytes: number): unknown {
  if (Buffer.byteLength(payload) > maxBytes) throw badInput(`payload must be at most ${maxBytes} bytes`, field);
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    throw badInput('payload must be valid JSON', field);
  }
}

export function checkWill(will: WillOptions, maxBytes: number): NonNullable<IClientOptions['will']> {
  const problem = publishTopicProblem(will.topic);
  if (problem) throw badInput(`will: ${problem}`, 'will.topic');
  parseJsonPayload(will.payload, 'will.payload', maxBytes);
  const qos = checkQos(will.qos ?? 0, 'will.qos');
  return { topic: will.topic, payload: Buffer.from(will.payload), qos, retain: will.retain ?? false };
}
