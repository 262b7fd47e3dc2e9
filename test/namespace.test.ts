import { filterInside, isForbiddenPublishTopic, namespaceFilters, namespacePrefix, publishWireSize, topicForDevice } from '../src/mqtt/namespace';

/** The owner namespace as pure functions: no broker, no sockets. */
describe('owner namespace', () => {
  const owner = '0b9c6f2e-6a53-4a43-8f64-3c0f2a1e9d11';
  const prefix = namespacePrefix(owner);
  const other = '7f1d2c3b-1111-4a43-8f64-3c0f2a1e9d11/';

  it('moves SUBSCRIBE and UNSUBSCRIBE filters inside, leaves $ filters and junk as they are', () => {
    const sub = { cmd: 'subscribe', subscriptions: [{ topic: 'a/#' }, { topic: '$SYS/x' }, { topic: '' }] };
    namespaceFilters(prefix, sub);
    expect(sub.subscriptions.map((s) => s.topic)).toEqual([`${prefix}a/#`, '$SYS/x', '']);
    const seen: Array<[string, string | null]> = [];
    const unsub = { cmd: 'unsubscribe', unsubscriptions: ['a/+', '$share/g/a', '$share//a', 42] };
    namespaceFilters(prefix, unsub, (f, group) => seen.push([f, group]));
    // A shared subscription's filter goes inside too; its group is told apart ([MQTT-4.8.2-1]: a share name is not empty).
    expect(unsub.unsubscriptions).toEqual([`${prefix}a/+`, `${prefix}a`, '$share//a', 42]);
    expect(seen).toEqual([
      [`${prefix}a/+`, null],
      [`${prefix}a`, 'g'],
    ]);
    expect(filterInside(prefix, undefined)).toBeUndefined();
  });

  it('shows devices their own topics without the prefix and nothing of other owners', () => {
    expect(topicForDevice(prefix, `${prefix}a/b`)).toBe('a/b');
    expect(topicForDevice(prefix, `${other}a/b`)).toBeNull();
    expect(topicForDevice(prefix, '$SYS/broker/clients')).toBeNull();
    // In-flight messages of a stored session were stored already rewritten.
    expect(topicForDevice(prefix, 'a/b')).toBe('a/b');
  });

  it('forbids publishing to $ topics, wildcards and NUL ([MQTT-3.3.2-2], [MQTT-4.7.3-1])', () => {
    for (const t of ['$SYS/x', 'a/+', 'a/#', 'a\u0000b']) expect(isForbiddenPublishTopic(t)).toBe(true);
    expect(isForbiddenPublishTopic('a/b')).toBe(false);
  });

  it('sizes a PUBLISH as it goes on the wire, and a packet it cannot encode as infinite', () => {
    expect(publishWireSize({ topic: 'a', payload: Buffer.alloc(10), qos: 1, retain: false })).toBe(2 + 2 + 1 + 2 + 1 + 10);
    expect(publishWireSize({ topic: 'a', payload: 'x', qos: 1, retain: false, properties: { topicAlias: -1 } })).toBe(Infinity);
  });
});
