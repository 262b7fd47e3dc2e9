// GraphiQL for Portico, bundled by esbuild at build time (web/build.mjs) and served from /graphiql/ — no CDN.
import 'graphiql/style.css';

import { GraphiQL } from 'graphiql';
import { type OperationDefinitionNode, parse } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { createRoot } from 'react-dom/client';

type Result = { data?: unknown; errors?: unknown[] };
type Params = { query: string; operationName?: string | null; variables?: unknown };
type Opts = { headers?: Record<string, unknown> };

// Monaco's web workers are separate bundles next to this one.
const assets = new URL('.', (document.currentScript as HTMLScriptElement).src).href;
(globalThis as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    const name = label === 'json' ? 'json' : label === 'graphql' ? 'graphql' : 'editor';
    return new Worker(`${assets}${name}.worker.js`);
  },
};

const httpUrl = new URL('/graphql', location.href).href;
const wsUrl = httpUrl.replace(/^http/, 'ws');

/** One graphql-ws client per Authorization value from the header editor. */
const wsClients = new Map<string, Client>();
function wsClientFor(authorization: string): Client {
  let client = wsClients.get(authorization);
  if (!client) {
    client = createClient({ url: wsUrl, connectionParams: authorization ? { authorization } : {}, lazy: true });
    wsClients.set(authorization, client);
  }
  return client;
}

function isSubscription(params: Params): boolean {
  try {
    const ops = parse(params.query).definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    const op = params.operationName ? ops.find((o) => o.name?.value === params.operationName) : ops[0];
    return op?.operation === 'subscription';
  } catch {
    return false;
  }
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): string {
  const entry = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name);
  return entry ? String(entry[1]) : '';
}

function fetcher(params: Params, opts?: Opts): Promise<Result> | AsyncIterable<Result> {
  if (isSubscription(params)) {
    const client = wsClientFor(headerValue(opts?.headers, 'authorization'));
    return client.iterate(params as { query: string }) as AsyncIterable<Result>;
  }
  return fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(opts?.headers as Record<string, string>) },
    body: JSON.stringify(params),
  }).then((r) => r.json() as Promise<Result>);
}

const DEFAULT_QUERY = `# Welcome to Portico.
# 1. Run signUp or logIn, then put the token in Headers:  { "Authorization": "Bearer <token>" }
# 2. Explore devices, and subscribe to live events over graphql-ws.

query Me {
  me { id email }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL fetcher={fetcher as never} defaultQuery={DEFAULT_QUERY} isHeadersEditorEnabled shouldPersistHeaders defaultHeaders={'{\n  "Authorization": "Bearer "\n}'} />,
);
