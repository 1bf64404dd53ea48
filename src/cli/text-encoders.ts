import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SearchIndex } from "../engine/search-index.js";
import type { DenseEncoder, SparseEncoder } from "../types.js";
import { bm25DocumentEncoder, bm25QueryEncoder } from "./bm25-encoding.js";
import type { ParsedValues } from "./options.js";
import { loadEncoders } from "./plugins.js";
import { startProgress, type ProgressOptions } from "./progress.js";
import { UsageError } from "./usage-error.js";

/** `--encode-sparse bm25|<model-dir>` and `--encode-dense <model-dir>`, checked. */
export interface EncodeOptions {
  sparse?: "bm25" | { model: string };
  dense?: { model: string };
}

/**
 * Texts per encoder call; progress advances between calls. One batch of the transformers dense
 * encoder (four of the sparse one), so chunking costs nothing and long abstracts still move the
 * bar every few seconds.
 */
const PROGRESS_CHUNK = 32;

const MODEL_DIR_HELP = "a model directory (config.json, tokenizer.json, onnx/model.onnx; e.g. from npm run models)";

function modelDirectory(option: string, value: string): { model: string } {
  if (!existsSync(join(value, "config.json"))) throw new UsageError(`--${option}: expected ${option === "encode-sparse" ? '"bm25" or ' : ""}${MODEL_DIR_HELP}, got "${value}"`);
  return { model: value };
}

export function encodeOptions(values: ParsedValues): EncodeOptions {
  const sparse = values["encode-sparse"];
  const dense = values["encode-dense"];
  const options: EncodeOptions = {};
  if (typeof sparse === "string") options.sparse = sparse === "bm25" ? "bm25" : modelDirectory("encode-sparse", sparse);
  if (typeof dense === "string") options.dense = modelDirectory("encode-dense", dense);
  return options;
}

export interface TextEncoders {
  sparse?: SparseEncoder;
  dense?: DenseEncoder;
}

async function modelEncoders(options: EncodeOptions): Promise<TextEncoders> {
  const plugin = await loadEncoders();
  return {
    sparse: typeof options.sparse === "object" ? await plugin.TransformersSparseEncoder.load(options.sparse.model) : undefined,
    dense: options.dense ? await plugin.TransformersDenseEncoder.load(options.dense.model) : undefined,
  };
}

/** Encoders for query text: BM25 from the model stored in the index, or models from disk. */
export async function queryEncoders(index: SearchIndex, options: EncodeOptions): Promise<TextEncoders> {
  const encoders = await modelEncoders(options);
  if (options.sparse === "bm25") encoders.sparse = await bm25QueryEncoder(index);
  return encoders;
}

/**
 * Gives documents with text the vectors they lack, batch after batch of one input. With BM25, the
 * model is the one stored in the index or, the first time, one fitted on every document of the
 * input: feed each document's text to `fitText` (an input is read once to check it before any
 * batch), then `ready` picks the model.
 */
export class DocumentEncoding {
  private save = async () => {};

  private constructor(
    private readonly options: EncodeOptions,
    private readonly encoders: TextEncoders,
    private readonly bm25Fit: { add(text: string): void; finish(): SparseEncoder & { model: unknown } } | undefined,
  ) {}

  /** The encoders `options` ask for (models are loaded here), or undefined when none is asked for. */
  static async start(options: EncodeOptions): Promise<DocumentEncoding | undefined> {
    if (!options.sparse && !options.dense) return undefined;
    const encoders = await modelEncoders(options);
    const fit = options.sparse === "bm25" ? (await loadEncoders()).Bm25Encoder.fitter() : undefined;
    return new DocumentEncoding(options, encoders, fit);
  }

  /** Which legs are encoded, for the progress label ("sparse", "dense", "sparse and dense"). */
  get legs(): string {
    return [this.options.sparse && "sparse", this.options.dense && "dense"].filter(Boolean).join(" and ");
  }

  /** Counts one document for the BM25 fit: its text, or "" without one (as it counts toward the average length). */
  fitText(doc: Record<string, unknown>): void {
    this.bm25Fit?.add(typeof doc.text === "string" ? doc.text : "");
  }

  /** Picks the BM25 model: the index's, else the fit. */
  async ready(index: SearchIndex): Promise<void> {
    if (!this.bm25Fit) return;
    const fit = this.bm25Fit;
    const bm25 = await bm25DocumentEncoder(index, () => fit.finish());
    this.encoders.sparse = bm25.encoder;
    this.save = bm25.save;
  }

  /** Fills in missing vectors, `PROGRESS_CHUNK` documents at a time, calling `advance` after each chunk. */
  async encode(docs: Record<string, unknown>[], advance: (count: number) => void): Promise<void> {
    for (let start = 0; start < docs.length; start += PROGRESS_CHUNK) {
      const chunk = docs.slice(start, start + PROGRESS_CHUNK);
      for (const leg of ["sparse", "dense"] as const) {
        const encoder = this.encoders[leg];
        if (!encoder) continue;
        const missing = chunk.filter((d) => (d[leg] === undefined || d[leg] === null) && typeof d.text === "string");
        if (missing.length === 0) continue;
        const vectors: unknown[] = await encoder.encodeDocuments(missing.map((d) => d.text as string));
        missing.forEach((d, i) => (d[leg] = vectors[i]));
      }
      advance(chunk.length);
    }
  }

  /** Stores a newly fitted BM25 model with the index (once): call it when documents encoded with it are stored. */
  saveModel(): Promise<void> {
    return this.save();
  }
}

/** Encodes texts in chunks, advancing a progress bar between them. */
async function encodeWithProgress<T>(label: string, unit: string, texts: string[], encode: (texts: string[]) => Promise<T[]>, options: ProgressOptions): Promise<T[]> {
  const progress = startProgress(label, texts.length, unit, options);
  try {
    const out: T[] = [];
    for (let start = 0; start < texts.length; start += PROGRESS_CHUNK) {
      const chunk = texts.slice(start, start + PROGRESS_CHUNK);
      out.push(...(await encode(chunk)));
      progress.advance(chunk.length);
    }
    return out;
  } finally {
    progress.stop();
  }
}

/** Fills in the vectors queries with text lack. */
export async function encodeQueries(
  queries: { text?: string; sparse?: unknown; dense?: unknown }[],
  encoders: TextEncoders,
  progress: ProgressOptions = { quiet: true },
): Promise<void> {
  for (const leg of ["sparse", "dense"] as const) {
    const encoder = encoders[leg];
    if (!encoder) continue;
    const missing = queries.filter((q) => (q[leg] === undefined || q[leg] === null) && typeof q.text === "string" && q.text.trim() !== "");
    const vectors = await encodeWithProgress(`encoding ${leg}`, "queries", missing.map((q) => q.text!), (texts): Promise<unknown[]> => encoder.encodeQueries(texts), progress);
    missing.forEach((q, i) => (q[leg] = vectors[i]));
  }
}
