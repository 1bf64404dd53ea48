import { BlockMaxScratch, blockMaxSearch } from "../../src/legs/sparse/algorithms/blockmax.js";
import { exhaustiveSearch, TermAtATimeScratch } from "../../src/legs/sparse/algorithms/exhaustive.js";
import { maxScoreSearch } from "../../src/legs/sparse/algorithms/maxscore.js";
import { clusterOrder, type DocumentOrder, localOrder, signatureOrder } from "../../src/legs/sparse/document-order.js";
import { layoutSparsePart } from "../../src/legs/sparse/sparse-part.js";
import { SparseSegment } from "../../src/legs/sparse/sparse-segment.js";
import { TopKHeap } from "../../src/top-k-heap.js";
import { querySparse, SpladeCorpus, tokenName, VOCABULARY } from "./splade-corpus.js";

/**
 * `node dist/test/bench/sparse-algorithms-probe.js [size] [queries] [orders] [algorithms]`: one sparse part of
 * the SPLADE-like corpus, per document order its build time, size and block statistics, and per
 * algorithm p50/p95 latency of a top-k search (k 10, or PROBE_K) and recall against exhaustive.
 */
const size = Number(process.argv[2] ?? 100_000);
const queryCount = Number(process.argv[3] ?? 200);
const orderNames = (process.argv[4] ?? "local,signature,cluster").split(",");
const only = process.argv[5]?.split(",");
const ORDERS: Record<string, DocumentOrder> = { local: localOrder, signature: signatureOrder, cluster: clusterOrder, topic: (_rows, n) => Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => topics[a]! - topics[b]! || a - b) };

const corpus = new SpladeCorpus({ seed: 42 });
// Rows straight from the generator's batches (term numbers are ranks of the token names), so a
// million documents fit in memory without a record per document.
const names = Array.from({ length: VOCABULARY }, (_, id) => tokenName(id));
const byName = Uint32Array.from(names.keys()).sort((a, b) => (names[a]! < names[b]! ? -1 : 1));
const rankOf = new Uint32Array(VOCABULARY);
byName.forEach((id, r) => (rankOf[id] = r));
const starts = new Uint32Array(size + 1);
const chunks: { terms: Uint32Array; weights: Float32Array }[] = [];
const topics: number[] = [];
for (let done = 0; done < size; ) {
  const batch = corpus.nextBatch(Math.min(10_000, size - done));
  const terms = new Uint32Array(batch.tokens.length);
  const weights = new Float32Array(batch.tokens.length);
  for (let i = 0; i < batch.count; i++) {
    topics.push(batch.topics[i]!);
    const from = batch.offsets[i]!;
    const to = batch.offsets[i + 1]!;
    const order = Array.from({ length: to - from }, (_, j) => from + j).sort((a, b) => rankOf[batch.tokens[a]!]! - rankOf[batch.tokens[b]!]!);
    order.forEach((j, n) => {
      terms[from + n] = rankOf[batch.tokens[j]!]!;
      weights[from + n] = batch.weights[j]!;
    });
    starts[done + i + 1] = starts[done + i]! + (to - from);
  }
  chunks.push({ terms, weights });
  done += batch.count;
}
const rows = {
  starts,
  terms: new Uint32Array(starts[size]!),
  weights: new Float32Array(starts[size]!),
};
let at = 0;
for (const c of chunks) {
  rows.terms.set(c.terms, at);
  rows.weights.set(c.weights, at);
  at += c.terms.length;
}
chunks.length = 0;
const used = new Uint8Array(VOCABULARY);
for (const t of rows.terms) used[t] = 1;
const compact = new Uint32Array(VOCABULARY);
const tokens: string[] = [];
for (let r = 0; r < VOCABULARY; r++) {
  if (used[r] === 0) continue;
  compact[r] = tokens.length;
  tokens.push(names[byName[r]!]!);
}
for (let p = 0; p < rows.terms.length; p++) rows.terms[p] = compact[rows.terms[p]!]!;
const queries = corpus.queries(queryCount);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const accept = new Uint8Array(size).fill(1);
const tie = (a: number, b: number) => a - b;
const k = Number(process.env.PROBE_K ?? 10);

for (const name of orderNames) {
  const started = performance.now();
  const part = layoutSparsePart(tokens, rows, size, ORDERS[name]);
  const buildMs = performance.now() - started;
  const nnz = part.postingWeights.length;
  const pairs = part.blockIds.length;
  const bytes = Object.values(part).reduce((n: number, a) => n + (ArrayBuffer.isView(a) ? a.byteLength : 0), 0);
  console.log(`order ${name}: build ${buildMs.toFixed(0)} ms (${((size / buildMs) * 1000).toFixed(0)} docs/s), ${nnz} postings, pairs/postings ${(pairs / nnz).toFixed(3)}, ${(bytes / nnz).toFixed(2)} bytes/posting`);
  const segment = new SparseSegment(part);
  const scratch = new TermAtATimeScratch();
  const blockScratch = new BlockMaxScratch();
  // Every term bounded from its (term, block) pairs, none from a dense row: what the rows save.
  const pairsOnlyScratch = new BlockMaxScratch(undefined, undefined, undefined, Infinity);
  const compiled = Array.from({ length: queries.count }, (_, q) => segment.compileQuery(querySparse(queries, q)));
  const exact = compiled.map((q) => {
    const heap = new TopKHeap(k, tie);
    exhaustiveSearch(segment, size, 0, q, accept, heap, scratch);
    return heap.drain();
  });
  const runs: [string, (q: (typeof compiled)[number], heap: TopKHeap) => void][] = [
    ["exhaustive", (q, heap) => exhaustiveSearch(segment, size, 0, q, accept, heap, scratch)],
    ["maxscore", (q, heap) => maxScoreSearch(segment, 0, q, accept, heap)],
    ["blockmax", (q, heap) => blockMaxSearch(segment, 0, q, accept, heap, blockScratch)],
    ["blockmax no rows", (q, heap) => blockMaxSearch(segment, 0, q, accept, heap, pairsOnlyScratch)],
    ["blockmax a=0.9", (q, heap) => blockMaxSearch(segment, 0, q, accept, heap, blockScratch, { alpha: 0.9 })],
    ["blockmax a=0.7", (q, heap) => blockMaxSearch(segment, 0, q, accept, heap, blockScratch, { alpha: 0.7 })],
  ];
  for (const [label, run] of runs.filter(([l]) => !only || only.includes(l))) {
    const times: number[] = [];
    let hits = 0;
    let identical = 0;
    for (let round = 0; round < 2; round++) {
      compiled.forEach((q, i) => {
        const heap = new TopKHeap(k, tie);
        const t = performance.now();
        run(q, heap);
        const elapsed = performance.now() - t;
        const got = heap.drain();
        if (round === 1) {
          times.push(elapsed);
          const want = new Set(exact[i]!.slots);
          hits += got.slots.filter((s) => want.has(s)).length;
          if (JSON.stringify(got) === JSON.stringify(exact[i])) identical++;
        }
      });
    }
    console.log(`  ${label.padEnd(16)} p50 ${pct(times, 0.5).toFixed(3)} ms  p95 ${pct(times, 0.95).toFixed(3)} ms  recall@10 ${(hits / (k * compiled.length)).toFixed(4)}  identical ${identical}/${compiled.length}`);
  }
}
