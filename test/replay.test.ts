import type { EventQueue } from '../src/common/event-queue';
import { sortableId } from '../src/common/ids';
import { topicFilterRegex, topicMatches } from '../src/common/topics';
import { replayThenLive } from '../src/history/replay';
import { createAppPubSub } from '../src/realtime/pubsub';

interface Row {
  id: string;
  time: Date;
  organizationId: string;
  deviceId: string;
  n: number;
}

const row = (n: number, time = n): Row => ({ id: sortableId(), time: new Date(time), organizationId: 'o', deviceId: 'd', n });

async function* rows(list: Row[]): AsyncGenerator<Row> {
  for (const r of list) yield r;
}

describe('replay then live', () => {
  it('replays stored rows, skips live duplicates of them, then continues live', async () => {
    const pubSub = createAppPubSub();
    const [a, b, c] = [row(1), row(2), row(3)];
    const live = pubSub.subscribe('t')[Symbol.asyncIterator]() as EventQueue<Row>;
    const it = replayThenLive<Row>({ live, replay: rows([a, b]), after: { time: 0, id: '' }, match: () => true });
    // b is committed (and published) while the replay runs: it must come once.
    pubSub.publish('t', b);
    pubSub.publish('t', c);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(((await it.next()).value as Row).n);
    expect(got).toEqual([1, 2, 3]);
    await it.return!();
    await pubSub.close?.();
  });

  it('ends at once when the subscriber leaves while waiting, and unsubscribes', async () => {
    const pubSub = createAppPubSub();
    const it = replayThenLive<Row>({ live: pubSub.subscribe('t')[Symbol.asyncIterator]() as EventQueue<Row>, match: () => true });
    expect(pubSub.subscriberCount('t')).toBe(1);
    const pending = it.next();
    await it.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(pubSub.subscriberCount('t')).toBe(0);
    await pubSub.close?.();
  });

  it('ends a subscription that falls too far behind, telling where to resume', async () => {
    const pubSub = createAppPubSub();
    const it = replayThenLive<Row>({
      live: pubSub.subscribe('t')[Symbol.asyncIterator]() as EventQueue<Row>,
      match: (r) => r.n !== 99,
      maxBacklog: 3,
      overflow: (last) => new Error(`resume after ${last?.n}`),
    });
    pubSub.publish('t', row(1));
    expect(((await it.next()).value as Row).n).toBe(1);
    for (const n of [2, 3, 4, 5]) pubSub.publish('t', row(n));
    // The subscriber does not read while the rows are pumped in (one turn of the event loop).
    await new Promise((resolve) => setImmediate(resolve));
    await expect(it.next()).rejects.toThrow('resume after 1');
    expect(pubSub.subscriberCount('t')).toBe(0);
    await pubSub.close?.();
  });
});

describe('pub/sub subscriptions (event queues)', () => {
  it('listen from the first read: one returned before it is read never listens', async () => {
    const pubSub = createAppPubSub();
    const unread = pubSub.subscribe('t');
    expect(pubSub.subscriberCount('t')).toBe(0);
    await unread.return();
    const read = pubSub.subscribe('t');
    const first = read.next();
    expect(pubSub.subscriberCount('t')).toBe(1);
    pubSub.publish('t', 1);
    expect(await first).toEqual({ done: false, value: 1 });
    await read.return();
    expect(pubSub.subscriberCount('t')).toBe(0);
    await pubSub.close();
  });

  it('end a reader that left more than 1,024 events unread with SUBSCRIBER_TOO_SLOW, and stop listening', async () => {
    const pubSub = createAppPubSub();
    const it = pubSub.subscribe('t').open();
    for (let n = 0; n <= 1024; n++) pubSub.publish('t', n);
    expect(pubSub.subscriberCount('t')).toBe(0);
    await expect(it.next()).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', details: { reason: 'SUBSCRIBER_TOO_SLOW' } });
    expect(await it.next()).toEqual({ done: true, value: undefined });
    await pubSub.close();
  });

  it('deliver what was received before endLive(), then EVENTS_MISSED', async () => {
    const pubSub = createAppPubSub();
    const it = pubSub.subscribe('t').open();
    pubSub.publish('t', 1);
    pubSub.publish('t', 2);
    expect(pubSub.endLive()).toBe(1);
    pubSub.publish('t', 3);
    expect((await it.next()).value).toBe(1);
    expect((await it.next()).value).toBe(2);
    await expect(it.next()).rejects.toMatchObject({ code: 'EVENTS_MISSED' });
    await pubSub.close();
  });
});

describe('topic filters', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['+/b/#', 'x/y/b/z', false],
    ['+/b/#', 'x/b/z', true],
    ['#', 'anything/at/all', true],
    ['+/+', '/hello', true],
    ['a.b', 'aXb', false],
    ['a/(x)', 'a/(x)', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
    expect(new RegExp(topicFilterRegex(filter), 's').test(topic)).toBe(expected);
  });

  it('orders ids by creation, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => sortableId(1_764_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
