import type { BackendStats, Document, SearchQuery, SearchResult } from "../types.js";

export type { BackendStats } from "../types.js";

/**
 * The API shared by the embedded index (`HybridIndex`) and the Elasticsearch backend
 * (`ElasticsearchIndex` from `tandem-search/elasticsearch`), so code written against one runs on
 * the other.
 */
export interface SearchIndex {
  /**
   * Adds documents, replacing any with the same id; the batch is validated whole first.
   * `options.where(i)` names document i in error messages (default `docs[i]`).
   */
  upsert(docs: readonly Document[], options?: { where?: (i: number) => string }): Promise<{
    /** Number of documents written. */
    upserted: number;
  }>;
  /** Deletes documents by id; unknown ids are ignored. */
  delete(ids: readonly string[]): Promise<{
    /** Number of documents that existed and were deleted. */
    deleted: number;
  }>;
  /** Runs the query's legs, fuses them and filters for relevance. */
  search(query: SearchQuery): Promise<SearchResult>;
  /** Throws what `search` would for this query, without running it. `where` names it in errors. */
  validateQuery(query: SearchQuery, where?: string): void;
  /** The stored document with this id, or undefined. */
  get(id: string): Promise<Document | undefined>;
  /** Counts and settings of the index. */
  stats(): Promise<BackendStats>;
  /** Stores bytes under `name` (lower-case letters, digits, dashes) beside the documents. */
  putAttachment(name: string, bytes: Uint8Array): Promise<void>;
  /** The bytes stored under `name`, or undefined. */
  getAttachment(name: string): Promise<Uint8Array | undefined>;
  /** Waits for pending writes and releases what the index holds. Idempotent. */
  close(): Promise<void>;
}
