import { createSourceEventStream, type DocumentNode, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';

import { compileOperation } from './compiled-execution.js';
import { Hub, mapResults } from './subscription-hub.js';

/**
 * Subscription events executed once per distinct selection, and serialized once per result.
 *
 * Subscribers of one user that sent the same document (one DocumentNode, see DocumentCache) with the same
 * operation name and variables share one source stream and one execution per event (a Hub); each subscriber
 * only keeps a queue of results it has not read yet. The result's JSON is kept beside it, and a graphql-ws message carrying it is assembled from that text
 * (see `payloadReplacer` / `assemble`), so an event going to 5,000 identical subscriptions is executed and
 * stringified once, not 5,000 times. The JSON cache is weak: it goes with the result.
 *
 * Each event runs the operation's selection compiled by graphql-jit (once per document and operation name), not
 * graphql-js's `execute`, which builds an execution context, coerces the variables and collects the fields again for
 * every event; a document graphql-jit cannot compile runs through `execute`.
 */
export class SharedExecution {
  /** Running shared subscriptions by document and share key. */
  private readonly hubs = new WeakMap<DocumentNode, Map<string, Promise<Hub | ExecutionResult>>>();
  private readonly json = new WeakMap<object, string>();
  /** Compiled selections by document and operation name (null: graphql-jit could not compile it). */
  private readonly compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  /** Operations compiled so far (for tests and metrics). */
  compiledCount = 0;
  /** Set by the replacer for the message being stringified; taken by `assemble` right after (synchronously). */
  private pending: string | null = null;
  private readonly marker = `\u0000portico-payload:${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  private readonly markerTail = JSON.stringify(this.marker) + '}';

  /** @param maxQueue results waiting for one subscriber beyond this end it (SUBSCRIBER_TOO_SLOW). */
  constructor(private readonly maxQueue = 10_000) {}

  /**
   * A subscription's results. With a `shareKey` (the caller puts the user, operation name and variables in it)
   * it joins the running subscription of the same document and key, or starts it: one source stream, one
   * execution per event, whatever the number of subscribers. Without one, it is graphql-js's `subscribe`.
   */
  async subscribe(args: ExecutionArgs, shareKey: string | null): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    if (shareKey === null) {
      const source = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in source)) return source;
      return mapResults(source[Symbol.asyncIterator](), this.executor(args));
    }
    let byKey = this.hubs.get(args.document);
    if (!byKey) this.hubs.set(args.document, (byKey = new Map()));
    const running = byKey.get(shareKey);
    const existing = running ? await running : null;
    if (existing instanceof Hub && !existing.closed) return existing.join();
    const starting = (async (): Promise<Hub | ExecutionResult> => {
      const source = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in source)) return source;
      const hub = new Hub(source[Symbol.asyncIterator](), this.executor(args), this.maxQueue, () => {
        if (byKey.get(shareKey) === starting) byKey.delete(shareKey);
      });
      return hub;
    })();
    byKey.set(shareKey, starting);
    const started = await starting;
    if (started instanceof Hub) return started.join();
    if (byKey.get(shareKey) === starting) byKey.delete(shareKey);
    return started;
  }

  /** Runs the subscription's selection on one event (the event is the root value, as in graphql-js's `subscribe`). */
  private executor(args: ExecutionArgs): (event: unknown) => ExecutionResult | Promise<ExecutionResult> {
    const compiled = this.compiledFor(args);
    if (!compiled) return (event) => execute({ ...args, rootValue: event });
    const variables = args.variableValues ?? {};
    return (event) => compiled.query(event, args.contextValue, variables) as ExecutionResult | Promise<ExecutionResult>;
  }

  private compiledFor(args: ExecutionArgs): CompiledQuery | null {
    let byName = this.compiled.get(args.document);
    if (!byName) this.compiled.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    let entry = byName.get(name);
    if (entry === undefined) {
      entry = compileOperation(args.schema, args.document, args.operationName);
      if (entry) this.compiledCount += 1;
      byName.set(name, entry);
    }
    return entry;
  }

  /** graphql-ws `jsonMessageReplacer`: a `next` message's payload is stringified once per result object. */
  readonly payloadReplacer = ((shared: SharedExecution) =>
    function (this: unknown, key: string, value: unknown): unknown {
      if (key !== 'payload' || typeof value !== 'object' || value === null) return value;
      const message = this as { type?: unknown; id?: unknown };
      if (message.type !== 'next' || typeof message.id !== 'string') return value;
      let text = shared.json.get(value);
      if (text === undefined) shared.json.set(value, (text = JSON.stringify(value)));
      shared.pending = text;
      return shared.marker;
    })(this);

  /** The message text to send: the marker left by `payloadReplacer` replaced by the payload's JSON. */
  assemble(data: string): string {
    const text = this.pending;
    this.pending = null;
    if (text === null || !data.endsWith(this.markerTail)) return data;
    return data.slice(0, data.length - this.markerTail.length) + text + '}';
  }
}
