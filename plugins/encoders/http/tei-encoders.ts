import { EncoderError, MIN_SPARSE_WEIGHT, type DenseEncoder, type SparseEncoder, type SparseVector } from "../../../src/index.js";
import { batched } from "../batched.js";
import { postJson, type HttpOptions } from "./post-json.js";

/** Options of {@link TeiDenseEncoder} and {@link TeiSparseEncoder}: a text-embeddings-inference server. */
export interface TeiOptions extends HttpOptions {
  /** text-embeddings-inference base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Texts per request. Default 32 (TEI's default max client batch size). */
  batchSize?: number;
  /** Prepended to queries / documents. Default none. */
  queryPrefix?: string;
  /** Prepended to documents. Default none. */
  documentPrefix?: string;
}

/** Dense vectors from Hugging Face text-embeddings-inference (`POST /embed`). */
export class TeiDenseEncoder implements DenseEncoder {
  constructor(
    private readonly options: TeiOptions & { dimension: number; normalize?: boolean },
  ) {}

  get dimension(): number {
    return this.options.dimension;
  }

  encodeQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.encode(texts.map((t) => (this.options.queryPrefix ?? "") + t));
  }

  encodeDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    return this.encode(texts.map((t) => (this.options.documentPrefix ?? "") + t));
  }

  private encode(texts: string[]): Promise<Float32Array[]> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/embed`;
    return batched(texts, this.options.batchSize ?? 32, async (batch) => {
      const answer = await postJson(url, { inputs: batch, normalize: this.options.normalize ?? true, truncate: true }, this.options);
      if (!Array.isArray(answer) || answer.length !== batch.length) throw new EncoderError(`${url}: expected ${batch.length} embeddings`);
      return answer.map((row: unknown) => {
        if (!Array.isArray(row) || row.length !== this.dimension) {
          throw new EncoderError(`${url}: embedding has ${Array.isArray(row) ? row.length : "no"} values, expected ${this.dimension}`);
        }
        return Float32Array.from(row as number[]);
      });
    });
  }
}

/**
 * Sparse vectors from text-embeddings-inference (`POST /embed_sparse`, SPLADE models). TEI names
 * tokens by vocabulary index, so the vectors' keys are those indexes as strings — the same for
 * documents and queries encoded by the same model.
 */
export class TeiSparseEncoder implements SparseEncoder {
  constructor(private readonly options: TeiOptions) {}

  encodeQueries(texts: readonly string[]): Promise<SparseVector[]> {
    return this.encode(texts.map((t) => (this.options.queryPrefix ?? "") + t));
  }

  encodeDocuments(texts: readonly string[]): Promise<SparseVector[]> {
    return this.encode(texts.map((t) => (this.options.documentPrefix ?? "") + t));
  }

  private encode(texts: string[]): Promise<SparseVector[]> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/embed_sparse`;
    return batched(texts, this.options.batchSize ?? 32, async (batch) => {
      const answer = await postJson(url, { inputs: batch, truncate: true }, this.options);
      if (!Array.isArray(answer) || answer.length !== batch.length) throw new EncoderError(`${url}: expected ${batch.length} sparse embeddings`);
      return answer.map((entries: unknown) => {
        if (!Array.isArray(entries)) throw new EncoderError(`${url}: a sparse embedding must be an array of {index, value}`);
        const vector: SparseVector = {};
        for (const e of entries as { index: number; value: number }[]) {
          if (!Number.isInteger(e?.index) || typeof e.value !== "number" || !Number.isFinite(e.value)) {
            throw new EncoderError(`${url}: malformed sparse entry ${JSON.stringify(e)}`);
          }
          // Weights below the smallest normal float32 are too small to store (an index refuses them).
          if (e.value >= MIN_SPARSE_WEIGHT) vector[String(e.index)] = e.value;
        }
        return vector;
      });
    });
  }
}
