import { BlockMaxScratch, blockMaxSearch } from "../../src/legs/sparse/algorithms/blockmax.js";
import { exhaustiveSearch, TermAtATimeScratch } from "../../src/legs/sparse/algorithms/exhaustive.js";
import { maxScoreSearch } from "../../src/legs/sparse/algorithms/maxscore.js";
import { clusterOrder, type DocumentOrder, localOrder, signatureOrder } from "../../src/legs/sparse/document-order.js";
import { buildSparsePart } from "../../src/legs/sparse/sparse-part.js";
import { SparseSegment } from "../../src/legs/sparse/sparse-segment.js";
import { TopKHeap } from "../../src/top-k-heap.js";
import type { SparseEntries } from "../../src/valid-document.js";
import { querySparse, SpladeCorpus, tokenName } from "./splade-corpus.js";

/**
 * `node dist/test/bench/sparse-algorithms-probe.js [size] [queries] [orders]`: one sparse part of
 * the SPLADE-like corpus, per document order its build time, size and block statistics, and per
 * algorithm p50/p95 latency of a top-10 search and recall against exhaustive.
 */
const size = Number(process.argv[2] ?? 100_000);
const queryCount = Number(process.argv[3] ?? 200);
const orderNames = (process.argv[4] ?? "local,signature").split(",");
const ORDERS: Record<string, DocumentOrder> = { local: localOrder, signature: signatureOrder, cluster: clusterOrder, topic: (_rows, n) => Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => topics[a]! - topics[b]! || a - b) };

const corpus = new SpladeCorpus({ seed: 42 });
const vectors: SparseEntries[] = [];
const topics: number[] = [];
while (vectors.length < size) {
  const batch = corpus.nextBatch(Math.min(10_000, size - vectors.length));
  for (let i = 0; i < batch.count; i++) {
    topics.push(batch.topics[i]!);
    const from = batch.offsets[i]!;
    const to = batch.offsets[i + 1]!;
    const tokens: string[] = [];
    for (let j = from; j < to; j++) tokens.push(tokenName(batch.tokens[j]!));
    vectors.push({ tokens, weights: batch.weights.slice(from, to) });
  }
}
const queries = corpus.queries(queryCount);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const accept = new Uint8Array(size).fill(1);
const tie = (a: number, b: number) => a - b;
const k = 10;

for (const name of orderNames) {
  const started = performance.now();
  const part = buildSparsePart(vectors, ORDERS[name]!);
  const buildMs = performance.now() - started;
  const nnz = part.postingWeights.length;
  const pairs = part.blockIds.length;
  const bytes = Object.values(part).reduce((n: number, a) => n + (ArrayBuffer.isView(a) ? a.byteLength : 0), 0);
  console.log(`order ${name}: build ${buildMs.toFixed(0)} ms (${((size / buildMs) * 1000).toFixed(0)} docs/s), ${nnz} postings, pairs/postings ${(pairs / nnz).toFixed(3)}, ${(bytes / nnz).toFixed(2)} bytes/posting`);
  const segment = new SparseSegment(part);
  const scratch = new TermAtATimeScratch();
  const blockScratch = new BlockMaxScratch();
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
    ["blockmax a=0.9", (q, heap) => blockMaxSearch(segment, 0, q, accept, heap, blockScratch, { alpha: 0.9 })],
    ["blockmax a=0.7", (q, heap) => blockMaxSearch(segment, 0, q, accept, heap, blockScratch, { alpha: 0.7 })],
  ];
  for (const [label, run] of runs) {
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
