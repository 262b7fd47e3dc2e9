import mqttPacket from 'mqtt-packet';
import { publishV4toV5, publishV5toV4 } from '../src/broker/mqtt-connection';

/** Parses exactly one packet of the given protocol level. */
function parse(buf: Buffer, protocolVersion: 4 | 5): any {
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: any[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => {
    throw e;
  });
  parser.parse(buf);
  expect(packets).toHaveLength(1);
  return packets[0];
}

const headerLength = (buf: Buffer) => {
  let i = 1;
  while (buf[i]! & 0x80) i++;
  return i + 1;
};

describe('PUBLISH re-encoding between MQTT 5 and 3.1.1', () => {
  it.each([
    { qos: 0, payload: Buffer.alloc(0), topic: 'a' },
    { qos: 1, payload: Buffer.from('hello'), topic: 'sensors/x/temp', messageId: 7 },
    { qos: 2, payload: Buffer.alloc(300, 7), topic: 't/'.repeat(50) + 'end', messageId: 65535, retain: true, dup: true },
    { qos: 1, payload: Buffer.alloc(20_000, 1), topic: 'big', messageId: 1 },
  ].map((p) => [p.qos, p.payload.length, p] as const))('round-trips qos %i with %i payload bytes', (_qos, _size, p) => {
    const packet = { cmd: 'publish' as const, retain: false, dup: false, ...p };
    const v5 = mqttPacket.generate(packet as never, { protocolVersion: 5 });
    const v4 = publishV5toV4(v5, headerLength(v5))!;
    expect(v4.equals(mqttPacket.generate(packet as never))).toBe(true);
    const back = publishV4toV5(v4, headerLength(v4))!;
    expect(back.equals(v5)).toBe(true);
    expect(parse(back, 5)).toMatchObject({ topic: p.topic, qos: p.qos, payload: p.payload });
  });

  it('leaves PUBLISHes with properties (topic aliases...) and malformed ones to the full decoder', () => {
    const withProps = mqttPacket.generate({ cmd: 'publish', topic: 'a', payload: 'x', qos: 0, retain: false, dup: false, properties: { userProperties: { k: 'v' } } } as never, { protocolVersion: 5 });
    expect(publishV5toV4(withProps, headerLength(withProps))).toBeNull();
    const alias = mqttPacket.generate({ cmd: 'publish', topic: '', payload: 'x', qos: 0, retain: false, dup: false, properties: { topicAlias: 1 } } as never, { protocolVersion: 5 });
    expect(publishV5toV4(alias, headerLength(alias))).toBeNull();
    expect(publishV5toV4(Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]), 2)).toBeNull();
    expect(publishV4toV5(Buffer.from([0x36, 0x02, 0x00, 0x00]), 2)).toBeNull();
  });
});
