import type { SearchIndex } from "../engine/search-index.js";
import { InvalidOptionError } from "../errors.js";
import type { SparseVector } from "../types.js";
import { UsageError } from "./usage-error.js";
import { loadEncoders } from "./plugins.js";

/** The fitted BM25 model travels with the index under this attachment name. */
const BM25_ATTACHMENT = "bm25-model";

/** Checks the --encode-sparse value; only the built-in BM25 encoder is available from the CLI. */
export function sparseEncoderOption(value: unknown): "bm25" | undefined {
  if (value === undefined) return undefined;
  if (value !== "bm25") throw new UsageError(`--encode-sparse: only "bm25" is available from the command line, got "${value}"`);
  return "bm25";
}

/**
 * Gives documents without a sparse vector BM25 weights from their text. The first time, BM25 is
 * fitted on these documents; later batches reuse that model (so earlier weights stay valid).
 * Returns a function that saves a newly fitted model: call it once the documents are stored.
 */
export async function encodeDocumentsWithBm25(index: SearchIndex, docs: Record<string, unknown>[]): Promise<() => Promise<void>> {
  const { Bm25Encoder } = await loadEncoders();
  const saved = await index.getAttachment(BM25_ATTACHMENT);
  const texts = docs.map((d) => (typeof d.text === "string" ? d.text : ""));
  const encoder = saved ? Bm25Encoder.fromModel(JSON.parse(new TextDecoder().decode(saved))) : Bm25Encoder.fit(texts);
  docs.forEach((doc, i) => {
    if ((doc.sparse === undefined || doc.sparse === null) && typeof doc.text === "string") doc.sparse = encoder.encodeDocumentSync(texts[i]!);
  });
  return async () => {
    if (!saved) await index.putAttachment(BM25_ATTACHMENT, new TextEncoder().encode(JSON.stringify(encoder.model)));
  };
}

/** Encodes query text with the BM25 model stored in the index. */
export async function bm25QueryEncoder(index: SearchIndex): Promise<(text: string) => SparseVector> {
  const saved = await index.getAttachment(BM25_ATTACHMENT);
  if (!saved) throw new InvalidOptionError("--encode-sparse bm25: this index has no BM25 model (index its documents with --encode-sparse bm25 first)");
  const { Bm25Encoder } = await loadEncoders();
  const encoder = Bm25Encoder.fromModel(JSON.parse(new TextDecoder().decode(saved)));
  return (text) => encoder.encodeQuerySync(text);
}
