import { EncoderError, type DenseEncoder } from "../../../src/index.js";
import { postJson, type HttpOptions } from "./post-json.js";

/** Options of {@link OpenAiEmbeddingsEncoder}: a server with the OpenAI embeddings API (`POST /v1/embeddings`). */
export interface OpenAiEncoderOptions extends HttpOptions {
  /** Server base URL, e.g. `https://api.openai.com` or a local vLLM / llama.cpp / Ollama server. */
  baseUrl: string;
  /** Model name sent with every request. */
  model: string;
  /** Embedding dimension the model returns (checked on every answer). */
  dimension: number;
  /** Bearer token, sent as `Authorization: Bearer …`. */
  apiKey?: string;
  /** Texts per request. Default 64. */
  batchSize?: number;
  /** Prepended to queries / documents (e.g. "query: " and "passage: " for E5 models). Default none. */
  queryPrefix?: string;
  /** Prepended to documents. Default none. */
  documentPrefix?: string;
}

/** Dense vectors from an OpenAI-compatible `POST /v1/embeddings` endpoint. */
export class OpenAiEmbeddingsEncoder implements DenseEncoder {
  readonly dimension: number;

  constructor(private readonly options: OpenAiEncoderOptions) {
    this.dimension = options.dimension;
  }

  encodeQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.encode(texts.map((t) => (this.options.queryPrefix ?? "") + t));
  }

  encodeDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    return this.encode(texts.map((t) => (this.options.documentPrefix ?? "") + t));
  }

  private async encode(texts: string[]): Promise<Float32Array[]> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/v1/embeddings`;
    const headers = { ...this.options.headers, ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) };
    const out: Float32Array[] = [];
    const size = this.options.batchSize ?? 64;
    for (let start = 0; start < texts.length; start += size) {
      const batch = texts.slice(start, start + size);
      const answer = (await postJson(url, { model: this.options.model, input: batch, encoding_format: "float" }, { ...this.options, headers })) as {
        data?: { index: number; embedding: number[] }[];
      };
      if (!Array.isArray(answer?.data) || answer.data.length !== batch.length) {
        throw new EncoderError(`${url}: expected ${batch.length} embeddings in "data", got ${Array.isArray(answer?.data) ? answer.data.length : "none"}`);
      }
      const rows = new Array<Float32Array>(batch.length);
      for (const item of answer.data) {
        if (!Number.isInteger(item.index) || item.index < 0 || item.index >= batch.length || !Array.isArray(item.embedding)) {
          throw new EncoderError(`${url}: malformed embedding entry (index ${item.index})`);
        }
        if (item.embedding.length !== this.dimension) {
          throw new EncoderError(`${url}: embedding has ${item.embedding.length} values, expected ${this.dimension}`);
        }
        rows[item.index] = Float32Array.from(item.embedding);
      }
      out.push(...rows);
    }
    return out;
  }
}
