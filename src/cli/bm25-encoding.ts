import type { SearchIndex } from "../engine/search-index.js";
import { InvalidOptionError } from "../errors.js";
import type { SparseEncoder } from "../types.js";
import { loadEncoders } from "./plugins.js";

/** The fitted BM25 model travels with the index under this attachment name. */
const BM25_ATTACHMENT = "bm25-model";

/**
 * BM25 for documents: the model stored in the index, or, the first time, the one `fitted` (so
 * later batches keep earlier weights valid). `save` stores a newly fitted model: call it once
 * documents encoded with it are stored.
 */
export async function bm25DocumentEncoder(index: SearchIndex, fitted: () => SparseEncoder & { model: unknown }): Promise<{ encoder: SparseEncoder; save: () => Promise<void> }> {
  const { Bm25Encoder } = await loadEncoders();
  const saved = await index.getAttachment(BM25_ATTACHMENT);
  const encoder = saved ? Bm25Encoder.fromModel(JSON.parse(new TextDecoder().decode(saved))) : fitted();
  let stored = saved !== undefined;
  return {
    encoder,
    save: async () => {
      if (stored) return;
      await index.putAttachment(BM25_ATTACHMENT, new TextEncoder().encode(JSON.stringify(encoder.model)));
      stored = true;
    },
  };
}

/** BM25 for query text, with the model stored in the index. */
export async function bm25QueryEncoder(index: SearchIndex): Promise<SparseEncoder> {
  const saved = await index.getAttachment(BM25_ATTACHMENT);
  if (!saved) throw new InvalidOptionError("--encode-sparse bm25: this index has no BM25 model (index its documents with --encode-sparse bm25 first)");
  const { Bm25Encoder } = await loadEncoders();
  return Bm25Encoder.fromModel(JSON.parse(new TextDecoder().decode(saved)));
}
