import type { ForwardFile } from "./forward-file.js";

const SIGNATURE_TERMS = 3;
const NONE = 0xffffffff;

/**
 * A document order for block-max indexes (new position → original position): documents sorted by
 * the ids of their three heaviest tokens, heaviest first (equal weights: the smaller id), so that
 * blocks of consecutive documents share their dominant tokens and block maxima are tight.
 * Documents without tokens go last; ties keep the original order. A cheap stand-in for recursive
 * graph bisection, the reordering BMP's paper applies before indexing.
 */
export async function signatureOrder(forward: ForwardFile): Promise<Uint32Array> {
  const n = forward.documents;
  const signature = new Uint32Array(n * SIGNATURE_TERMS).fill(NONE);
  const best = new Float32Array(SIGNATURE_TERMS);
  const bestToken = new Uint32Array(SIGNATURE_TERMS);
  for await (const chunk of forward.chunks()) {
    const { offsets, tokens, weights } = chunk;
    for (let i = 0; i < chunk.count; i++) {
      best.fill(-1);
      bestToken.fill(NONE);
      for (let j = offsets[i]!; j < offsets[i + 1]!; j++) {
        const w = weights[j]!;
        const t = tokens[j]!;
        let at = SIGNATURE_TERMS;
        while (at > 0 && (w > best[at - 1]! || (w === best[at - 1]! && t < bestToken[at - 1]!))) at--;
        if (at === SIGNATURE_TERMS) continue;
        for (let s = SIGNATURE_TERMS - 1; s > at; s--) {
          best[s] = best[s - 1]!;
          bestToken[s] = bestToken[s - 1]!;
        }
        best[at] = w;
        bestToken[at] = t;
      }
      signature.set(bestToken, (chunk.start + i) * SIGNATURE_TERMS);
    }
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => {
    for (let s = 0; s < SIGNATURE_TERMS; s++) {
      const x = signature[a * SIGNATURE_TERMS + s]!;
      const y = signature[b * SIGNATURE_TERMS + s]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return a - b;
  });
}
