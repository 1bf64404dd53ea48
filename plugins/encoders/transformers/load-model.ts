import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { EncoderError } from "../../../src/index.js";
import { importPeer } from "../../import-peer.js";

/** The parts of @huggingface/transformers the encoders use. */
export interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  AutoTokenizer: { from_pretrained(id: string, options?: object): Promise<Tokenizer> };
  AutoModel: { from_pretrained(id: string, options?: object): Promise<Model> };
  AutoModelForMaskedLM: { from_pretrained(id: string, options?: object): Promise<Model> };
  Tensor: new (type: "int64", data: BigInt64Array, dims: number[]) => TensorLike;
}
interface TensorLike {
  data: BigInt64Array;
  dims: number[];
}
export type Tokenizer = ((texts: string[], options: object) => Record<string, TensorLike>) & { pad_token_id?: number };

/** Model inputs for a batch: ids, attention mask and token types, each [batch, length]. */
export interface Batch {
  input_ids: TensorLike;
  attention_mask: TensorLike;
  token_type_ids: TensorLike;
}
export type Model = ((inputs: object) => Promise<Record<string, { data: Float32Array; dims: number[] }>>) & { dispose?(): Promise<void> };

export interface LoadedModel {
  /** Tokenizes and pads a batch, truncating each text to `maxLength` tokens with its end token kept. */
  tokenize: (texts: string[], maxLength: number) => Batch;
  model: Model;
  /** The model directory's config.json (or {} for a hub model). */
  config: Record<string, unknown>;
  /** Absolute model directory, or the hub id. */
  source: string;
}

/**
 * Loads a model with transformers.js (an optional dependency, installed by whoever uses these
 * encoders): from a directory on disk (config.json, tokenizer.json, onnx/model.onnx) with
 * downloads off, or, when `model` is not a directory, from the Hugging Face hub by id.
 */
export async function loadModel(model: string, kind: "base" | "masked-lm"): Promise<LoadedModel> {
  const transformers = (await importPeer(() => import("@huggingface/transformers"), "@huggingface/transformers", "TransformersDenseEncoder and TransformersSparseEncoder")) as unknown as TransformersModule;
  const dir = resolve(model);
  const local = existsSync(join(dir, "config.json"));
  const { env } = transformers;
  let id = model;
  if (local) {
    if (!existsSync(join(dir, "onnx", "model.onnx"))) throw new EncoderError(`${dir}: no onnx/model.onnx (a transformers.js model directory holds config.json, tokenizer.json and onnx/model.onnx)`);
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = dirname(dir);
    id = basename(dir);
  } else {
    env.allowRemoteModels = true;
  }
  try {
    const tokenizer = await transformers.AutoTokenizer.from_pretrained(id);
    const loader = kind === "masked-lm" ? transformers.AutoModelForMaskedLM : transformers.AutoModel;
    const loaded = await loader.from_pretrained(id, { dtype: "fp32" });
    const config = local ? (JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>) : {};
    return { tokenize: batchTokenizer(transformers, tokenizer), model: loaded, config, source: local ? dir : model };
  } catch (err) {
    throw new EncoderError(`${model}: cannot load the model: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * transformers.js truncates after adding special tokens, which drops the closing [SEP] of a long
 * text; the models were trained (and the reference encoders run) with it kept, so texts are
 * tokenized whole and cut here: the first maxLength − 1 tokens, then the last one.
 */
function batchTokenizer(transformers: TransformersModule, tokenizer: Tokenizer): LoadedModel["tokenize"] {
  return (texts, maxLength) => {
    const rows = texts.map((text) => {
      const ids = tokenizer([text], { padding: false, truncation: false }).input_ids!.data;
      return ids.length <= maxLength ? ids : BigInt64Array.from([...ids.subarray(0, maxLength - 1), ids[ids.length - 1]!]);
    });
    const length = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * length).fill(BigInt(tokenizer.pad_token_id ?? 0));
    const mask = new BigInt64Array(rows.length * length);
    rows.forEach((row, r) => {
      ids.set(row, r * length);
      mask.fill(1n, r * length, r * length + row.length);
    });
    const dims = [rows.length, length];
    return {
      input_ids: new transformers.Tensor("int64", ids, dims),
      attention_mask: new transformers.Tensor("int64", mask, dims),
      token_type_ids: new transformers.Tensor("int64", new BigInt64Array(rows.length * length), dims),
    };
  };
}
