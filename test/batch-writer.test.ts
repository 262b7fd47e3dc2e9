/** When batches of device events and log rows start (src/history/batch-writer.ts). */
import { BatchWriter } from '../src/history/batch-writer';

const log = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } as never;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function writer(flushIntervalMs: number) {
  const batches: number[][] = [];
  let onCommit: () => void = () => undefined;
  const w = new BatchWriter<number>({
    name: 'test',
    batchSize: 100,
    flushIntervalMs,
    log,
    insert: async (rows) => {
      batches.push([...rows]);
    },
    committed: () => onCommit(),
  });
  const nextCommit = () => new Promise<void>((resolve) => (onCommit = resolve));
  return { w, batches, nextCommit };
}

it('a row reaching a writer idle for the flush interval is written in its own turn, not after the interval', async () => {
  // An interval longer than the test's timeout: were the row to wait for it, the test would fail.
  const { w, batches, nextCommit } = writer(60_000);
  const committed = nextCommit();
  w.add(1);
  w.add(2); // same turn: same batch
  await committed;
  expect(batches).toEqual([[1, 2]]);
  await w.close();
});

it('flushes start at most once per flush interval: rows arriving sooner gather for the next batch', async () => {
  const { w, batches, nextCommit } = writer(60_000);
  const first = nextCommit();
  w.add(1);
  await first;
  await turn(); // the flush has ended
  w.add(2);
  w.add(3);
  for (let i = 0; i < 5; i++) await turn();
  expect(batches).toEqual([[1]]);
  expect(w.pending).toBe(2);
  await w.close(); // writes what waits
  expect(batches).toEqual([[1], [2, 3]]);
});
