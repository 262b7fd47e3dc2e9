import { type DocumentNode, GraphQLError, type GraphQLSchema, parse, validate } from 'graphql';

import { AppError } from '../common/index.js';

/**
 * Parsed and validated documents by query text (least recently used dropped first). Every subscription sending
 * the same query shares one DocumentNode: no AST per subscription, and one identity to share executions by.
 */
export class DocumentCache {
  private readonly entries = new Map<string, DocumentNode | readonly GraphQLError[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly maxEntries = 500,
    private readonly maxQueryLength = 20_000,
  ) {}

  /** The document, or the syntax/validation errors of the query. */
  get(query: string): DocumentNode | readonly GraphQLError[] {
    const hit = this.entries.get(query);
    if (hit) {
      this.entries.delete(query);
      this.entries.set(query, hit);
      return hit;
    }
    let result: DocumentNode | readonly GraphQLError[];
    try {
      const document = parse(query, { maxTokens: 20_000 });
      const errors = validate(this.schema, document);
      result = errors.length ? errors : document;
    } catch (err) {
      result = [err instanceof GraphQLError ? err : new GraphQLError('Invalid query')];
    }
    if (query.length <= this.maxQueryLength) {
      this.entries.set(query, result);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return result;
  }
}

const limitExceeded = (message: string, details: Record<string, unknown>): GraphQLError => {
  const error = new AppError('LIMIT_EXCEEDED', message, details);
  return new GraphQLError(message, { originalError: error, extensions: { code: error.code, ...details } });
};

/**
 * Open subscriptions, counted per user (across the user's sockets on this instance) and per socket. `acquire`
 * answers an error when a limit is reached, else a release function (idempotent).
 */
export class SubscriptionQuota {
  private readonly perUser = new Map<string, number>();
  /** Subscriptions granted and not yet released (every user's and anonymous ones): the open subscriptions. */
  open = 0;

  constructor(
    private readonly maxPerUser: number,
    private readonly maxPerSocket: number,
  ) {}

  count(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  acquire(userId: string | null, socketCount: number): GraphQLError | (() => void) {
    if (socketCount >= this.maxPerSocket) {
      return limitExceeded(`At most ${this.maxPerSocket} subscriptions per socket`, { maxSubscriptionsPerSocket: this.maxPerSocket });
    }
    if (userId !== null) {
      const n = this.count(userId);
      if (n >= this.maxPerUser) {
        return limitExceeded(`At most ${this.maxPerUser} open subscriptions per user; complete one first`, { maxSubscriptionsPerUser: this.maxPerUser });
      }
      this.perUser.set(userId, n + 1);
    }
    this.open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open -= 1;
      if (userId === null) return;
      const left = this.count(userId) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    };
  }
}
