import { type Filter, HybridIndex, type SearchQuery, type SearchResult } from "../../src/index.js";
import { AcceptedSlots } from "../../src/legs/accepted-slots.js";
import { acceptedBlocks } from "../../src/legs/sparse/accepted-blocks.js";
import { AcceptedScanScratch, acceptedScanSearch } from "../../src/legs/sparse/algorithms/accepted-scan.js";
import { BlockMaxScratch, blockMaxSearch } from "../../src/legs/sparse/algorithms/blockmax.js";
import { exhaustiveSearch, TermAtATimeScratch } from "../../src/legs/sparse/algorithms/exhaustive.js";
import type { SparseLeg } from "../../src/legs/sparse/sparse-leg.js";
import type { SparseSegment } from "../../src/legs/sparse/sparse-segment.js";
import { TopKHeap } from "../../src/top-k-heap.js";
import { syntheticCorpus } from "./sparse-bench-corpus.js";

/**
 * Filtered sparse search on the sparse benchmark's SPLADE-like corpus (seed 42, with its filter
 * fields), built once and reopened by each run:
 *
 * - `node dist/test/bench/sparse-filter-probe.js build <dir> [size]` builds it into `dir` through
 *   the public API, as the benchmark does.
 * - `… run <dir> [queries] [algorithms] [rounds]` times `index.search` (k 10, sparse leg alone) per
 *   algorithm, unfiltered and under each of the benchmark's filters (p50, and its ratio to the
 *   same algorithm unfiltered).
 * - `… ab <dir> <other build's src/index.js> [queries] [algorithms] [uncached]` opens the index with
 *   this build and another (e.g. the code before a change) in one process and times both on the
 *   same queries, alternating which goes first, and checks that they return the same hits and
 *   scores. With `uncached`, each search's filter is made unique (or'ed with a term on a field no
 *   document has), so no accepted set kept from an earlier search applies.
 * - `… crossover <dir> [queries] [shares] [algorithms]` runs the algorithms themselves on the
 *   index's largest segment under seeded accepted sets keeping each share of the documents (spread
 *   like the benchmark's filters, independently of the documents), interleaved query by query:
 *   block-max with the accepted blocks (`blockmax`), the accepted-only scan (`scan`) and
 *   exhaustive scoring (`exhaustive`); p50, its ratio to block-max with every document accepted,
 *   and results identical to the first algorithm's.
 */
const [mode, dir, ...rest] = process.argv.slice(2);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
type Algorithm = NonNullable<SearchQuery["sparseAlgorithm"]>;

function configs(algorithms: string[]): { label: string; algorithm: Algorithm; filter?: Filter }[] {
  const filters = syntheticCorpus(1, 1, 42).filters!;
  const out: { label: string; algorithm: Algorithm; filter?: Filter }[] = [];
  for (const algorithm of algorithms as Algorithm[]) {
    out.push({ label: `${algorithm}, no filter`, algorithm });
    for (const { filter, share } of filters) out.push({ label: `${algorithm}, ${(share * 100).toFixed(1)}%`, algorithm, filter });
  }
  return out;
}

function searchQuery(sparse: SearchQuery["sparse"], algorithm: Algorithm, filter?: Filter): SearchQuery {
  return { sparse, k: 10, candidates: 10, legs: ["sparse"], sparseAlgorithm: algorithm, ...(filter ? { filter } : {}) };
}

const same = (a: SearchResult, b: SearchResult) => JSON.stringify(a.hits.map((h) => [h.id, h.score])) === JSON.stringify(b.hits.map((h) => [h.id, h.score]));

if (mode === "build" && dir) {
  const size = Number(rest[0] ?? 1_000_000);
  const corpus = syntheticCorpus(size, 1, 42);
  const index = await HybridIndex.open(dir);
  const started = performance.now();
  let done = 0;
  for (const batch of corpus.batches()) {
    await index.upsert(batch.docs);
    done += batch.docs.length;
    if (done % 100_000 === 0) console.error(`${done} documents, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  await index.close();
  console.log(`built ${size} documents in ${((performance.now() - started) / 1000).toFixed(0)} s`);
} else if (mode === "run" && dir) {
  const queries = syntheticCorpus(1, Number(rest[0] ?? 200), 42).queries;
  const rounds = Number(rest[2] ?? 1);
  const index = await HybridIndex.open(dir, { readOnly: true });
  const unfiltered = new Map<string, number>();
  for (const { label, algorithm, filter } of configs((rest[1] ?? "blockmax,exhaustive,auto").split(","))) {
    for (const sparse of queries) await index.search(searchQuery(sparse, algorithm, filter));
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const sparse of queries) {
        const t = performance.now();
        await index.search(searchQuery(sparse, algorithm, filter));
        times.push(performance.now() - t);
      }
    }
    const p50 = pct(times, 0.5);
    if (!filter) unfiltered.set(algorithm, p50);
    console.log(`${label.padEnd(24)} p50 ${p50.toFixed(3)} ms  p95 ${pct(times, 0.95).toFixed(3)} ms  ${(p50 / unfiltered.get(algorithm)!).toFixed(2)}× unfiltered`);
  }
  await index.close();
} else if (mode === "ab" && dir && rest[0]) {
  const other = (await import(rest[0])) as { HybridIndex: typeof HybridIndex };
  const queries = syntheticCorpus(1, Number(rest[1] ?? 200), 42).queries;
  const mine = await HybridIndex.open(dir, { readOnly: true });
  const theirs = await other.HybridIndex.open(dir, { readOnly: true });
  const uncached = rest[3] === "uncached";
  let unique = 0;
  const query = (sparse: SearchQuery["sparse"], algorithm: Algorithm, filter?: Filter) =>
    searchQuery(sparse, algorithm, filter && uncached ? { or: [filter, { term: { absent: `${unique++}` } }] } : filter);
  for (const algorithm of (rest[2] ?? "blockmax,exhaustive,auto").split(",") as Algorithm[]) {
    // The algorithm unfiltered and under each filter, before and after, all in turn query by query
    // (the order rotating), so a change in the machine's load reaches every configuration alike.
    const runs = configs([algorithm]).flatMap((c) => [
      { ...c, index: theirs, times: [] as number[] },
      { ...c, index: mine, times: [] as number[] },
    ]);
    for (const sparse of queries) for (const run of runs) await run.index.search(query(sparse, algorithm, run.filter));
    let differ = 0;
    for (const [i, sparse] of queries.entries()) {
      const results: SearchResult[] = [];
      for (let r = 0; r < runs.length; r += 2) {
        const q = query(sparse, algorithm, runs[r]!.filter);
        for (const at of i % 2 === 0 ? [r, r + 1] : [r + 1, r]) {
          const t = performance.now();
          results[at] = await runs[at]!.index.search(q);
          runs[at]!.times.push(performance.now() - t);
        }
        if (!same(results[r]!, results[r + 1]!)) differ++;
      }
    }
    const [ua, ub] = [pct(runs[0]!.times, 0.5), pct(runs[1]!.times, 0.5)];
    for (let r = 0; r < runs.length; r += 2) {
      const pa = pct(runs[r]!.times, 0.5);
      const pb = pct(runs[r + 1]!.times, 0.5);
      console.log(`${runs[r]!.label.padEnd(24)} before p50 ${pa.toFixed(3)} ms (${(pa / ua).toFixed(2)}× unfiltered)  after ${pb.toFixed(3)} ms (${(pb / ub).toFixed(2)}×)  after/before ${(pb / pa).toFixed(2)}`);
    }
    if (differ > 0) console.log(`${algorithm}: ${differ} searches returned different hits or scores before and after`);
  }
  await mine.close();
  await theirs.close();
} else if (mode === "crossover" && dir) {
  const queries = syntheticCorpus(1, Number(rest[0] ?? 200), 42).queries;
  const shares = (rest[1] ?? "0.005,0.01,0.02,0.05,0.1,0.2,0.5").split(",").map(Number);
  const chosen = (rest[2] ?? "blockmax,scan,exhaustive").split(",");
  const index = await HybridIndex.open(dir, { readOnly: true });
  // The engine's sparse leg, reached past its privacy: the algorithms are timed on its segment alone.
  const leg = (index as unknown as { engine: { sparse: SparseLeg } }).engine.sparse;
  const items = (leg as unknown as { ranges: { items: { base: number; docCount: number; segment: SparseSegment }[] } }).ranges.items;
  const { docCount, segment } = items.reduce((a, b) => (b.docCount > a.docCount ? b : a));
  const tie = (a: number, b: number) => a - b;
  const scratch = new TermAtATimeScratch();
  const blockScratch = new BlockMaxScratch();
  const scanScratch = new AcceptedScanScratch();
  const compiled = queries.map((q) => segment.compileQuery(q));
  console.log(`segment of ${docCount} documents, ${queries.length} queries, k 10`);
  let reference = NaN;
  for (const share of [1, ...shares]) {
    const bytes = Uint8Array.from({ length: docCount }, (_, i) => (((Math.imul(i + 1, 2654435761) ^ 977) >>> 0) % 100_000 < share * 100_000 ? 1 : 0));
    const set = AcceptedSlots.of(bytes);
    let t = performance.now();
    const blocks = acceptedBlocks(segment, 0, bytes);
    const deriveMs = performance.now() - t;
    const all: [string, string, (q: (typeof compiled)[number], heap: TopKHeap) => void][] = [
      ["blockmax", "block-max", (q, heap) => blockMaxSearch(segment, 0, q, bytes, heap, blockScratch, undefined, share < 1 ? blocks.masks : undefined)],
      ["scan", "accepted scan", (q, heap) => acceptedScanSearch(segment, 0, q, blocks, heap, scanScratch)],
      ["exhaustive", "exhaustive", (q, heap) => exhaustiveSearch(segment, docCount, 0, q, bytes, heap, scratch)],
    ];
    // Unfiltered: block-max alone, the reference of the ratios.
    const runs = all.filter(([name]) => (share === 1 ? name === "blockmax" : chosen.includes(name))).map(([, label, run]) => [label, run] as const);
    const times = runs.map(() => [] as number[]);
    const identical = runs.map(() => 0);
    for (let round = 0; round < 2; round++) {
      compiled.forEach((q, i) => {
        const results: string[] = [];
        for (let r = 0; r < runs.length; r++) {
          const at = (r + i) % runs.length;
          const heap = new TopKHeap(10, tie);
          t = performance.now();
          runs[at]![1](q, heap);
          if (round === 1) times[at]!.push(performance.now() - t);
          results[at] = JSON.stringify(heap.drain());
        }
        if (round === 1) for (let r = 0; r < runs.length; r++) if (results[r] === results[0]) identical[r]!++;
      });
    }
    console.log(`share ${share} (${set.count} accepted, ${blocks.blocks.length} of ${segment.blockCount} blocks; accepted blocks derived in ${deriveMs.toFixed(1)} ms):`);
    if (share === 1) reference = pct(times[0]!, 0.5);
    runs.forEach(([label], r) => {
      const p50 = pct(times[r]!, 0.5);
      console.log(`  ${label.padEnd(26)} p50 ${p50.toFixed(3)} ms (${(p50 / reference).toFixed(2)}× unfiltered block-max)  p95 ${pct(times[r]!, 0.95).toFixed(3)} ms  identical ${identical[r]}/${compiled.length}`);
    });
  }
  await index.close();
} else {
  console.error("usage: sparse-filter-probe build <dir> [size] | run <dir> [queries] [algorithms] [rounds] | ab <dir> <other src/index.js> [queries] [algorithms] | crossover <dir> [queries] [shares]");
  process.exitCode = 1;
}
