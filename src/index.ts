/**
 * Tandem's public API: the embedded {@link HybridIndex}, the shared types, and the typed errors.
 *
 * @module tandem-search
 */
export { HybridIndex, type OpenOptions, type UpsertOptions } from "./engine/hybrid-index.js";
export type { TextIndex, TextIndexFactory } from "./legs/text/text-index.js";
export type { HnswParams } from "./legs/dense/hnsw-index.js";
export type { HashedRead, Storage, StorageFile, StorageLock } from "./store/storage.js";
export { MemoryStorage } from "./store/memory-storage.js";
export type { BackendStats, SearchIndex } from "./engine/search-index.js";
export { MAX_FILTER_DEPTH, validateFilter } from "./filter/validate-filter.js";
export { MAX_VECTOR_NORM, MAX_VECTOR_VALUE, MIN_COSINE_SQUARED_NORM, MIN_SPARSE_WEIGHT } from "./engine/validate-vector.js";
export { evaluateRun, type EvaluationSummary, type Run } from "./eval/evaluate-run.js";
export { keptSetMetrics, type KeptSetSummary } from "./eval/kept-set.js";
export { parseQrels, type Qrels } from "./eval/qrels.js";
export { CalibrationModel, CALIBRATION_ATTACHMENT, CALIBRATION_FORMAT, CALIBRATION_VERSION } from "./relevance/calibration-model.js";
export { CALIBRATION_FEATURES, type CalibrationFeature } from "./relevance/calibration-features.js";
export { calibrationError, type CalibrationBin, type CalibrationError } from "./relevance/calibration-error.js";
export { parseSearchConfig, queryOptions, CONFIG_FORMAT, type ConfiguredQueryOptions, type SearchConfig } from "./eval/search-config.js";
export * from "./errors.js";
export type * from "./types.js";
