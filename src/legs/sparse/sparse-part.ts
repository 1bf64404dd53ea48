import { compareStrings } from "../../compare.js";
import { checkRuns, type Corrupt, type SectionList } from "../../typed-arrays.js";
import type { SparseEntries } from "../../valid-document.js";

/**
 * A segment's sparse leg: `tokens` sorted as strings, so a term's number is its rank and
 * numbering a query's terms by it fixes the summation order from the content alone; postings per
 * term (documents ascending, exact float32 weights); per document its number of terms. There is
 * no forward index: a document's weight for a term is found by binary search in the term's
 * postings, cheap for the few documents completion, explain and `get` ask about, and it keeps a
 * posting at 8 bytes. @internal
 */
export interface SparsePart {
  tokens: string[];
  postingStarts: Uint32Array;
  postingDocs: Uint32Array;
  postingWeights: Float32Array;
  /** Per term, its largest weight: the bound dynamic pruning (MaxScore and the like) works with. */
  termMaxWeights: Float32Array;
  termCounts: Uint32Array;
}

export const SPARSE_SECTIONS: SectionList<Exclude<keyof SparsePart, "tokens">> = [
  ["postingStarts", "u32"],
  ["postingDocs", "u32"],
  ["postingWeights", "f32"],
  ["termMaxWeights", "f32"],
  ["termCounts", "u32"],
];

/**
 * The postings of documents' sparse vectors (validated: float32 weights, all positive): one pass
 * numbers tokens as first seen, the numbers become ranks in the sorted vocabulary, and each
 * term's postings are filled in document order. Typed arrays throughout; nothing is allocated per
 * token but the vocabulary's entries.
 */
export function buildSparsePart(vectors: readonly (SparseEntries | undefined)[]): SparsePart {
  const n = vectors.length;
  const termCounts = new Uint32Array(n);
  let nnz = 0;
  for (let i = 0; i < n; i++) nnz += termCounts[i] = vectors[i]?.tokens.length ?? 0;
  const seen = new Map<string, number>();
  const firstSeen: string[] = [];
  const terms = new Uint32Array(nnz);
  const weights = new Float32Array(nnz);
  let p = 0;
  for (const vector of vectors) {
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
      weights[p] = vector.weights[j]!;
      p++;
    }
  }
  const byToken = Uint32Array.from(firstSeen.keys()).sort((a, b) => compareStrings(firstSeen[a]!, firstSeen[b]!));
  const rank = new Uint32Array(firstSeen.length);
  byToken.forEach((t, r) => (rank[t] = r));
  const postingStarts = new Uint32Array(firstSeen.length + 1);
  for (let q = 0; q < nnz; q++) postingStarts[(terms[q] = rank[terms[q]!]!) + 1]!++;
  for (let t = 0; t < firstSeen.length; t++) postingStarts[t + 1]! += postingStarts[t]!;
  const postingDocs = new Uint32Array(nnz);
  const postingWeights = new Float32Array(nnz);
  const fill = postingStarts.slice(0, firstSeen.length);
  p = 0;
  for (let doc = 0; doc < n; doc++) {
    for (let end = p + termCounts[doc]!; p < end; p++) {
      const at = fill[terms[p]!]!++;
      postingDocs[at] = doc;
      postingWeights[at] = weights[p]!;
    }
  }
  return { tokens: Array.from(byToken, (t) => firstSeen[t]!), postingStarts, postingDocs, postingWeights, termMaxWeights: maxWeights(postingStarts, postingWeights), termCounts };
}

/**
 * Postings of a merged segment, term by term from the inputs' postings: each input's list for the
 * token, its documents renumbered by `newNumber` (−1: dropped), in input order — so documents
 * stay ascending. Tokens left without postings leave the vocabulary.
 */
export function mergeSparseParts(inputs: readonly SparsePart[], newNumber: readonly Int32Array[], docCount: number): SparsePart {
  const union = [...new Set(inputs.flatMap((part) => part.tokens))].sort(compareStrings);
  const cursor = new Uint32Array(inputs.length);
  const counts = new Uint32Array(union.length);
  const sources = inputs.map(() => new Int32Array(union.length).fill(-1));
  union.forEach((token, u) => {
    inputs.forEach((part, s) => {
      const t = cursor[s]!;
      if (t >= part.tokens.length || part.tokens[t] !== token) return;
      sources[s]![u] = t;
      cursor[s] = t + 1;
      const map = newNumber[s]!;
      for (let p = part.postingStarts[t]!; p < part.postingStarts[t + 1]!; p++) if (map[part.postingDocs[p]!]! >= 0) counts[u]!++;
    });
  });
  const tokens: string[] = [];
  const starts: number[] = [0];
  let total = 0;
  union.forEach((token, u) => {
    if (counts[u] === 0) return;
    tokens.push(token);
    starts.push((total += counts[u]!));
  });
  const postingDocs = new Uint32Array(total);
  const postingWeights = new Float32Array(total);
  let p = 0;
  union.forEach((_, u) => {
    if (counts[u] === 0) return;
    inputs.forEach((part, s) => {
      const t = sources[s]![u]!;
      if (t < 0) return;
      const map = newNumber[s]!;
      for (let q = part.postingStarts[t]!; q < part.postingStarts[t + 1]!; q++) {
        const doc = map[part.postingDocs[q]!]!;
        if (doc < 0) continue;
        postingDocs[p] = doc;
        postingWeights[p++] = part.postingWeights[q]!;
      }
    });
  });
  const termCounts = new Uint32Array(docCount);
  inputs.forEach((part, s) => {
    const map = newNumber[s]!;
    for (let i = 0; i < map.length; i++) if (map[i]! >= 0) termCounts[map[i]!] = part.termCounts[i]!;
  });
  const postingStarts = Uint32Array.from(starts);
  return { tokens, postingStarts, postingDocs, postingWeights, termMaxWeights: maxWeights(postingStarts, postingWeights), termCounts };
}

function maxWeights(starts: Uint32Array, weights: Float32Array): Float32Array {
  const out = new Float32Array(starts.length - 1);
  for (let t = 0; t < out.length; t++) {
    let max = 0;
    for (let p = starts[t]!; p < starts[t + 1]!; p++) if (weights[p]! > max) max = weights[p]!;
    out[t] = max;
  }
  return out;
}

/**
 * Offsets within their runs and tokens sorted: what every read relies on. Postings (most of the
 * file) are left to the checksum: a pass over them would cost a good part of an open, and a read
 * beyond an array yields undefined, never memory.
 */
export function checkSparsePart(p: SparsePart, docCount: number, corrupt: Corrupt): void {
  if (!Array.isArray(p.tokens)) corrupt("segment header is invalid");
  checkRuns(p.postingStarts, p.tokens.length, p.postingDocs.length, "posting", corrupt);
  if (p.postingWeights.length !== p.postingDocs.length) corrupt("posting weights do not match the postings");
  if (p.termCounts.length !== docCount) corrupt("per-document arrays do not match the document count");
  if (p.termMaxWeights.length !== p.tokens.length) corrupt("per-term maxima do not match the vocabulary");
  for (let t = 1; t < p.tokens.length; t++) if (!(typeof p.tokens[t] === "string" && p.tokens[t - 1]! < p.tokens[t]!)) corrupt("tokens are not sorted");
}
