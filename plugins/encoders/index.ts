/**
 * Encoders that turn text into sparse or dense vectors for Tandem.
 *
 * @module tandem-search/encoders
 */
export { Bm25Encoder, type Bm25Fitter, type Bm25Model, type Bm25Options } from "./bm25/bm25-encoder.js";
export { createEnglishAnalyzer, ENGLISH_STOP_WORDS } from "./bm25/english-analyzer.js";
export { OpenAiEmbeddingsEncoder, type OpenAiEncoderOptions } from "./http/openai-encoder.js";
export { TeiDenseEncoder, TeiSparseEncoder, type TeiOptions } from "./http/tei-encoders.js";
export type { HttpOptions } from "./http/post-json.js";
export { ElasticsearchDenseEncoder, ElasticsearchSparseEncoder, type InferenceOptions, type InferenceTransport } from "./elasticsearch/inference-encoders.js";
export { TransformersDenseEncoder, type TransformersDenseOptions } from "./transformers/transformers-dense-encoder.js";
export { TransformersSparseEncoder, type TransformersSparseOptions } from "./transformers/transformers-sparse-encoder.js";
