import { EncoderError, type DenseEncoder, type SparseEncoder, type SparseVector } from "../../../src/index.js";
import { batched } from "../batched.js";

/**
 * The part of an `@elastic/elasticsearch` client (8.x or 9.x) the encoders use, so this plugin
 * needs no client of its own: pass the client you already have.
 */
export interface InferenceTransport {
  /** The client's transport, which sends the inference requests. */
  transport: {
    /** Sends one request and resolves with the response body. */
    request(params: { method: string; path: string; body?: unknown }, options?: unknown): Promise<unknown>;
  };
}

/** Options of the Elasticsearch inference encoders. */
export interface InferenceOptions {
  /** The inference endpoint's id (`inference_id`), e.g. `.elser-2-elasticsearch` or `my-e5`. */
  inferenceId: string;
  /** Texts per request. Default 16. */
  batchSize?: number;
  /**
   * Send `input_type` (`ingest` for documents, `search` for queries), for endpoints of asymmetric
   * models that take it (Elasticsearch 8.16+). Default false.
   */
  inputType?: boolean;
}

type Task = "sparse_embedding" | "text_embedding";

async function infer(client: InferenceTransport, task: Task, options: InferenceOptions, texts: readonly string[], inputType: "ingest" | "search") {
  const path = `/_inference/${task}/${encodeURIComponent(options.inferenceId)}`;
  return batched(texts, options.batchSize ?? 16, async (input) => {
    let answer: unknown;
    try {
      answer = await client.transport.request({ method: "POST", path, body: { input, ...(options.inputType ? { input_type: inputType } : {}) } });
    } catch (err) {
      const meta = (err as { meta?: { statusCode?: number; body?: { error?: { reason?: string } } } }).meta;
      const why = meta?.body?.error?.reason ?? (err as Error).message;
      throw new EncoderError(`POST ${path}: ${meta?.statusCode ? `HTTP ${meta.statusCode}: ` : ""}${why}`, { cause: err });
    }
    const rows = (answer as Record<string, unknown>)?.[task];
    if (!Array.isArray(rows) || rows.length !== input.length) {
      throw new EncoderError(`POST ${path}: expected "${task}" with ${input.length} results, got ${JSON.stringify(answer).slice(0, 200)}`);
    }
    return rows.map((row: { embedding?: unknown }) => row?.embedding);
  });
}

/** Sparse vectors (e.g. ELSER tokens) from an Elasticsearch `sparse_embedding` inference endpoint. */
export class ElasticsearchSparseEncoder implements SparseEncoder {
  constructor(
    private readonly client: InferenceTransport,
    private readonly options: InferenceOptions,
  ) {}

  encodeDocuments(texts: readonly string[]): Promise<SparseVector[]> {
    return this.encode(texts, "ingest");
  }

  encodeQueries(texts: readonly string[]): Promise<SparseVector[]> {
    return this.encode(texts, "search");
  }

  private async encode(texts: readonly string[], inputType: "ingest" | "search"): Promise<SparseVector[]> {
    const embeddings = await infer(this.client, "sparse_embedding", this.options, texts, inputType);
    return embeddings.map((e) => {
      if (typeof e !== "object" || e === null || Array.isArray(e)) throw new EncoderError(`${this.options.inferenceId}: a sparse embedding must be an object of token → weight`);
      return e as SparseVector;
    });
  }
}

/** Dense vectors from an Elasticsearch `text_embedding` inference endpoint. */
export class ElasticsearchDenseEncoder implements DenseEncoder {
  constructor(
    private readonly client: InferenceTransport,
    private readonly options: InferenceOptions & { dimension: number },
  ) {}

  get dimension(): number {
    return this.options.dimension;
  }

  encodeDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    return this.encode(texts, "ingest");
  }

  encodeQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.encode(texts, "search");
  }

  private async encode(texts: readonly string[], inputType: "ingest" | "search"): Promise<Float32Array[]> {
    const embeddings = await infer(this.client, "text_embedding", this.options, texts, inputType);
    return embeddings.map((e) => {
      if (!Array.isArray(e) || e.length !== this.dimension) {
        throw new EncoderError(`${this.options.inferenceId}: embedding has ${Array.isArray(e) ? e.length : "no"} values, expected ${this.dimension}`);
      }
      return Float32Array.from(e as number[]);
    });
  }
}
