import type { DenseEncoder } from "../../../src/index.js";
import { EncoderError } from "../../../src/index.js";
import { batched } from "../batched.js";
import { loadModel, type LoadedModel } from "./load-model.js";

/** Options of {@link TransformersDenseEncoder.load}. */
export interface TransformersDenseOptions {
  /** `mean` over the attention mask (sentence-transformers models, the default) or `cls` (the first token). */
  pooling?: "mean" | "cls";
  /** L2-normalize the pooled vector. Default true. */
  normalize?: boolean;
  /** Prepended to queries / documents, e.g. "query: " and "passage: " for E5 models. Default none. */
  queryPrefix?: string;
  /** Prepended to documents. Default none. */
  documentPrefix?: string;
  /** Tokens per text, longer texts are truncated. Default 256. */
  maxLength?: number;
  /** Texts per forward pass. Default 32. */
  batchSize?: number;
}

/**
 * Dense sentence embeddings from a local ONNX model through transformers.js: the model's last
 * hidden states pooled over the attention mask, then normalized.
 */
export class TransformersDenseEncoder implements DenseEncoder {
  private constructor(
    private readonly loaded: LoadedModel,
    readonly dimension: number,
    private readonly options: TransformersDenseOptions,
  ) {}

  /** Loads `model`: a model directory (e.g. from `npm run models`) or, online, a hub id. */
  static async load(model: string, options: TransformersDenseOptions = {}): Promise<TransformersDenseEncoder> {
    const loaded = await loadModel(model, "base");
    // The width is known from config.json, or else from one forward pass.
    const hidden = loaded.config.hidden_size;
    const encoder = new TransformersDenseEncoder(loaded, typeof hidden === "number" ? hidden : 0, options);
    if (encoder.dimension === 0) return new TransformersDenseEncoder(loaded, (await encoder.encode(["dimension"]))[0]!.length, options);
    return encoder;
  }

  encodeQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.encode(texts.map((t) => (this.options.queryPrefix ?? "") + t));
  }

  encodeDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    return this.encode(texts.map((t) => (this.options.documentPrefix ?? "") + t));
  }

  private encode(texts: string[]): Promise<Float32Array[]> {
    const { tokenize, model, source } = this.loaded;
    return batched(texts, this.options.batchSize ?? 32, async (batch) => {
      const inputs = tokenize(batch, this.options.maxLength ?? 256);
      const output = (await model(inputs)).last_hidden_state;
      if (!output) throw new EncoderError(`${source}: the model has no last_hidden_state output`);
      const [rows, length, width] = output.dims as [number, number, number];
      const mask = inputs.attention_mask.data;
      return Array.from({ length: rows }, (_, r) => {
        const pooled = new Float64Array(width);
        let count = 0;
        for (let t = 0; t < (this.options.pooling === "cls" ? 1 : length); t++) {
          if (mask[r * length + t] === 0n) continue;
          const base = (r * length + t) * width;
          for (let d = 0; d < width; d++) pooled[d]! += output.data[base + d]!;
          count++;
        }
        let norm = 0;
        for (let d = 0; d < width; d++) {
          pooled[d]! /= Math.max(count, 1);
          norm += pooled[d]! * pooled[d]!;
        }
        const scale = this.options.normalize === false ? 1 : 1 / Math.max(Math.sqrt(norm), 1e-12);
        return Float32Array.from(pooled, (x) => x * scale);
      });
    });
  }

  /** Releases the ONNX session. */
  async dispose(): Promise<void> {
    await this.loaded.model.dispose?.();
  }
}
