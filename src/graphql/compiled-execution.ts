import type { GatewayExecutor, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import { type DocumentNode, execute, type ExecutionResult, getOperationAST, GraphQLError, type GraphQLSchema, OperationTypeNode, Source } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

/** Runs of one query document before it is compiled: a document sent once (a script's inline values) is not. */
export const COMPILE_AFTER_RUNS = 2;

interface Entry {
  runs: number;
  /** false: graphql-jit could not compile it (graphql-js runs it, and says what is wrong). */
  compiled: CompiledQuery | null | false;
}

/**
 * Query operations over HTTP executed by graphql-jit once their document came back (COMPILE_AFTER_RUNS): the
 * selection is compiled to a function once, so a list of 50 devices does not walk graphql-js's generic field
 * resolution 50 × fields times. Mutations, first runs and documents graphql-jit cannot compile run through
 * graphql-js's `execute`. Plugged in through Apollo's executor interface (`gateway`), which hands over the
 * parsed, validated document; Apollo's plugins and error formatting work as before.
 */
export class CompiledExecution implements GatewayInterface {
  /** By document (Apollo's document store hands out one DocumentNode per query text) and operation name. */
  private readonly entries = new WeakMap<DocumentNode, Map<string, Entry>>();
  /** Operations compiled so far (for tests and metrics). */
  compiledCount = 0;

  constructor(private readonly schema: GraphQLSchema) {}

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): () => void {
    callback({ apiSchema: this.schema, coreSupergraphSdl: '' });
    return () => undefined;
  }

  load(): Promise<{ executor: GatewayExecutor }> {
    return Promise.resolve({
      executor: async (rc) => {
        const result = await this.run(rc.document, rc.operationName, rc.context, rc.request.variables);
        if (!result.errors?.length || result.errors.every(isGraphQLJsError)) return result;
        const source = new Source(rc.source);
        const lineStarts = lineStartsOf(source.body);
        return { ...result, errors: result.errors.map((e) => asGraphQLError(e, source, lineStarts)) };
      },
    });
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async run(document: DocumentNode, operationName: string | null, contextValue: unknown, variables: Record<string, unknown> | undefined): Promise<ExecutionResult> {
    const viaGraphQLJs = () => execute({ schema: this.schema, document, operationName, contextValue, variableValues: variables ?? null });
    const compiled = this.compiledFor(document, operationName);
    if (!compiled) return viaGraphQLJs();
    const result = (await compiled.query(undefined, contextValue, variables ?? {})) as ExecutionResult;
    // Refused before running (variables that do not coerce): graphql-js answers, with its own errors (Apollo
    // recognizes those as BAD_USER_INPUT and answers 400).
    return 'data' in result ? result : viaGraphQLJs();
  }

  private compiledFor(document: DocumentNode, operationName: string | null): CompiledQuery | null {
    let byName = this.entries.get(document);
    if (!byName) this.entries.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let entry = byName.get(key);
    if (!entry) byName.set(key, (entry = { runs: 0, compiled: null }));
    if (entry.compiled !== null) return entry.compiled || null;
    if (++entry.runs < COMPILE_AFTER_RUNS) return null;
    if (getOperationAST(document, operationName)?.operation !== OperationTypeNode.QUERY) {
      entry.compiled = false;
      return null;
    }
    entry.compiled = compileOperation(this.schema, document, operationName) ?? false;
    if (entry.compiled) this.compiledCount += 1;
    return entry.compiled || null;
  }
}

/** The operation compiled by graphql-jit, or null when graphql-jit cannot compile it (graphql-js runs it then). */
export function compileOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null {
  const compiled = compileQuery(schema, document, operationName ?? undefined);
  return isCompiledQuery(compiled) ? compiled : null;
}

/**
 * Made by graphql-js's GraphQLError constructor (which sets `nodes` on every error). graphql-jit's errors pass
 * `instanceof GraphQLError` (their prototype derives from it) but are not: Apollo fails to format them (measured:
 * every one became INTERNAL_SERVER_ERROR without a path).
 */
function isGraphQLJsError(error: unknown): boolean {
  return error instanceof GraphQLError && Object.prototype.hasOwnProperty.call(error, 'nodes');
}

interface JitError {
  message: string;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  path?: ReadonlyArray<string | number>;
  originalError?: Error | null;
  extensions?: Record<string, unknown>;
}

/**
 * graphql-jit reports errors with a class of its own: made graphql-js GraphQLErrors again (message, locations,
 * path, original error), so that Apollo and formatError treat them as they treat graphql-js's.
 */
function asGraphQLError(error: unknown, source: Source, lineStarts: readonly number[]): GraphQLError {
  if (isGraphQLJsError(error)) return error as GraphQLError;
  const e = error as JitError;
  const positions = (e.locations ?? []).map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1);
  return new GraphQLError(e.message, {
    source,
    positions,
    ...(e.path ? { path: e.path } : {}),
    ...(e.originalError ? { originalError: e.originalError } : {}),
    ...(e.extensions ? { extensions: e.extensions } : {}),
  });
}

/** Where each line of the query text starts (for turning graphql-jit's line/column back into positions). */
function lineStartsOf(body: string): number[] {
  const starts = [0];
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
