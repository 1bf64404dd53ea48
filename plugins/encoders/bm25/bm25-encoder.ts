import type { SparseEncoder, SparseVector } from "../../../src/index.js";
import { createEnglishAnalyzer } from "./english-analyzer.js";
import { luceneQuantizedLength } from "./lucene-length.js";

export interface Bm25Options {
  /** Term-frequency saturation. Default 0.9 (Anserini's default). */
  k1?: number;
  /** Length normalization, 0..1. Default 0.4 (Anserini's default). */
  b?: number;
  /** Quantize document lengths as Lucene's norms do, to reproduce Lucene's scores. Default true. */
  luceneLengths?: boolean;
  /** Text → terms. Default: English analysis (stop words, Porter stemming). */
  analyze?: (text: string) => string[];
}

/** What fitting learns from a corpus; JSON-serializable so queries can be encoded later. */
export interface Bm25Model {
  kind: "bm25";
  version: 1;
  k1: number;
  b: number;
  luceneLengths: boolean;
  documents: number;
  averageLength: number;
  documentFrequency: Record<string, number>;
}

/**
 * BM25 as sparse vectors: a document's weight for term t is
 *   idf(t) · tf / (tf + k1 · (1 − b + b · len / avgLen)),  idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)),
 * and a query's weight is how often the term occurs in it, so the sparse leg's dot product is
 * exactly Lucene's BM25 score. IDF and average length come from the corpus it was fitted on:
 * documents added later are weighted with those statistics until the encoder is refitted.
 */
export class Bm25Encoder implements SparseEncoder {
  private readonly analyze: (text: string) => string[];

  private constructor(
    readonly model: Bm25Model,
    analyze?: (text: string) => string[],
  ) {
    this.analyze = analyze ?? createEnglishAnalyzer();
  }

  /** Learns document frequencies and the average length from `texts`. */
  static fit(texts: readonly string[], options: Bm25Options = {}): Bm25Encoder {
    const k1 = options.k1 ?? 0.9;
    const b = options.b ?? 0.4;
    if (!(k1 >= 0) || !(b >= 0 && b <= 1)) throw new RangeError(`Bm25Encoder: k1 must be ≥ 0 and b in [0, 1], got k1=${k1}, b=${b}`);
    const analyze = options.analyze ?? createEnglishAnalyzer();
    const documentFrequency: Record<string, number> = Object.create(null);
    let totalLength = 0;
    for (const text of texts) {
      const terms = analyze(text);
      totalLength += terms.length;
      for (const term of new Set(terms)) documentFrequency[term] = (documentFrequency[term] ?? 0) + 1;
    }
    const model: Bm25Model = {
      kind: "bm25",
      version: 1,
      k1,
      b,
      luceneLengths: options.luceneLengths ?? true,
      documents: texts.length,
      averageLength: texts.length === 0 ? 0 : totalLength / texts.length,
      documentFrequency: { ...documentFrequency },
    };
    return new Bm25Encoder(model, analyze);
  }

  /** Restores a fitted encoder from its model (e.g. read back from JSON). */
  static fromModel(model: Bm25Model, analyze?: (text: string) => string[]): Bm25Encoder {
    if (model?.kind !== "bm25" || model.version !== 1) throw new RangeError(`Bm25Encoder: not a version 1 BM25 model`);
    return new Bm25Encoder(model, analyze);
  }

  idf(term: string): number {
    const df = this.model.documentFrequency[term] ?? 0;
    return Math.log(1 + (this.model.documents - df + 0.5) / (df + 0.5));
  }

  encodeDocumentSync(text: string): SparseVector {
    const terms = this.analyze(text);
    const { k1, b, averageLength } = this.model;
    const length = this.model.luceneLengths ? luceneQuantizedLength(terms.length) : terms.length;
    const norm = k1 * (1 - b + (averageLength > 0 ? (b * length) / averageLength : 0));
    const out: SparseVector = {};
    for (const [term, tf] of counts(terms)) {
      const weight = (this.idf(term) * tf) / (tf + norm);
      if (weight > 0) out[term] = weight;
    }
    return out;
  }

  encodeQuerySync(text: string): SparseVector {
    return Object.fromEntries(counts(this.analyze(text)));
  }

  async encodeDocuments(texts: readonly string[]): Promise<SparseVector[]> {
    return texts.map((t) => this.encodeDocumentSync(t));
  }

  async encodeQueries(texts: readonly string[]): Promise<SparseVector[]> {
    return texts.map((t) => this.encodeQuerySync(t));
  }
}

function counts(terms: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}
