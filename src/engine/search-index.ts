import type { Document, Metric, SearchQuery, SearchResult } from "../types.js";

/** What every backend reports in `stats()`; each adds its own details. */
export interface BackendStats {
  documents: number;
  dimension: number | null;
  metric: Metric;
  textLeg: boolean;
}

/**
 * The API shared by the embedded index (`HybridIndex`) and the Elasticsearch backend
 * (`ElasticsearchIndex` from `tandem-search/elasticsearch`), so code written against one runs on
 * the other.
 */
export interface SearchIndex {
  upsert(docs: readonly Document[], options?: { where?: (i: number) => string }): Promise<{ upserted: number }>;
  delete(ids: readonly string[]): Promise<{ deleted: number }>;
  search(query: SearchQuery): Promise<SearchResult>;
  /** Throws what `search` would for this query, without running it. */
  validateQuery(query: SearchQuery, where?: string): void;
  get(id: string): Promise<Document | undefined>;
  stats(): Promise<BackendStats>;
  putAttachment(name: string, bytes: Uint8Array): Promise<void>;
  getAttachment(name: string): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}
