import type { SubscriberCounter } from '../realtime/index.js';
import type { TestClientSession, TestMessage } from './test-client.session.js';

/**
 * Messages of a session: those still buffered after `afterSeq`, then live ones, with no gap and no duplicate (at most
 * `bufferSize` live ones wait for a slow reader). Ends when the session ends.
 */
export async function* sessionMessages(session: TestClientSession, watchers: SubscriberCounter, bufferSize: number, afterSeq = 0): AsyncGenerator<TestMessage> {
  const queue: TestMessage[] = [];
  let wake: (() => void) | undefined;
  let ended = !session.active;
  const onMessage = (m: TestMessage) => {
    queue.push(m);
    if (queue.length > bufferSize) queue.shift();
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  session.events.on('message', onMessage);
  session.events.on('end', onEnd);
  const unwatch = watchers.add(session.id);
  try {
    let last = afterSeq;
    for (const m of session.messages.slice()) {
      if (m.seq > last) {
        last = m.seq;
        yield m;
      }
    }
    for (;;) {
      while (queue.length) {
        const m = queue.shift()!;
        if (m.seq > last) {
          last = m.seq;
          yield m;
        }
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unwatch();
    session.events.off('message', onMessage);
    session.events.off('end', onEnd);
  }
}

/** The session now, then at each change (connect, disconnect, subscriptions); ends after the session ends. */
export async function* sessionStates(session: TestClientSession, watchers: SubscriberCounter): AsyncGenerator<TestClientSession> {
  const queue: TestClientSession[] = [session];
  let wake: (() => void) | undefined;
  const onState = (s: TestClientSession) => {
    queue.push(s);
    wake?.();
  };
  session.events.on('state', onState);
  const unwatch = watchers.add(session.id);
  try {
    for (;;) {
      while (queue.length) {
        const s = queue.shift()!;
        yield s;
        if (!s.active) return;
      }
      if (!session.active) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unwatch();
    session.events.off('state', onState);
  }
}
