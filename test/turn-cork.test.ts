/** One write per socket per turn of the event loop (src/common/turn-cork.ts), with either policy for the first write. */
import { CORK_FLUSH_BYTES, TurnCork } from '../src/common/turn-cork';

function recordingSocket(): { calls: string[]; cork(): void; uncork(): void } {
  const calls: string[] = [];
  return { calls, cork: () => calls.push('cork'), uncork: () => calls.push('uncork') };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

it('corked from the first write of a turn, uncorked once the turn ends, again in the next turn', async () => {
  const socket = recordingSocket();
  const turn = new TurnCork(socket, true);
  turn.beforeWrite();
  turn.beforeWrite();
  turn.beforeWrite();
  expect(socket.calls).toEqual(['cork']);
  await nextTurn();
  expect(socket.calls).toEqual(['cork', 'uncork']);
  turn.beforeWrite();
  await nextTurn();
  expect(socket.calls).toEqual(['cork', 'uncork', 'cork', 'uncork']);
});

it('the first write of a turn goes at once: a single write is never corked, the following ones are', async () => {
  const socket = recordingSocket();
  const turn = new TurnCork(socket, false);
  turn.beforeWrite();
  await nextTurn();
  expect(socket.calls).toEqual([]);
  turn.beforeWrite();
  turn.beforeWrite();
  turn.beforeWrite();
  expect(socket.calls).toEqual(['cork']);
  await nextTurn();
  expect(socket.calls).toEqual(['cork', 'uncork']);
});

it('a turn that writes more than CORK_FLUSH_BYTES sends what waits at once and corks again', async () => {
  const socket = recordingSocket();
  const turn = new TurnCork(socket, true);
  const packet = 1000;
  const perFlush = Math.floor(CORK_FLUSH_BYTES / packet) + 1;
  for (let i = 0; i < perFlush; i++) turn.beforeWrite(packet);
  expect(socket.calls).toEqual(['cork', 'uncork', 'cork']);
  await nextTurn();
  expect(socket.calls).toEqual(['cork', 'uncork', 'cork', 'uncork']);
});
