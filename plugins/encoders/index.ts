/** Encoders that turn text into sparse or dense vectors for Tandem. */
export { Bm25Encoder, type Bm25Model, type Bm25Options } from "./bm25/bm25-encoder.js";
export { createEnglishAnalyzer, ENGLISH_STOP_WORDS } from "./bm25/english-analyzer.js";
