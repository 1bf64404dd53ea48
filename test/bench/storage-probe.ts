import { readFile } from "node:fs/promises";
import { HybridIndex, type SparseVector } from "../../src/index.js";
import { latencySummary } from "./stats.js";

/**
 * What a fresh process pays to open an index and query it, measured by the storage benchmark in
 * a child process (a parent that just wrote the index would measure its own heap and warm caches):
 * `node --expose-gc storage-probe.js <index-dir> <queries.jsonl> <k> <warm-up>` prints one JSON
 * object. Resident memory is sampled after a collection before the open, then right after the open
 * (what a caller sees) and after another collection (what the index keeps).
 */
export interface ProbeResult {
  rssBefore: number;
  rssAfterOpen: number;
  rssAfterGc: number;
  heapAfterGc: number;
  openMs: number;
  firstQueryMs: number;
  queries: number;
  p50: number;
  p95: number;
  p99: number;
  qps: number;
  meanHits: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function main(): Promise<void> {
  const [dir, queryFile, kText, warmText] = process.argv.slice(2);
  if (!dir || !queryFile) throw new Error("usage: storage-probe <index-dir> <queries.jsonl> [k] [warm-up]");
  const k = Number(kText ?? 10);
  const warm = Number(warmText ?? 10);
  const queries = (await readFile(queryFile, "utf8"))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { sparse: SparseVector }).sparse);
  gc();
  const rssBefore = process.memoryUsage().rss;
  let t = performance.now();
  const index = await HybridIndex.open(dir, { readOnly: true });
  const openMs = performance.now() - t;
  const rssAfterOpen = process.memoryUsage().rss;
  gc();
  const usage = process.memoryUsage();
  try {
    t = performance.now();
    await index.search({ sparse: queries[0]!, k });
    const firstQueryMs = performance.now() - t;
    for (const sparse of queries.slice(1, 1 + warm)) await index.search({ sparse, k });
    const ms: number[] = [];
    let hits = 0;
    for (const sparse of queries) {
      t = performance.now();
      const result = await index.search({ sparse, k });
      ms.push(performance.now() - t);
      hits += result.hits.length;
    }
    const summary = latencySummary(ms);
    const result: ProbeResult = {
      rssBefore,
      rssAfterOpen,
      rssAfterGc: usage.rss,
      heapAfterGc: usage.heapUsed,
      openMs,
      firstQueryMs,
      queries: ms.length,
      ...summary,
      meanHits: hits / queries.length,
    };
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    await index.close();
  }
}

await main();
