import { compareStrings } from "../../compare.js";
import { checkRuns, type Corrupt, type SectionList } from "../../typed-arrays.js";
import type { SparseEntries } from "../../valid-document.js";
import { clusterOrder, type DocumentOrder, type SparseRows } from "./document-order.js";

/** Documents per block: the unit block-max pruning bounds and scores. */
export const BLOCK_SIZE = 32;
export const BLOCK_SHIFT = 5;
/** A block's offsets are kept for every this many (term, block) pairs; the rest add up counts. */
export const SAMPLE_SHIFT = 3;
/** Levels of a quantized block maximum: level q bounds weights up to q/255 of the term's maximum. */
export const MAX_LEVEL = 255;

/**
 * A segment's sparse leg. `tokens` sorted as strings, so a term's number is its rank and numbering
 * a query's terms by it fixes the summation order from the content alone. Documents are laid out
 * in an order of their own (`docOrder`: position → local number; document-order.ts, by default
 * clustered) that groups similar documents, in blocks of 32 consecutive positions. Per term, the blocks it occurs in
 * (ascending), each with its number of postings there and the largest weight there quantized to
 * 8 bits, rounded up (level q bounds q/255 of the term's maximum), so a bound never falls below a
 * score; then its postings, block by block: the document's place in its block (u8) and its exact
 * float32 weight. A (term, block) pair's first posting is found from `blockPostingSamples` (the
 * offset of every 8th pair) plus the counts of the pairs since. About 5 bytes a posting and 6.5
 * a (term, block) pair. @internal
 */
export interface SparsePart {
  tokens: string[];
  /** Position in the part → local document number. */
  docOrder: Uint32Array;
  /** Per local document, its number of terms. */
  termCounts: Uint32Array;
  /** Per term, its largest weight: the bound dynamic pruning (MaxScore and the like) works with. */
  termMaxWeights: Float32Array;
  /** Per term, its range of (term, block) pairs. */
  termBlockStarts: Uint32Array;
  blockIds: Uint32Array;
  blockCounts: Uint8Array;
  blockMaxima: Uint8Array;
  /** The first posting of pair 8i, for every i. */
  blockPostingSamples: Uint32Array;
  /** Per posting, its document's position within the block. */
  postingDocs: Uint8Array;
  postingWeights: Float32Array;
}

export const SPARSE_SECTIONS: SectionList<Exclude<keyof SparsePart, "tokens">> = [
  ["docOrder", "u32"],
  ["termCounts", "u32"],
  ["termMaxWeights", "f32"],
  ["termBlockStarts", "u32"],
  ["blockIds", "u32"],
  ["blockCounts", "u8"],
  ["blockMaxima", "u8"],
  ["blockPostingSamples", "u32"],
  ["postingDocs", "u8"],
  ["postingWeights", "f32"],
];

/** The sparse part of segment format 2 (index format 3): postings per term, documents ascending. */
export interface SparsePartV2 {
  tokens: string[];
  postingStarts: Uint32Array;
  postingDocs: Uint32Array;
  postingWeights: Float32Array;
  termMaxWeights: Float32Array;
  termCounts: Uint32Array;
}

export const SPARSE_SECTIONS_V2: SectionList<Exclude<keyof SparsePartV2, "tokens">> = [
  ["postingStarts", "u32"],
  ["postingDocs", "u32"],
  ["postingWeights", "f32"],
  ["termMaxWeights", "f32"],
  ["termCounts", "u32"],
];

/** Term-major postings (documents ascending within a term) turned into rows: each row's terms come ascending. */
function rowsFromPostings(termCount: number, postingStarts: Uint32Array, postingDocs: Uint32Array, postingWeights: Float32Array, docCount: number): SparseRows {
  const starts = new Uint32Array(docCount + 1);
  for (let p = 0; p < postingDocs.length; p++) starts[postingDocs[p]! + 1]!++;
  for (let d = 0; d < docCount; d++) starts[d + 1]! += starts[d]!;
  const fill = starts.slice(0, docCount);
  const terms = new Uint32Array(postingDocs.length);
  const weights = new Float32Array(postingDocs.length);
  for (let t = 0; t < termCount; t++) {
    for (let p = postingStarts[t]!; p < postingStarts[t + 1]!; p++) {
      const at = fill[postingDocs[p]!]!++;
      terms[at] = t;
      weights[at] = postingWeights[p]!;
    }
  }
  return { starts, terms, weights };
}

/**
 * The sparse part of documents' sparse vectors (validated: float32 weights, all positive): one
 * pass numbers tokens as first seen, the numbers become ranks in the sorted vocabulary, and the
 * rows (each document's terms in its own order: the layout does not depend on it) are laid out
 * (`layoutSparsePart`). Typed arrays throughout; nothing is allocated per token
 * but the vocabulary's entries.
 */
export function buildSparsePart(vectors: readonly (SparseEntries | undefined)[], order: DocumentOrder = clusterOrder): SparsePart {
  const n = vectors.length;
  let nnz = 0;
  for (let i = 0; i < n; i++) nnz += vectors[i]?.tokens.length ?? 0;
  const seen = new Map<string, number>();
  const firstSeen: string[] = [];
  const terms = new Uint32Array(nnz);
  const weights = new Float32Array(nnz);
  let p = 0;
  for (let doc = 0; doc < n; doc++) {
    const vector = vectors[doc];
    if (!vector) continue;
    const { tokens } = vector;
    for (let j = 0; j < tokens.length; j++) {
      const token = tokens[j]!;
      let term = seen.get(token);
      if (term === undefined) {
        term = firstSeen.length;
        seen.set(token, term);
        firstSeen.push(token);
      }
      terms[p] = term;
      weights[p++] = vector.weights[j]!;
    }
  }
  const byToken = Uint32Array.from(firstSeen.keys()).sort((a, b) => compareStrings(firstSeen[a]!, firstSeen[b]!));
  const rank = new Uint32Array(firstSeen.length);
  byToken.forEach((t, r) => (rank[t] = r));
  for (let q = 0; q < nnz; q++) terms[q] = rank[terms[q]!]!;
  const starts = new Uint32Array(n + 1);
  for (let doc = 0; doc < n; doc++) starts[doc + 1] = starts[doc]! + (vectors[doc]?.tokens.length ?? 0);
  return layoutSparsePart(
    Array.from(byToken, (t) => firstSeen[t]!),
    { starts, terms, weights },
    n,
    order,
  );
}

/** The current layout of a segment format 2 sparse part, from its postings: what a build of its documents gives. */
export function upgradeSparsePart(old: SparsePartV2, docCount: number): SparsePart {
  return layoutSparsePart(old.tokens, rowsFromPostings(old.tokens.length, old.postingStarts, old.postingDocs, old.postingWeights, docCount), docCount);
}

/**
 * The sparse part of a merged segment: the kept documents' rows gathered term by term from the
 * inputs (documents renumbered by `newNumber`, −1: dropped), tokens left without postings leaving
 * the vocabulary, then laid out as a build lays them out — so a merge equals a fresh build of the
 * kept documents, byte for byte, without decoding any document to a record.
 */
export function mergeSparseParts(inputs: readonly SparsePart[], newNumber: readonly Int32Array[], docCount: number): SparsePart {
  const union = [...new Set(inputs.flatMap((part) => part.tokens))].sort(compareStrings);
  const sources = inputs.map(() => new Int32Array(union.length).fill(-1));
  const cursor = new Uint32Array(inputs.length);
  union.forEach((token, u) => {
    inputs.forEach((part, s) => {
      const t = cursor[s]!;
      if (t < part.tokens.length && part.tokens[t] === token) {
        sources[s]![u] = t;
        cursor[s] = t + 1;
      }
    });
  });
  const starts = new Uint32Array(docCount + 1);
  inputs.forEach((part, s) => {
    const map = newNumber[s]!;
    for (let i = 0; i < map.length; i++) if (map[i]! >= 0) starts[map[i]! + 1] = part.termCounts[i]!;
  });
  for (let d = 0; d < docCount; d++) starts[d + 1]! += starts[d]!;
  const fill = starts.slice(0, docCount);
  const terms = new Uint32Array(starts[docCount]!);
  const weights = new Float32Array(terms.length);
  const used = new Uint8Array(union.length);
  for (let u = 0; u < union.length; u++) {
    for (let s = 0; s < inputs.length; s++) {
      const t = sources[s]![u]!;
      if (t < 0) continue;
      const part = inputs[s]!;
      const map = newNumber[s]!;
      const { termBlockStarts, blockIds, blockCounts, postingDocs, postingWeights, docOrder } = part;
      let p = pairPosting(part, termBlockStarts[t]!);
      for (let j = termBlockStarts[t]!; j < termBlockStarts[t + 1]!; j++) {
        const first = blockIds[j]! << BLOCK_SHIFT;
        for (const end = p + blockCounts[j]!; p < end; p++) {
          const doc = map[docOrder[first + postingDocs[p]!]!]!;
          if (doc < 0) continue;
          const at = fill[doc]!++;
          terms[at] = u;
          weights[at] = postingWeights[p]!;
          used[u] = 1;
        }
      }
    }
  }
  const renumber = new Uint32Array(union.length);
  const tokens: string[] = [];
  for (let u = 0; u < union.length; u++) {
    if (used[u] === 0) continue;
    renumber[u] = tokens.length;
    tokens.push(union[u]!);
  }
  for (let q = 0; q < terms.length; q++) terms[q] = renumber[terms[q]!]!;
  return layoutSparsePart(tokens, { starts, terms, weights }, docCount);
}

/** The first posting of (term, block) pair `j`: the sampled offset plus the counts of the pairs since. */
export function pairPosting(part: Pick<SparsePart, "blockPostingSamples" | "blockCounts">, j: number): number {
  let p = part.blockPostingSamples[j >>> SAMPLE_SHIFT]!;
  for (let i = (j >>> SAMPLE_SHIFT) << SAMPLE_SHIFT; i < j; i++) p += part.blockCounts[i]!;
  return p;
}

/**
 * Lays out rows (each row's terms in any order, every term of `tokens` used): documents reordered
 * (document-order.ts), then per term its blocks, their quantized maxima and its postings.
 */
export function layoutSparsePart(tokens: string[], rows: SparseRows, docCount: number, order: DocumentOrder = clusterOrder): SparsePart {
  const termCount = tokens.length;
  const docOrder = order(rows, docCount);
  const termCounts = new Uint32Array(docCount);
  for (let d = 0; d < docCount; d++) termCounts[d] = rows.starts[d + 1]! - rows.starts[d]!;
  // Rows copied into position order once, so the passes below read them sequentially.
  const starts = new Uint32Array(docCount + 1);
  for (let i = 0; i < docCount; i++) starts[i + 1] = starts[i]! + termCounts[docOrder[i]!]!;
  const terms = new Uint32Array(rows.terms.length);
  const weights = new Float32Array(rows.terms.length);
  for (let i = 0; i < docCount; i++) {
    const from = rows.starts[docOrder[i]!]!;
    const length = starts[i + 1]! - starts[i]!;
    terms.set(rows.terms.subarray(from, from + length), starts[i]);
    weights.set(rows.weights.subarray(from, from + length), starts[i]);
  }
  // Pass 1: per term, its postings, blocks and largest weight.
  const lastBlock = new Int32Array(termCount).fill(-1);
  const pairCounts = new Uint32Array(termCount + 1);
  const termMaxWeights = new Float32Array(termCount);
  for (let i = 0; i < docCount; i++) {
    const b = i >>> BLOCK_SHIFT;
    for (let p = starts[i]!; p < starts[i + 1]!; p++) {
      const t = terms[p]!;
      if (lastBlock[t] !== b) {
        lastBlock[t] = b;
        pairCounts[t + 1]!++;
      }
      if (weights[p]! > termMaxWeights[t]!) termMaxWeights[t] = weights[p]!;
    }
  }
  const termBlockStarts = pairCounts;
  for (let t = 0; t < termCount; t++) termBlockStarts[t + 1]! += termBlockStarts[t]!;
  const pairs = termBlockStarts[termCount]!;
  // Pass 2: pairs (block, count, largest weight), in term order.
  const blockIds = new Uint32Array(pairs);
  const blockCounts = new Uint8Array(pairs);
  const blockMax = new Float32Array(pairs);
  const pairFill = termBlockStarts.slice(0, termCount);
  lastBlock.fill(-1);
  for (let i = 0; i < docCount; i++) {
    const b = i >>> BLOCK_SHIFT;
    for (let p = starts[i]!; p < starts[i + 1]!; p++) {
      const t = terms[p]!;
      if (lastBlock[t] !== b) {
        lastBlock[t] = b;
        blockIds[pairFill[t]!++] = b;
      }
      const j = pairFill[t]! - 1;
      blockCounts[j]!++;
      if (weights[p]! > blockMax[j]!) blockMax[j] = weights[p]!;
    }
  }
  const blockPostingSamples = new Uint32Array((pairs + (1 << SAMPLE_SHIFT) - 1) >>> SAMPLE_SHIFT);
  const pairPostings = new Uint32Array(pairs);
  for (let j = 0, offset = 0; j < pairs; j++) {
    if ((j & ((1 << SAMPLE_SHIFT) - 1)) === 0) blockPostingSamples[j >>> SAMPLE_SHIFT] = offset;
    pairPostings[j] = offset;
    offset += blockCounts[j]!;
  }
  const blockMaxima = new Uint8Array(pairs);
  for (let t = 0; t < termCount; t++) {
    const max = termMaxWeights[t]!;
    for (let j = termBlockStarts[t]!; j < termBlockStarts[t + 1]!; j++) blockMaxima[j] = quantizeUp(blockMax[j]!, max);
  }
  // Pass 3: postings, block by block; a term's postings within a block come in position order.
  const nnz = terms.length;
  const postingDocs = new Uint8Array(nnz);
  const postingWeights = new Float32Array(nnz);
  const pairAt = termBlockStarts.slice(0, termCount);
  lastBlock.fill(-1);
  for (let i = 0; i < docCount; i++) {
    const b = i >>> BLOCK_SHIFT;
    for (let p = starts[i]!; p < starts[i + 1]!; p++) {
      const t = terms[p]!;
      if (lastBlock[t] !== b) {
        lastBlock[t] = b;
        pairAt[t]!++;
      }
      const at = pairPostings[pairAt[t]! - 1]!++;
      postingDocs[at] = i & (BLOCK_SIZE - 1);
      postingWeights[at] = weights[p]!;
    }
  }
  return { tokens, docOrder, termCounts, termMaxWeights, termBlockStarts, blockIds, blockCounts, blockMaxima, blockPostingSamples, postingDocs, postingWeights };
}

/**
 * The smallest level q with (`max` × q) / 255 ≥ `weight`, in float64 (the product is exact, and
 * level 255 gives `max` itself). The search multiplies in another order; its bound margin covers
 * the difference.
 */
function quantizeUp(weight: number, max: number): number {
  let q = Math.min(MAX_LEVEL, Math.ceil((weight / max) * MAX_LEVEL));
  while (q > 1 && (max * (q - 1)) / MAX_LEVEL >= weight) q--;
  while (q < MAX_LEVEL && (max * q) / MAX_LEVEL < weight) q++;
  return q;
}

/**
 * Offsets within their runs, arrays of matching lengths and tokens sorted: what every read relies
 * on. Postings and blocks (most of the file) are left to the checksum: a pass over them would cost
 * a good part of an open, and a read beyond an array yields undefined, never memory.
 */
export function checkSparsePart(p: SparsePart, docCount: number, corrupt: Corrupt): void {
  if (!Array.isArray(p.tokens)) corrupt("segment header is invalid");
  const pairs = p.blockIds.length;
  checkRuns(p.termBlockStarts, p.tokens.length, pairs, "block", corrupt);
  if (p.blockCounts.length !== pairs || p.blockMaxima.length !== pairs || p.blockPostingSamples.length !== (pairs + (1 << SAMPLE_SHIFT) - 1) >>> SAMPLE_SHIFT) {
    corrupt("block arrays do not match the blocks");
  }
  if (p.postingWeights.length !== p.postingDocs.length || (pairs > 0 ? pairPosting(p, pairs - 1) + p.blockCounts[pairs - 1]! : 0) !== p.postingDocs.length) {
    corrupt("posting arrays do not match the blocks");
  }
  if (p.termCounts.length !== docCount || p.docOrder.length !== docCount) corrupt("per-document arrays do not match the document count");
  if (p.termMaxWeights.length !== p.tokens.length) corrupt("per-term maxima do not match the vocabulary");
  for (let t = 1; t < p.tokens.length; t++) if (!(typeof p.tokens[t] === "string" && p.tokens[t - 1]! < p.tokens[t]!)) corrupt("tokens are not sorted");
}

/** Checks of a segment format 2 sparse part, before it is upgraded. */
export function checkSparsePartV2(p: SparsePartV2, docCount: number, corrupt: Corrupt): void {
  if (!Array.isArray(p.tokens)) corrupt("segment header is invalid");
  checkRuns(p.postingStarts, p.tokens.length, p.postingDocs.length, "posting", corrupt);
  if (p.postingWeights.length !== p.postingDocs.length) corrupt("posting weights do not match the postings");
  if (p.termCounts.length !== docCount) corrupt("per-document arrays do not match the document count");
  for (let q = 0; q < p.postingDocs.length; q++) if (p.postingDocs[q]! >= docCount) corrupt("a posting names a document beyond the segment");
  for (let t = 1; t < p.tokens.length; t++) if (!(typeof p.tokens[t] === "string" && p.tokens[t - 1]! < p.tokens[t]!)) corrupt("tokens are not sorted");
}
