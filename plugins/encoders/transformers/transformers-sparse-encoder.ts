import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SparseEncoder, SparseVector } from "../../../src/index.js";
import { EncoderError, MIN_SPARSE_WEIGHT } from "../../../src/index.js";
import { batched } from "../batched.js";
import { loadModel, type LoadedModel } from "./load-model.js";

/** Options of {@link TransformersSparseEncoder.load}. */
export interface TransformersSparseOptions {
  /** Keep weights at or above this. Default 0 (every positive weight). */
  minWeight?: number;
  /** Keep at most this many tokens per text (largest weights). Default all. */
  topK?: number;
  /** Tokens per text, longer texts are truncated. Default 256. */
  maxLength?: number;
  /** Texts per forward pass. Default 8 (the logits hold vocabulary-size rows per token). */
  batchSize?: number;
}

/**
 * SPLADE sparse vectors from a local masked-LM ONNX model through transformers.js: logits →
 * log(1 + ReLU) → max over the text's tokens (padding masked), keyed by wordpiece.
 */
export class TransformersSparseEncoder implements SparseEncoder {
  private constructor(
    private readonly loaded: LoadedModel,
    private readonly vocabulary: string[],
    private readonly options: TransformersSparseOptions,
  ) {}

  /** Loads `model`: a model directory with a masked-LM head (e.g. from `npm run models`). */
  static async load(model: string, options: TransformersSparseOptions = {}): Promise<TransformersSparseEncoder> {
    const loaded = await loadModel(model, "masked-lm");
    let vocab: Record<string, number>;
    try {
      vocab = (JSON.parse(readFileSync(join(loaded.source, "tokenizer.json"), "utf8")) as { model: { vocab: Record<string, number> } }).model.vocab;
    } catch (err) {
      throw new EncoderError(`${loaded.source}: cannot read the vocabulary from tokenizer.json: ${(err as Error).message}`);
    }
    const vocabulary: string[] = [];
    for (const [token, id] of Object.entries(vocab)) vocabulary[id] = token;
    return new TransformersSparseEncoder(loaded, vocabulary, options);
  }

  encodeDocuments(texts: readonly string[]): Promise<SparseVector[]> {
    return this.encode(texts);
  }

  /** SPLADE encodes queries as documents. */
  encodeQueries(texts: readonly string[]): Promise<SparseVector[]> {
    return this.encode(texts);
  }

  private encode(texts: readonly string[]): Promise<SparseVector[]> {
    const { tokenize, model, source } = this.loaded;
    return batched(texts, this.options.batchSize ?? 8, async (batch) => {
      const inputs = tokenize(batch, this.options.maxLength ?? 256);
      const logits = (await model(inputs)).logits;
      if (!logits) throw new EncoderError(`${source}: the model has no logits output (a masked-LM head is needed for SPLADE)`);
      const [rows, length, size] = logits.dims as [number, number, number];
      const mask = inputs.attention_mask.data;
      return Array.from({ length: rows }, (_, r) => {
        const best = new Float32Array(size);
        for (let t = 0; t < length; t++) {
          if (mask[r * length + t] === 0n) continue;
          const base = (r * length + t) * size;
          for (let v = 0; v < size; v++) {
            const x = logits.data[base + v]!;
            if (x > 0) {
              const w = Math.log1p(x);
              if (w > best[v]!) best[v] = w;
            }
          }
        }
        let kept: [number, number][] = [];
        // Weights below the smallest normal float32 are too small to store (an index refuses them).
        const floor = Math.max(this.options.minWeight ?? 0, MIN_SPARSE_WEIGHT);
        best.forEach((w, v) => {
          if (w >= floor) kept.push([v, w]);
        });
        if (this.options.topK !== undefined && kept.length > this.options.topK) kept = kept.sort((a, b) => b[1] - a[1]).slice(0, this.options.topK);
        return Object.fromEntries(kept.map(([v, w]) => [this.vocabulary[v] ?? String(v), w]));
      });
    });
  }

  /** Releases the ONNX session. */
  async dispose(): Promise<void> {
    await this.loaded.model.dispose?.();
  }
}
