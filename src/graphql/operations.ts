import { type DocumentNode, GraphQLError, type GraphQLSchema, parse, validate } from 'graphql';
import { LRUCache } from 'lru-cache';

import { AppError } from '../common/index.js';
import { DOCUMENT_CACHE_BYTES, documentHeapBytes } from './document-store.js';

/**
 * Parsed and validated documents by query text (least recently used dropped first), bounded by the heap they
 * keep (estimated from the text, see DOCUMENT_CACHE_BYTES). Every subscription sending the same query shares one
 * DocumentNode: no AST per subscription, and one identity to share executions by.
 */
export class DocumentCache {
  private readonly entries: LRUCache<string, DocumentNode | readonly GraphQLError[]>;

  constructor(
    private readonly schema: GraphQLSchema,
    maxBytes = DOCUMENT_CACHE_BYTES,
    private readonly maxQueryLength = 20_000,
  ) {
    this.entries = new LRUCache({ maxSize: maxBytes, sizeCalculation: (_value, query) => documentHeapBytes(query.length) });
  }

  /** The document, or the syntax/validation errors of the query. */
  get(query: string): DocumentNode | readonly GraphQLError[] {
    const hit = this.entries.get(query);
    if (hit) return hit;
    let result: DocumentNode | readonly GraphQLError[];
    try {
      const document = parse(query, { maxTokens: 20_000 });
      const errors = validate(this.schema, document);
      result = errors.length ? errors : document;
    } catch (err) {
      result = [err instanceof GraphQLError ? err : new GraphQLError('Invalid query')];
    }
    if (query.length <= this.maxQueryLength) this.entries.set(query, result);
    return result;
  }

  /** Entries and their estimated heap (for tests). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.calculatedSize };
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
