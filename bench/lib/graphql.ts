import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export class GraphQLRequestError extends Error {}

/** POSTs a GraphQL operation; returns `data`, throws on transport or GraphQL errors. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON unless the caller names its type, as in tests
export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>, token?: string, timeoutMs = 60_000): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new GraphQLRequestError(`GraphQL error: ${body.errors.map((e) => e.message).join('; ')}`);
  if (!res.ok || !body.data) throw new GraphQLRequestError(`GraphQL HTTP ${res.status}`);
  return body.data;
}

/** A graphql-ws client (no retries) authenticated with the bearer token in connectionParams. */
export function wsClient(graphqlUrl: string, token: string): Client {
  return createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    // The bench measures, it does not ping.
    keepAlive: 0,
  });
}

/** Resolves once the client's socket is open and acknowledged (rejects on close/error or timeout). */
export function connected(client: Client, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const done = (err?: unknown) => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (err) reject(err instanceof Error ? err : new Error(`graphql-ws: ${JSON.stringify((err as { reason?: string }).reason ?? err)}`));
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`graphql-ws: not connected after ${timeoutMs} ms`)), timeoutMs);
    offs.push(client.on('connected', () => done()));
    offs.push(client.on('closed', (e) => done(e ?? new Error('closed'))));
    offs.push(client.on('error', (e) => done(e)));
  });
}
