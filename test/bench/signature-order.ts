import { SIGNATURE_TERMS, sortBySignature, writeSignature } from "../../src/legs/sparse/document-order.js";
import type { ForwardFile } from "./forward-file.js";

/**
 * A document order for block-max indexes (new position → original position): the sparse part's
 * own signature order (documents sorted by the ids of their three heaviest tokens), computed over
 * the forward file a chunk at a time so a million documents never sit in memory as rows. A cheap
 * stand-in for recursive graph bisection, the reordering BMP's paper applies before indexing.
 */
export async function signatureOrder(forward: ForwardFile): Promise<Uint32Array> {
  const n = forward.documents;
  const signatures = new Uint32Array(n * SIGNATURE_TERMS);
  const best = new Float32Array(SIGNATURE_TERMS);
  for await (const chunk of forward.chunks()) {
    const { offsets, tokens, weights } = chunk;
    for (let i = 0; i < chunk.count; i++) writeSignature(tokens, weights, offsets[i]!, offsets[i + 1]!, signatures, (chunk.start + i) * SIGNATURE_TERMS, best);
  }
  return sortBySignature(signatures, n);
}
