import { InvalidInputError, InvalidOptionError, type SparseEncoder, type SparseVector } from "../../../src/index.js";
import { describeValue, isPlainObject, setOwn } from "../../../src/backend.js";
import { createEnglishAnalyzer } from "./english-analyzer.js";
import { luceneQuantizedLength } from "./lucene-length.js";

/** Options of {@link Bm25Encoder.fit}. */
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
  /** Always `bm25`. */
  kind: "bm25";
  /** Model format version; 1. */
  version: 1;
  /** Term-frequency saturation used when fitting. */
  k1: number;
  /** Length normalization (0..1) used when fitting. */
  b: number;
  /** Whether document lengths are quantized as Lucene's norms are. */
  luceneLengths: boolean;
  /** Number of documents fitted on. */
  documents: number;
  /** Mean document length, in terms after analysis. */
  averageLength: number;
  /** Term → number of fitted documents containing it. */
  documentFrequency: Record<string, number>;
}

/** Statistics of a BM25 fit in progress ({@link Bm25Encoder.fitter}). */
export interface Bm25Fitter {
  /** Counts one document's text. */
  add(text: string): void;
  /** The encoder fitted on every text added so far. */
  finish(): Bm25Encoder;
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
  /** Document frequencies by term: a Map, so any term (even "__proto__" or "constructor") is just a key. */
  private readonly frequency: Map<string, number>;

  private constructor(
    /** The fitted statistics; serialize it (JSON) to restore the encoder with {@link Bm25Encoder.fromModel}. */
    readonly model: Bm25Model,
    analyze?: (text: string) => string[],
  ) {
    this.analyze = analyze ?? createEnglishAnalyzer();
    this.frequency = new Map(Object.entries(model.documentFrequency));
  }

  /**
   * Learns document frequencies and the average length from `texts`.
   *
   * @throws {@link tandem-search!InvalidOptionError} when `k1` is not a finite number ≥ 0 or `b` is not in [0, 1].
   */
  static fit(texts: readonly string[], options: Bm25Options = {}): Bm25Encoder {
    const fitting = Bm25Encoder.fitter(options);
    for (const text of texts) fitting.add(text);
    return fitting.finish();
  }

  /**
   * Fits from texts given one at a time (e.g. while streaming a file), holding only the
   * statistics: the same model as {@link Bm25Encoder.fit} on the same texts in the same order.
   *
   * @throws {@link tandem-search!InvalidOptionError} when `k1` is not a finite number ≥ 0 or `b` is not in [0, 1].
   */
  static fitter(options: Bm25Options = {}): Bm25Fitter {
    const k1 = options.k1 ?? 0.9;
    const b = options.b ?? 0.4;
    if (!(typeof k1 === "number" && k1 >= 0 && Number.isFinite(k1)) || !(typeof b === "number" && b >= 0 && b <= 1)) {
      throw new InvalidOptionError(`Bm25Encoder: k1 must be a finite number ≥ 0 and b in [0, 1], got k1=${describeValue(k1)}, b=${describeValue(b)}`);
    }
    const analyze = options.analyze ?? createEnglishAnalyzer();
    const frequency = new Map<string, number>();
    let totalLength = 0;
    let documents = 0;
    return {
      add(text) {
        const terms = analyze(text);
        documents++;
        totalLength += terms.length;
        for (const term of new Set(terms)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
      },
      finish() {
        const model: Bm25Model = {
          kind: "bm25",
          version: 1,
          k1,
          b,
          luceneLengths: options.luceneLengths ?? true,
          documents,
          averageLength: documents === 0 ? 0 : totalLength / documents,
          // fromEntries defines own properties: every term survives JSON, "__proto__" included.
          documentFrequency: Object.fromEntries(frequency),
        };
        return new Bm25Encoder(model, analyze);
      },
    };
  }

  /**
   * Restores a fitted encoder from its model (e.g. read back from JSON), checking it: a damaged
   * model is an InvalidInputError, not a source of NaN weights. The model is copied.
   *
   * @throws {@link tandem-search!InvalidInputError} when `model` is not a valid version 1 BM25 model.
   */
  static fromModel(model: Bm25Model, analyze?: (text: string) => string[]): Bm25Encoder {
    const fail = (problem: string): never => {
      throw new InvalidInputError(`Bm25Encoder: not a valid version 1 BM25 model: ${problem}`);
    };
    if (!isPlainObject(model) || model.kind !== "bm25" || model.version !== 1) return fail(`kind and version must be "bm25" and 1`);
    const finite = (name: "k1" | "b" | "documents" | "averageLength") => {
      const v = model[name];
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) fail(`${name} must be a finite number ≥ 0, got ${describeValue(v)}`);
    };
    (["k1", "b", "documents", "averageLength"] as const).forEach(finite);
    if (typeof model.luceneLengths !== "boolean") fail(`luceneLengths must be true or false`);
    if (!isPlainObject(model.documentFrequency)) fail(`documentFrequency must be an object of term → count`);
    const documentFrequency: Record<string, number> = {};
    for (const term of Object.keys(model.documentFrequency)) {
      const df = model.documentFrequency[term];
      if (!Number.isInteger(df) || (df as number) < 0) fail(`documentFrequency of ${describeValue(term)} must be an integer ≥ 0, got ${describeValue(df)}`);
      setOwn(documentFrequency, term, df as number);
    }
    return new Bm25Encoder({ ...model, documentFrequency }, analyze);
  }

  /** The term's inverse document frequency, ln(1 + (N − df + 0.5) / (df + 0.5)); an unseen term has df 0. */
  idf(term: string): number {
    const df = this.frequency.get(term) ?? 0;
    return Math.log(1 + (this.model.documents - df + 0.5) / (df + 0.5));
  }

  /** The document's BM25 term weights, synchronously (terms of weight 0 are left out). */
  encodeDocumentSync(text: string): SparseVector {
    const terms = this.analyze(text);
    const { k1, b, averageLength } = this.model;
    const length = this.model.luceneLengths ? luceneQuantizedLength(terms.length) : terms.length;
    const norm = k1 * (1 - b + (averageLength > 0 ? (b * length) / averageLength : 0));
    const out: SparseVector = {};
    for (const [term, tf] of counts(terms)) {
      const weight = (this.idf(term) * tf) / (tf + norm);
      if (weight > 0) setOwn(out, term, weight);
    }
    return out;
  }

  /** The query's term counts, synchronously. */
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
