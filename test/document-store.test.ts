/** Caches of parsed documents bounded by the heap they keep (src/graphql/document-store.ts, operations.ts). */
import { buildSchema, type DocumentNode, parse } from 'graphql';

import { documentHeapBytes, ParsedDocumentStore } from '../src/graphql/document-store';
import { DocumentCache } from '../src/graphql/operations';

const schema = buildSchema('type Query { device(name: String): String }');
/** A query of about `chars` characters, different for each `i` (an inline value, as scripts send them). */
const query = (i: number, chars = 300) => `{ device(name: ${JSON.stringify(`${i}`.padEnd(chars - 25, 'x'))}) }`;

it('Apollo document store: keeps documents up to its heap budget, most recently used first', async () => {
  const budget = documentHeapBytes(1_000);
  const store = new ParsedDocumentStore(budget);
  const docs: DocumentNode[] = [];
  for (let i = 0; i < 10; i++) {
    docs.push(parse(query(i)));
    await store.set(`k${i}`, docs[i]!);
    if (i === 5) expect(await store.get('k3')).toBe(docs[3]);
  }
  expect(store.stats.bytes).toBeLessThanOrEqual(budget);
  expect(store.stats.entries).toBe(3);
  expect(await store.get('k9')).toBe(docs[9]);
  expect(await store.get('k0')).toBeUndefined();
  expect(await store.delete('k9')).toBe(true);
  expect(await store.get('k9')).toBeUndefined();
});

it('Apollo document store: a document larger than the whole budget is not kept, and evicts nothing', async () => {
  const store = new ParsedDocumentStore(documentHeapBytes(1_000));
  const small = parse(query(1));
  await store.set('small', small);
  await store.set('large', parse(query(2, 2_000)));
  expect(await store.get('large')).toBeUndefined();
  expect(await store.get('small')).toBe(small);
});

it('graphql-ws document cache: bounded by the same estimate; one DocumentNode per query text, errors cached too', () => {
  const budget = documentHeapBytes(1_000);
  const cache = new DocumentCache(schema, budget);
  const first = cache.get(query(0));
  expect(cache.get(query(0))).toBe(first);
  for (let i = 1; i < 10; i++) cache.get(query(i));
  expect(cache.stats.bytes).toBeLessThanOrEqual(budget);
  expect(cache.stats.entries).toBe(3);
  expect(cache.get(query(0))).not.toBe(first);
  const invalid = cache.get('{ nope }');
  expect(Array.isArray(invalid)).toBe(true);
  expect(cache.get('{ nope }')).toBe(invalid);
});
