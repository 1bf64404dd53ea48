/**
 * Tandem's public API: the embedded {@link HybridIndex}, the shared types, and the typed errors.
 *
 * @module tandem-search
 */
export { HybridIndex, type OpenOptions, type UpsertOptions } from "./engine/hybrid-index.js";
export type { Storage, StorageFile, StorageLock } from "./store/storage.js";
export { MemoryStorage } from "./store/memory-storage.js";
export type { TextIndex, TextIndexFactory } from "./engine/text-index.js";
export type { HnswParams } from "./dense/hnsw-index.js";
export type { CompletionRequest, LegBackend } from "./engine/leg-backend.js";
export type { BackendStats, SearchIndex } from "./engine/search-index.js";
export { resolveQuery, type ResolvedQuery, type IndexCapabilities } from "./engine/resolve-query.js";
export { runSearch } from "./engine/search-pipeline.js";
export type { RetrievedLeg } from "./fusion/candidate-pool.js";
export { MAX_FILTER_DEPTH, validateFilter } from "./filter/validate-filter.js";
export { sparseRecord, validateDocuments, type SparseEntries, type ValidDocument } from "./engine/validate-document.js";
export { MAX_VECTOR_NORM, MAX_VECTOR_VALUE, MIN_COSINE_SQUARED_NORM, MIN_SPARSE_WEIGHT } from "./engine/validate-vector.js";
export {
  validateAttachmentBytes,
  validateAttachmentName,
  validateId,
  validateIds,
  validateOptionsObject,
  validateUpsertOptions,
  validateWhere,
} from "./engine/validate-arguments.js";
export { describeValue } from "./describe-value.js";
export { isPlainObject } from "./is-plain-object.js";
export { getOwn, setOwn } from "./own-property.js";
export { evaluateRun, type EvaluationSummary, type Run } from "./eval/evaluate-run.js";
export { keptSetMetrics, type KeptSetSummary } from "./eval/kept-set.js";
export { parseQrels, type Qrels } from "./eval/qrels.js";
export * from "./errors.js";
export type * from "./types.js";
