/**
 * What a storage backend needs to plug into Tandem (the Elasticsearch plugin is one): the leg
 * retrieval and completion interfaces, query resolution, the search pipeline (fusion and
 * relevance filtering are the pipeline's, so every backend ranks the same way), document and
 * argument validation, the id order, and the legs' exact scoring of vectors a backend fetched.
 * Users of the library need none of it: `tandem-search` is their entry point.
 *
 * @module tandem-search/backend
 */
export type { CompletionRequest, LegBackend } from "./engine/leg-backend.js";
export type { BackendStats, SearchIndex } from "./engine/search-index.js";
export { resolveQuery, type ResolvedQuery, type IndexCapabilities } from "./engine/resolve-query.js";
export { runSearch, wantsCompletion } from "./engine/search-pipeline.js";
export type { RetrievedLeg } from "./fusion/candidate-pool.js";
export { compareIds } from "./fusion/fuse.js";
export { sparseRecord, validateDocuments, type SparseEntries, type ValidDocument } from "./engine/validate-document.js";
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
export { scoreSparseVectors } from "./legs/sparse/score-vectors.js";
export { scoreDenseVectors } from "./legs/dense/score-vectors.js";
export { StoredCalibration } from "./relevance/stored-calibration.js";
export { CALIBRATION_ATTACHMENT } from "./relevance/calibration-model.js";
export { DEFAULT_EF_SEARCH } from "./legs/dense/dense-leg.js";
