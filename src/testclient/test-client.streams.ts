import { Repeater, SlidingBuffer } from '@graphql-yoga/subscription';

import type { SubscriberCounter } from '../realtime/index.js';
import type { TestClientSession, TestMessage } from './test-client.session.js';

/** State changes kept for a reader that does not keep up (the newest are kept). */
const MAX_UNREAD_STATES = 1000;

/**
 * Messages of a session: those still buffered after `afterSeq`, then live ones, with no gap and no duplicate (at most
 * `bufferSize` live ones wait for a slow reader: the oldest go). Ends when the session ends.
 */
export function sessionMessages(session: TestClientSession, watchers: SubscriberCounter, bufferSize: number, afterSeq = 0): Repeater<TestMessage> {
  return new Repeater<TestMessage>(
    async (push, stop) => {
      let last = afterSeq;
      const onMessage = (m: TestMessage) => {
        if (m.seq > last) {
          last = m.seq;
          void push(m);
        }
      };
      const unwatch = watchers.add(session.id);
      session.events.on('message', onMessage);
      const end = () => stop();
      session.events.on('end', end);
      session.messages.slice().forEach(onMessage);
      if (!session.active) stop();
      await stop;
      unwatch();
      session.events.off('message', onMessage);
      session.events.off('end', end);
      // The session keeps at most `bufferSize` messages: room for them and as many live ones.
    },
    new SlidingBuffer(2 * bufferSize),
  );
}

/** The session now, then at each change (connect, disconnect, subscriptions); ends after the session ends. */
export function sessionStates(session: TestClientSession, watchers: SubscriberCounter): Repeater<TestClientSession> {
  return new Repeater<TestClientSession>(async (push, stop) => {
    const onState = (s: TestClientSession) => {
      void push(s);
      if (!s.active) stop();
    };
    const unwatch = watchers.add(session.id);
    session.events.on('state', onState);
    onState(session);
    await stop;
    unwatch();
    session.events.off('state', onState);
  }, new SlidingBuffer(MAX_UNREAD_STATES));
}
