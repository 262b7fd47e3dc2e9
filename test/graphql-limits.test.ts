import fs from 'node:fs';
import path from 'node:path';

import { buildSchema, getIntrospectionQuery, parse } from 'graphql';

import { measureOperation } from '../src/graphql/cost';
import { signUp, startTestApp, type TestApp } from './support/app';

const sdl = buildSchema(fs.readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8'));
const measure = (query: string, variables?: Record<string, unknown>) => measureOperation(sdl, parse(query), undefined, variables, 1000);

describe('operation cost (measured on the document)', () => {
  it('multiplies first along the nesting, defaults to the page size, reads variables', () => {
    expect(measure('{ devices(first: 10) { nodes { events(first: 20) { nodes { id } } } } }')).toMatchObject({ depth: 5, cost: 1 + 10 + 10 + 200 });
    expect(measure('{ devices { nodes { id } } }')).toMatchObject({ cost: 1 + 20 });
    expect(measure('query($n: Int) { deviceEvents(first: $n) { nodes { id } } }', { n: 5 })).toMatchObject({ cost: 1 + 5 });
    expect(measure('query($n: Int = 7) { deviceEvents(first: $n) { nodes { id } } }')).toMatchObject({ cost: 1 + 7 });
    // Out of range: costed at the most a page may hold (the resolver refuses it anyway).
    expect(measure('{ deviceEvents(first: 100000) { nodes { id } } }')).toMatchObject({ cost: 1 + 100 });
  });

  it('expands fragments where they are used and counts aliases', () => {
    const q = 'query { a: devices(first: 2) { ...D } b: devices(first: 3) { ...D } } fragment D on DeviceConnection { nodes { id name } }';
    expect(measure(q)).toMatchObject({ aliases: 2, fields: 8, cost: 1 + 2 + 1 + 3 });
  });

  it('stops at the field budget (fragment bombs cost no more than that)', () => {
    const frags = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Device { ${i === 19 ? 'id' : `...F${i + 1} ...F${i + 1}`} }`).join(' ');
    const m = measureOperation(sdl, parse(`{ device(id: "x") { ...F0 } } ${frags}`), undefined, undefined, 1000);
    expect(m).toMatchObject({ truncated: true, fields: 1001 });
  });

  it('keeps the introspection query of GraphiQL shallow', () => {
    const m = measure(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }))!;
    expect(m.depth).toBeLessThanOrEqual(6);
    expect(m.truncated).toBe(false);
  });
});

describe('GraphQL limits over HTTP', () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp();
    ({ token } = await signUp(app));
  });
  afterAll(() => app.stop());

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(app.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body });

  it('refuses 200 aliases of deviceEvents(first: 100) before running it', async () => {
    const fields = Array.from({ length: 200 }, (_, i) => `a${i}: deviceEvents(first: 100) { nodes { id payload } }`).join(' ');
    const r = await app.gql(`{ ${fields} }`, undefined, token);
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.errors).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX', aliases: 200, maxAliases: 30 } })]);
  });

  it('refuses rows multiplied along the nesting (cost), with the computed cost and the limit', async () => {
    const q = '{ devices(first: 10) { nodes { events(first: 20) { nodes { device { events(first: 20) { nodes { device { events(first: 20) { nodes { id } } } } } } } } } } }';
    const r = await app.gql(q, undefined, token);
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', cost: 1 + 10 + 10 + 200 + 200 + 200 + 4000 + 4000 + 4000 + 80000, maxCost: 10000 });
  });

  it('refuses a too deep operation, and a mutation over the limits has no effect', async () => {
    const deep = '{ devices { nodes { certificates { devices { certificates { devices { certificates { devices { certificates { devices { certificates { devices { id } } } } } } } } } } } } }';
    const r = await app.gql(deep, undefined, token);
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', depth: 13, maxDepth: 12 });

    const creates = Array.from({ length: 31 }, (_, i) => `d${i}: createDevice(input: { name: "n${i}" }) { id }`).join(' ');
    const m = await app.gql(`mutation { ${creates} }`, undefined, token);
    expect(m.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const count = await app.gql<{ devices: { totalCount: number } }>('{ devices { totalCount } }', undefined, token);
    expect(count.data?.devices.totalCount).toBe(0);
  });

  it('answers an ordinary query, introspection included', async () => {
    const r = await app.gql('{ devices(first: 100) { nodes { id name events(first: 20) { nodes { id device { name } } } } } }', undefined, token);
    expect(r.errors).toBeUndefined();
    const i = await app.gql(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(i.errors).toBeUndefined();
  });

  it('answers malformed JSON with 400 BAD_REQUEST, as GraphQL-shaped JSON without a stack', async () => {
    const res = await post('{"query": "{ me { id } }",');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    expect(text).not.toMatch(/node_modules|\bat \w|\/work\//);
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post(JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(1024 * 1024) } }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ errors: [{ message: 'Request body is larger than 1048576 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('refuses a batch (JSON array) cleanly with BAD_REQUEST', async () => {
    const res = await post(JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('answers other request errors and unknown paths as JSON', async () => {
    const gzip = await post('{}', { 'content-encoding': 'br-nope' });
    expect(gzip.status).toBe(415);
    expect(await gzip.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
    const missing = await fetch(`${app.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
  });
});
