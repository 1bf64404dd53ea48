/**
 * Documents' sparse vectors in compressed rows: document d's terms are `terms[starts[d]…starts[d+1])`
 * (term numbers, in any order: every order below depends on the set alone) with their float32
 * `weights`. @internal
 */
export interface SparseRows {
  starts: Uint32Array;
  terms: Uint32Array;
  weights: Float32Array;
}

/** A way of ordering a part's documents: position → local number, a permutation. @internal */
export type DocumentOrder = (rows: SparseRows, docCount: number) => Uint32Array;

/** Documents in local order: the baseline the orders below are measured against. @internal */
export const localOrder: DocumentOrder = (_rows, docCount) => Uint32Array.from({ length: docCount }, (_, i) => i);

/** How many of a document's heaviest terms make its signature. */
export const SIGNATURE_TERMS = 3;

/**
 * The order in which a sparse part lays out its documents (position → local number), so that
 * blocks of consecutive documents share terms and their block maxima are tight: documents sorted
 * by a signature of their heaviest terms — the heaviest term first (ties: the smaller term
 * number), then the second and third heaviest — which groups documents whose scores are
 * dominated by the same terms; documents without terms last, and local order breaking the
 * remaining ties. Deterministic: it depends on the rows alone. Cheaper than recursive graph
 * bisection (Dhulipala et al., KDD 2016) by orders of magnitude and, on SPLADE-like data, most of
 * its gain for block-max pruning.
 * @internal
 */
export function signatureOrder(rows: SparseRows, docCount: number): Uint32Array {
  const { starts, terms, weights } = rows;
  const signatures = new Uint32Array(docCount * SIGNATURE_TERMS);
  const best = new Float32Array(SIGNATURE_TERMS);
  for (let d = 0; d < docCount; d++) writeSignature(terms, weights, starts[d]!, starts[d + 1]!, signatures, d * SIGNATURE_TERMS, best);
  return sortBySignature(signatures, docCount);
}

/** A signature slot no term fills: documents with fewer terms sort after those with more. */
const NONE = 0xffffffff;

/**
 * Writes the signature of one document (its terms `terms[from…to)` with `weights`) into
 * `signatures[at…at + 3)`: its heaviest terms, heaviest first, equal weights by the smaller term
 * number, 0xffffffff where it has fewer. `best` is scratch of 3 floats. @internal
 */
export function writeSignature(terms: ArrayLike<number>, weights: ArrayLike<number>, from: number, to: number, signatures: Uint32Array, at: number, best: Float32Array): void {
  best.fill(-1);
  signatures.fill(NONE, at, at + SIGNATURE_TERMS);
  for (let p = from; p < to; p++) {
    const w = weights[p]!;
    const t = terms[p]!;
    // Ties go to the smaller term, whatever order the row lists its terms in.
    if (w < best[SIGNATURE_TERMS - 1]! || (w === best[SIGNATURE_TERMS - 1]! && t >= signatures[at + SIGNATURE_TERMS - 1]!)) continue;
    let i = SIGNATURE_TERMS - 1;
    while (i > 0 && (w > best[i - 1]! || (w === best[i - 1]! && t < signatures[at + i - 1]!))) {
      best[i] = best[i - 1]!;
      signatures[at + i] = signatures[at + i - 1]!;
      i--;
    }
    best[i] = w;
    signatures[at + i] = t;
  }
}

/** Positions 0…n−1 sorted by the signatures {@link writeSignature} wrote (3 per document), ties by position. @internal */
export function sortBySignature(signatures: Uint32Array, n: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => {
    for (let i = 0; i < SIGNATURE_TERMS; i++) {
      const x = signatures[a * SIGNATURE_TERMS + i]!;
      const y = signatures[b * SIGNATURE_TERMS + i]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return a - b;
  });
}

/** Terms of a document, and of a cluster's centroid, that clustering looks at: the heaviest. */
const DOC_FEATURES = 16;
const CENTROID_FEATURES = 32;
/** Documents per cluster aimed at (one block; 256 measured worse: blocks mixed clusters' topics), and rounds of assignment. */
const CLUSTER_SIZE = 32;
const ROUNDS = 2;
/**
 * Documents are clustered in chunks of this many, in local order: each document is compared with
 * every centroid sharing a feature, so one clustering of all documents would cost about n² / 32;
 * chunks keep it linear (a million SPLADE-like documents took 180 s to lay out unchunked).
 */
const CLUSTER_CHUNK = 65_536;

/**
 * Documents grouped by clustering their sparse vectors: k-means on each document's 16 heaviest
 * terms by weight × idf (normalized), one cluster per 32 documents, centroids cut to their 32
 * heaviest terms, two rounds, seeded by evenly spaced documents — deterministic. Clusters in
 * number order, and within a cluster by `signatureOrder`'s key; documents matching no centroid
 * form the last cluster. Clustered in chunks of 65,536 documents (local order), so the cost stays
 * linear in the part's size. The default order: on the SPLADE-like corpus it cuts (term, block)
 * pairs by a fifth where the signature sort barely moves them.
 * @internal
 */
export function clusterOrder(rows: SparseRows, docCount: number): Uint32Array {
  const order = new Uint32Array(docCount);
  for (let from = 0; from < docCount; from += CLUSTER_CHUNK) {
    const count = Math.min(CLUSTER_CHUNK, docCount - from);
    const first = rows.starts[from]!;
    const last = rows.starts[from + count]!;
    const chunk: SparseRows = {
      starts: Uint32Array.from(rows.starts.subarray(from, from + count + 1), (p) => p - first),
      terms: rows.terms.subarray(first, last),
      weights: rows.weights.subarray(first, last),
    };
    const within = clusterChunk(chunk, count);
    for (let i = 0; i < count; i++) order[from + i] = from + within[i]!;
  }
  return order;
}

/** `clusterOrder` of one chunk of documents. */
function clusterChunk(rows: SparseRows, docCount: number): Uint32Array {
  const { starts, terms, weights } = rows;
  let termCount = 0;
  for (let p = 0; p < terms.length; p++) if (terms[p]! + 1 > termCount) termCount = terms[p]! + 1;
  // Each document's features: its heaviest terms (ties: smaller term), weights normalized.
  const featTerms = new Uint32Array(docCount * DOC_FEATURES);
  const featWeights = new Float32Array(docCount * DOC_FEATURES);
  const featCount = new Uint8Array(docCount);
  // Features weighed by idf: terms shared by a large part of the collection say little about a cluster.
  const df = new Uint32Array(termCount);
  for (let p = 0; p < terms.length; p++) df[terms[p]!]!++;
  const idfWeights = new Float32Array(weights.length);
  for (let p = 0; p < terms.length; p++) idfWeights[p] = weights[p]! * Math.log(1 + docCount / df[terms[p]!]!);
  heaviest(starts, terms, idfWeights, docCount, DOC_FEATURES, featTerms, featWeights, featCount);
  const clusters = Math.max(1, Math.ceil(docCount / CLUSTER_SIZE));
  const centroidTerms = new Uint32Array(clusters * CENTROID_FEATURES);
  const centroidWeights = new Float32Array(clusters * CENTROID_FEATURES);
  const centroidCount = new Uint8Array(clusters);
  for (let c = 0; c < clusters; c++) {
    const d = Math.floor((c * docCount) / clusters);
    const n = Math.min(featCount[d]!, CENTROID_FEATURES);
    for (let i = 0; i < n; i++) {
      centroidTerms[c * CENTROID_FEATURES + i] = featTerms[d * DOC_FEATURES + i]!;
      centroidWeights[c * CENTROID_FEATURES + i] = featWeights[d * DOC_FEATURES + i]!;
    }
    centroidCount[c] = n;
  }
  const assignment = new Int32Array(docCount);
  const scores = new Float64Array(clusters);
  const touched = new Uint32Array(clusters);
  const sums = new Float64Array(termCount);
  const sumTouched = new Uint32Array(termCount);
  for (let round = 0; round < ROUNDS; round++) {
    // Inverted index of the centroids: term → (cluster, weight).
    const invStarts = new Uint32Array(termCount + 1);
    for (let c = 0; c < clusters; c++) for (let i = 0; i < centroidCount[c]!; i++) invStarts[centroidTerms[c * CENTROID_FEATURES + i]! + 1]!++;
    for (let t = 0; t < termCount; t++) invStarts[t + 1]! += invStarts[t]!;
    const fill = invStarts.slice(0, termCount);
    const invCluster = new Uint32Array(invStarts[termCount]!);
    const invWeight = new Float32Array(invCluster.length);
    for (let c = 0; c < clusters; c++) {
      for (let i = 0; i < centroidCount[c]!; i++) {
        const at = fill[centroidTerms[c * CENTROID_FEATURES + i]!]!++;
        invCluster[at] = c;
        invWeight[at] = centroidWeights[c * CENTROID_FEATURES + i]!;
      }
    }
    for (let d = 0; d < docCount; d++) {
      let n = 0;
      for (let i = 0; i < featCount[d]!; i++) {
        const t = featTerms[d * DOC_FEATURES + i]!;
        const w = featWeights[d * DOC_FEATURES + i]!;
        for (let p = invStarts[t]!; p < invStarts[t + 1]!; p++) {
          const c = invCluster[p]!;
          if (scores[c] === 0) touched[n++] = c;
          scores[c]! += w * invWeight[p]!;
        }
      }
      let best = -1;
      let bestScore = 0;
      for (let i = 0; i < n; i++) {
        const c = touched[i]!;
        if (scores[c]! > bestScore || (scores[c] === bestScore && c < best)) {
          best = c;
          bestScore = scores[c]!;
        }
        scores[c] = 0;
      }
      assignment[d] = best;
    }
    if (round === ROUNDS - 1) break;
    // New centroids: the summed features of their members, heaviest kept, normalized.
    const members = groupBy(assignment, clusters, docCount);
    for (let c = 0; c < clusters; c++) {
      let n = 0;
      for (let m = members.starts[c]!; m < members.starts[c + 1]!; m++) {
        const d = members.docs[m]!;
        for (let i = 0; i < featCount[d]!; i++) {
          const t = featTerms[d * DOC_FEATURES + i]!;
          if (sums[t] === 0) sumTouched[n++] = t;
          sums[t]! += featWeights[d * DOC_FEATURES + i]!;
        }
      }
      if (n === 0) continue;
      const candidates = sumTouched.subarray(0, n).sort((a, b) => sums[b]! - sums[a]! || a - b);
      const keep = Math.min(n, CENTROID_FEATURES);
      let norm = 0;
      for (let i = 0; i < keep; i++) norm += sums[candidates[i]!]! ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < keep; i++) {
        centroidTerms[c * CENTROID_FEATURES + i] = candidates[i]!;
        centroidWeights[c * CENTROID_FEATURES + i] = sums[candidates[i]!]! / norm;
      }
      centroidCount[c] = keep;
      for (let i = 0; i < n; i++) sums[sumTouched[i]!] = 0;
    }
  }
  const within = signatureOrder(rows, docCount);
  const rankWithin = new Uint32Array(docCount);
  for (let i = 0; i < docCount; i++) rankWithin[within[i]!] = i;
  const order = Uint32Array.from({ length: docCount }, (_, i) => i);
  const clusterOf = (d: number) => (assignment[d]! < 0 ? clusters : assignment[d]!);
  return order.sort((a, b) => clusterOf(a) - clusterOf(b) || rankWithin[a]! - rankWithin[b]!);
}

/** Per document, its `limit` heaviest terms (ties: smaller term) with weights scaled to unit norm. */
function heaviest(
  starts: Uint32Array,
  terms: Uint32Array,
  weights: Float32Array,
  docCount: number,
  limit: number,
  outTerms: Uint32Array,
  outWeights: Float32Array,
  outCount: Uint8Array,
): void {
  for (let d = 0; d < docCount; d++) {
    const at = d * limit;
    let n = 0;
    for (let p = starts[d]!; p < starts[d + 1]!; p++) {
      const w = weights[p]!;
      const t = terms[p]!;
      // Ties go to the smaller term, whatever order the row lists its terms in.
      if (n === limit && (w < outWeights[at + n - 1]! || (w === outWeights[at + n - 1]! && t >= outTerms[at + n - 1]!))) continue;
      let i = n < limit ? n++ : n - 1;
      while (i > 0 && (w > outWeights[at + i - 1]! || (w === outWeights[at + i - 1]! && t < outTerms[at + i - 1]!))) {
        outWeights[at + i] = outWeights[at + i - 1]!;
        outTerms[at + i] = outTerms[at + i - 1]!;
        i--;
      }
      outWeights[at + i] = w;
      outTerms[at + i] = t;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += outWeights[at + i]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) outWeights[at + i]! /= norm;
    outCount[d] = n;
  }
}

/** Documents grouped by their cluster (−1: none, left out), ascending within a cluster. */
function groupBy(assignment: Int32Array, clusters: number, docCount: number): { starts: Uint32Array; docs: Uint32Array } {
  const starts = new Uint32Array(clusters + 1);
  for (let d = 0; d < docCount; d++) if (assignment[d]! >= 0) starts[assignment[d]! + 1]!++;
  for (let c = 0; c < clusters; c++) starts[c + 1]! += starts[c]!;
  const fill = starts.slice(0, clusters);
  const docs = new Uint32Array(starts[clusters]!);
  for (let d = 0; d < docCount; d++) if (assignment[d]! >= 0) docs[fill[assignment[d]!]!++] = d;
  return { starts, docs };
}
