import type { ApolloServerOptions } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Heap bytes a parsed document keeps per character of its query text, measured with graphql 16: a mutation of 30
 * aliased fields (3 KB of text) held 190 KB, its AST and the token list every `loc` keeps alive. Apollo's default
 * store sizes entries by their JSON, which leaves the tokens out: its 30 MiB held ~126 MB of heap, and a script
 * sending documents with inline values filled it (10,000 devices created 30 per request kept 64 MB).
 */
export const HEAP_BYTES_PER_QUERY_CHAR = 64;

/** Heap the parsed documents of each cache (HTTP and graphql-ws) may keep, estimated from their text. */
export const DOCUMENT_CACHE_BYTES = 16 * 2 ** 20;

/** The heap a document parsed from `chars` characters keeps, estimated. */
export const documentHeapBytes = (chars: number): number => Math.max(1, chars) * HEAP_BYTES_PER_QUERY_CHAR;

type DocumentStore = NonNullable<ApolloServerOptions<object>['documentStore']>;

/**
 * Apollo's cache of parsed and validated documents (`documentStore`), bounded by the heap its documents keep,
 * estimated from their text length (`loc.end`), not by JSON size; nothing is serialized to size an entry.
 */
export class ParsedDocumentStore implements DocumentStore {
  private readonly cache: LRUCache<string, DocumentNode>;

  constructor(maxBytes = DOCUMENT_CACHE_BYTES) {
    this.cache = new LRUCache<string, DocumentNode>({ maxSize: maxBytes, sizeCalculation: (doc) => documentHeapBytes(doc.loc?.end ?? 0) });
  }

  get(key: string): Promise<DocumentNode | undefined> {
    return Promise.resolve(this.cache.get(key));
  }

  set(key: string, value: DocumentNode): Promise<void> {
    // An entry larger than the whole budget is not kept (lru-cache would refuse it anyway).
    if (documentHeapBytes(value.loc?.end ?? 0) <= this.cache.maxSize) this.cache.set(key, value);
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.cache.delete(key));
  }

  /** Entries and their estimated heap (for tests). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cache.calculatedSize };
  }
}
