import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveSubscription<T> {
  /** Resolves with the next result; rejects when none arrives within timeoutMs. */
  next(timeoutMs?: number): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;
  /** Results received and not yet taken. */
  pending(): number;
  /** Resolves when the server completes the subscription (rejects after timeoutMs). */
  completed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A graphql-ws client authenticated with the token; closed by `close()` on the returned subscription. */
export function wsClient(graphqlUrl: string, token?: string): Client {
  return createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // A server-side close (expired token, revoked key) reaches the subscription's error sink; do not also log it.
    onNonLazyError: () => undefined,
  });
}

/** Starts a subscription and buffers its results in order. */
export function subscribe<T = any>(graphqlUrl: string, token: string | undefined, query: string, variables?: Record<string, unknown>): LiveSubscription<T> {
  const client = wsClient(graphqlUrl, token);
  const queue: Array<{ data?: T; errors?: any[] }> = [];
  const waiters: Array<(r: { data?: T; errors?: any[] }) => void> = [];
  let failure: unknown;
  let markComplete!: () => void;
  const complete = new Promise<void>((resolve) => (markComplete = resolve));
  const push = (r: { data?: T; errors?: any[] }) => {
    const w = waiters.shift();
    if (w) w(r);
    else queue.push(r);
  };
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => push(r as { data?: T; errors?: any[] }),
      error: (e) => {
        failure = e;
        // GraphQL errors come as an array; a closed socket as a CloseEvent (code, reason).
        const errors = Array.isArray(e) ? e : [{ message: String((e as { reason?: string }).reason ?? e), extensions: { closeCode: (e as { code?: number }).code } }];
        push({ errors });
      },
      complete: () => markComplete(),
    },
  );
  return {
    completed(timeoutMs = 5000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`not completed within ${timeoutMs} ms`)), timeoutMs)));
      return Promise.race([complete, late]).finally(() => clearTimeout(timer));
    },
    next(timeoutMs = 5000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(wrapped);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no subscription event within ${timeoutMs} ms${failure ? ` (${String(failure)})` : ''}`));
        }, timeoutMs);
        const wrapped = (r: { data?: T; errors?: any[] }) => {
          clearTimeout(timer);
          resolve(r);
        };
        waiters.push(wrapped);
      });
    },
    pending: () => queue.length,
    async close() {
      dispose();
      await client.dispose();
    },
  };
}
