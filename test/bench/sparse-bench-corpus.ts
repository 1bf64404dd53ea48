import type { Document, Filter, SparseVector } from "../../src/index.js";
import { SpladeCorpus, VOCABULARY, querySparse, roundWeight, toDocuments, tokenName } from "./splade-corpus.js";

/** A run of documents, as the engine gets them and as token ids and weights (the same values). */
export interface SparseBenchBatch {
  /** Document i's postings are at offsets[i]..offsets[i+1] (from 0). */
  offsets: Uint32Array;
  tokens: Uint16Array;
  weights: Float32Array;
  docs: Document[];
}

/** A collection the sparse benchmark indexes in Tandem and in BMP: streamed documents and its queries. */
export interface SparseBenchCorpus {
  name: string;
  documents: number;
  /** Token ids are below this (at most 65,536). */
  vocabulary: number;
  termName: (id: number) => string;
  docId: (position: number) => string;
  /** The documents in order, in runs (each call streams them again). */
  batches(): Iterable<SparseBenchBatch>;
  queries: SparseVector[];
  /** Filters over the documents' fields, each with the share of documents it keeps (0–1). */
  filters?: { filter: Filter; share: number }[];
}

const BATCH = 10_000;

/** The seeded SPLADE-like corpus (splade-corpus.ts) of `documents` documents and its first `queries` queries. */
export function syntheticCorpus(documents: number, queries: number, seed: number): SparseBenchCorpus {
  const drawn = new SpladeCorpus({ seed }).queries(queries);
  return {
    name: `SPLADE-like, ${documents.toLocaleString("en")} documents (seed ${seed})`,
    documents,
    vocabulary: VOCABULARY,
    termName: tokenName,
    docId: (position) => `d${position}`,
    *batches() {
      const corpus = new SpladeCorpus({ seed });
      for (let start = 0; start < documents; start += BATCH) {
        const batch = corpus.nextBatch(Math.min(BATCH, documents - start));
        // The weights the engine stores (toDocuments rounds them), so both engines index the same values.
        const weights = new Float32Array(batch.weights.length);
        for (let j = 0; j < weights.length; j++) weights[j] = roundWeight(batch.weights[j]!);
        yield { offsets: batch.offsets, tokens: batch.tokens, weights, docs: toDocuments(batch, { fields: true }) };
      }
    },
    queries: Array.from({ length: drawn.count }, (_, q) => querySparse(drawn, q)),
    // toDocuments' fields: year uniform over 1990–2024, lang "fr" for a tenth, independently.
    filters: [
      { filter: { range: { year: { lt: 2007 } } }, share: 17 / 35 },
      { filter: { term: { lang: "fr" } }, share: 0.1 },
      { filter: { and: [{ term: { lang: "fr" } }, { range: { year: { lte: 1993 } } }] }, share: (4 / 35) * 0.1 },
    ],
  };
}
