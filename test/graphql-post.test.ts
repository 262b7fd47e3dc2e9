import type http from 'node:http';
import net from 'node:net';

import { isPlainJsonPost } from '../src/graphql/json-post';
import { signUp, startTestApp, type TestApp } from './support/app';

const request = (method: string, url: string, headers: Record<string, string>) => ({ method, url, headers }) as unknown as http.IncomingMessage;

describe('plain JSON POSTs to /graphql (answered without express)', () => {
  it('takes only plain JSON POSTs to exactly /graphql', () => {
    const json = { 'content-type': 'application/json' };
    expect(isPlainJsonPost(request('POST', '/graphql', json), '/graphql')).toBe(true);
    expect(isPlainJsonPost(request('POST', '/graphql?op=x', json), '/graphql')).toBe(true);
    expect(isPlainJsonPost(request('POST', '/graphql', { 'content-type': 'Application/JSON; charset="UTF-8"' }), '/graphql')).toBe(true);
    expect(isPlainJsonPost(request('POST', '/graphql', { ...json, 'content-encoding': 'identity' }), '/graphql')).toBe(true);
    // Everything else keeps going through express (its body parser inflates, decodes other charsets, refuses the rest).
    expect(isPlainJsonPost(request('GET', '/graphql', json), '/graphql')).toBe(false);
    expect(isPlainJsonPost(request('POST', '/graphql/', json), '/graphql')).toBe(false);
    expect(isPlainJsonPost(request('POST', '/graphqlx', json), '/graphql')).toBe(false);
    expect(isPlainJsonPost(request('POST', '/graphql', { ...json, 'content-encoding': 'gzip' }), '/graphql')).toBe(false);
    expect(isPlainJsonPost(request('POST', '/graphql', { 'content-type': 'application/json; charset=utf-16' }), '/graphql')).toBe(false);
    expect(isPlainJsonPost(request('POST', '/graphql', { 'content-type': 'text/plain' }), '/graphql')).toBe(false);
    expect(isPlainJsonPost(request('POST', '/graphql', {}), '/graphql')).toBe(false);
  });

  describe('answer as the express route does', () => {
    let app: TestApp;
    let token: string;
    beforeAll(async () => {
      app = await startTestApp();
      ({ token } = await signUp(app));
    });
    afterAll(() => app.stop());

    /** The same request to /graphql (the plain path) and to /graphql/ (express's route mounted on /graphql). */
    const both = async (body: string | (() => ReadableStream<Uint8Array>), headers: Record<string, string> = {}) => {
      const send = async (url: string) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
          body: typeof body === 'string' ? body : body(),
          duplex: 'half',
        } as RequestInit);
        return { status: res.status, type: res.headers.get('content-type'), requestId: res.headers.get('x-request-id'), body: (await res.json()) as unknown };
      };
      const plain = await send(app.graphqlUrl);
      const routed = await send(`${app.graphqlUrl}/`);
      expect(plain.requestId).toEqual(expect.any(String));
      expect({ ...plain, requestId: null }).toEqual({ ...routed, requestId: null });
      return plain;
    };
    const chunked = (text: string) => () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          const bytes = new TextEncoder().encode(text);
          for (let i = 0; i < bytes.length; i += 64 * 1024) c.enqueue(bytes.subarray(i, i + 64 * 1024));
          c.close();
        },
      });

    it('answers queries, with a byte order mark and with a quoted charset', async () => {
      const ok = await both(JSON.stringify({ query: '{ me { id } }' }));
      expect(ok).toMatchObject({ status: 200, type: 'application/json; charset=utf-8', body: { data: { me: { id: expect.any(String) } } } });
      expect(await both(`\ufeff${JSON.stringify({ query: '{ me { id } }' })}`)).toMatchObject({ status: 200 });
      expect(await both(JSON.stringify({ query: '{ me { id } }' }), { 'content-type': 'application/json; charset="UTF-8"' })).toMatchObject({ status: 200 });
    });

    it('answers bodies that are not a GraphQL request with the same errors', async () => {
      const notJson = { status: 400, body: { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] } };
      expect(await both('{"query": "{ me { id } }",')).toMatchObject(notJson);
      expect(await both('   ')).toMatchObject(notJson);
      expect(await both('"{ me { id } }"')).toMatchObject(notJson);
      expect(await both('')).toMatchObject({ status: 400 });
      expect(await both('{}')).toMatchObject({ status: 400 });
      expect(await both(JSON.stringify([{ query: '{ me { id } }' }]))).toMatchObject({ status: 400 });
    });

    it('shrugs off a client that leaves in the middle of its body', async () => {
      const socket = net.connect(Number(new URL(app.graphqlUrl).port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      await new Promise((resolve) => socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":', resolve));
      socket.destroy();
      await closed;
      expect(await both(JSON.stringify({ query: '{ me { id } }' }))).toMatchObject({ status: 200 });
    });

    it('answers a body over the limit with 413, declared or streamed without a length', async () => {
      const big = JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(1024 * 1024) } });
      const tooLarge = { status: 413, body: { errors: [{ message: 'Request body is larger than 1048576 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] } };
      expect(await both(big)).toMatchObject(tooLarge);
      expect(await both(chunked(big))).toMatchObject(tooLarge);
      // Streamed under the limit: answered.
      expect(await both(chunked(JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(200_000) } })))).toMatchObject({ status: 200 });
    });
  });
});
