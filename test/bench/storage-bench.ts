import { spawnSync } from "node:child_process";
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { HybridIndex, type Document } from "../../src/index.js";
import type { ProbeResult } from "./storage-probe.js";
import type { TextProbeResult } from "./text-probe.js";
import { SpladeCorpus, toDocuments, writeCorpusJsonl, writeQueriesJsonl, type DocumentParts } from "./splade-corpus.js";
import { fmt, latencySummary, markdownTable } from "./stats.js";

const BATCH = 10_000;
const K = 10;
const HERE = dirname(fileURLToPath(import.meta.url));
const PROBE = join(HERE, "storage-probe.js");
const TEXT_PROBE = join(HERE, "text-probe.js");
const BIN = resolve(HERE, "../../src/cli/bin.js");
const MB = 1024 * 1024;

export interface StorageBenchOptions {
  sizes: number[];
  /** Documents of the dense compaction figure; 0 skips it. */
  denseSize: number;
  queries: number;
  seed: number;
  /** Folder in which a fresh working folder for the indexes is made (removed afterwards unless `keep`). */
  dir?: string;
  keep?: boolean;
  /** Skips the smallest size's ingest with dense vectors and text and its `tandem index` run. */
  sparseOnly?: boolean;
  /** Documents (SciFact abstracts, repeated) of the text leg's first-query figure; 0 skips it. */
  textSize?: number;
}

interface SizeFigures {
  documents: number;
  postings: number;
  bytes: number;
  ingestRate: number;
  probe: ProbeResult;
  searchWallMs: number;
}

/**
 * `npm run bench -- storage`: what storing and reopening costs as the collection grows, through the
 * public API only (HybridIndex and the `tandem` CLI), so the same benchmark measures any storage
 * design. Per size: ingest (sparse only, batches of 10,000), bytes on disk, then in a fresh child
 * process the read-only open (time, resident memory) and sparse query latency, and `tandem search`
 * with one query as its own process (wall time). Then the dense compaction figure.
 */
export async function storageBench(options: StorageBenchOptions): Promise<void> {
  const root = await mkdtemp(join(options.dir ?? tmpdir(), "tandem-storage-bench-"));
  console.log(`\n## Storage: ingest, size on disk, reopen, queries (SPLADE-like corpus, seed ${options.seed})`);
  console.log(`machine load (1/5/15 min) at start: ${loadavg().map((x) => fmt(x)).join(" / ")}; indexes under ${root}`);
  const figures: SizeFigures[] = [];
  try {
    for (const [i, n] of options.sizes.entries()) {
      figures.push(await measureSize(root, n, options));
      if (i === 0 && !options.sparseOnly) {
        await denseAndTextIngest(root, n, options.seed);
        await cliIngest(root, n, options.seed);
      }
    }
    printTable(figures);
    if ((options.textSize ?? 0) > 0) await textLegOpen(root, options.textSize!);
    if (options.denseSize > 0) await denseCompaction(root, options.denseSize, options.seed, Math.min(options.queries, 200));
    console.log(`\nmachine load (1/5/15 min) at end: ${loadavg().map((x) => fmt(x)).join(" / ")}`);
  } finally {
    if (!options.keep) await rm(root, { recursive: true, force: true });
  }
}

/** Ingests `n` documents in batches of 10,000; the rate counts upserts and close, not generation. */
async function ingest(dir: string, corpus: SpladeCorpus, n: number, parts: DocumentParts, textIndex = false): Promise<{ seconds: number; postings: number }> {
  const index = await HybridIndex.open(dir, textIndex ? { textIndex: flexSearchTextIndex() } : {});
  let seconds = 0;
  let postings = 0;
  try {
    for (let start = 0; start < n; start += BATCH) {
      const batch = corpus.nextBatch(Math.min(BATCH, n - start), parts.dense === true);
      postings += batch.tokens.length;
      const docs = toDocuments(batch, parts, corpus.dimension);
      const t = performance.now();
      await index.upsert(docs);
      seconds += (performance.now() - t) / 1000;
    }
  } finally {
    const t = performance.now();
    await index.close();
    seconds += (performance.now() - t) / 1000;
  }
  return { seconds, postings };
}

async function measureSize(root: string, n: number, options: StorageBenchOptions): Promise<SizeFigures> {
  const dir = join(root, `sparse-${n}`);
  console.log(`\n### ${n.toLocaleString("en")} documents (sparse only)`);
  const corpus = new SpladeCorpus({ seed: options.seed });
  const { seconds, postings } = await ingest(dir, corpus, n, {});
  const bytes = await bytesOnDisk(dir);
  console.log(`ingest: ${fmt(seconds, 1)} s, ${fmt(n / seconds, 0)} documents/s; ${postings.toLocaleString("en")} postings, ${fmt(bytes / MB, 1)} MB on disk (${fmt(bytes / postings)} bytes per posting)`);

  const queryFile = join(root, `queries-${n}.jsonl`);
  await writeQueriesJsonl(queryFile, corpus.queries(options.queries));
  const probe = runProbe(dir, queryFile);
  console.log(
    `fresh process: open read-only ${fmt(probe.openMs / 1000, 2)} s, RSS ${fmt(probe.rssBefore / MB, 0)} → ${fmt(probe.rssAfterOpen / MB, 0)} MB (${fmt(probe.rssAfterGc / MB, 0)} MB after a collection, heap ${fmt(probe.heapAfterGc / MB, 0)} MB); ` +
      `first query ${fmt(probe.firstQueryMs, 1)} ms; ${probe.queries} sparse queries k ${K}: p50 ${fmt(probe.p50, 2)} ms, p95 ${fmt(probe.p95, 2)} ms, p99 ${fmt(probe.p99, 2)} ms`,
  );

  const oneQuery = join(root, `one-query-${n}.jsonl`);
  await writeQueriesJsonl(oneQuery, corpus.queries(1));
  // The best of three runs of each, so a busy moment of a shared machine does not make the figure.
  const wall = (args: string[]) => {
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * MB });
      best = Math.min(best, performance.now() - t);
      if (r.status !== 0) throw new Error(`${args.join(" ")} exited with ${r.status}: ${r.stderr}`);
    }
    return best;
  };
  const searchWallMs = wall([BIN, "search", "--index", dir, "--queries", oneQuery, "--k", String(K)]);
  const nodeMs = wall(["-e", ""]);
  const cliMs = wall([BIN, "search", "--help"]);
  console.log(
    `tandem search, one query, fresh process: ${fmt(searchWallMs / 1000, 2)} s wall (best of 3): Node start ${fmt(nodeMs / 1000, 2)} s, ` +
      `CLI modules ${fmt((cliMs - nodeMs) / 1000, 2)} s (\`tandem search --help\` ${fmt(cliMs / 1000, 2)} s), open, query and output ${fmt((searchWallMs - cliMs) / 1000, 2)} s ` +
      `(the probe's read-only open: ${fmt(probe.openMs / 1000, 2)} s)`,
  );
  return { documents: n, postings, bytes, ingestRate: n / seconds, probe, searchWallMs };
}

/**
 * The text leg's first query in a fresh read-only process, over `n` SciFact abstracts (title and
 * text, the 5,183 of fixtures/scifact repeated under new ids): loading the segments' saved text
 * indexes, against indexing every stored text again (a leg that cannot load them). Both must
 * answer the same 50 SciFact queries alike.
 */
async function textLegOpen(root: string, n: number): Promise<void> {
  console.log(`\n## Text leg: first text query after a read-only open, ${n.toLocaleString("en")} SciFact abstracts (FlexSearch)`);
  const scifact = join(HERE, "../../../fixtures/scifact");
  const abstracts = (await readFile(join(scifact, "corpus.jsonl"), "utf8"))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const record = JSON.parse(line) as { title?: string; text?: string };
      return `${record.title ?? ""} ${record.text ?? ""}`.trim();
    });
  const queries = (await readFile(join(scifact, "queries.jsonl"), "utf8"))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(0, 50)
    .map((line) => (JSON.parse(line) as { text: string }).text);
  const queryFile = join(root, "text-queries.txt");
  await writeFile(queryFile, queries.join("\n") + "\n");
  const dir = join(root, `text-${n}`);
  const index = await HybridIndex.open(dir, { textIndex: flexSearchTextIndex() });
  const t = performance.now();
  for (let start = 0; start < n; start += BATCH) {
    const docs: Document[] = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) docs.push({ id: `s${i}`, text: abstracts[i % abstracts.length]! });
    await index.upsert(docs);
  }
  await index.close();
  const ingest = (performance.now() - t) / 1000;
  console.log(`ingest (each commit saves its segment's text index): ${fmt(ingest, 1)} s; ${fmt((await bytesOnDisk(dir)) / MB, 1)} MB on disk`);
  const results: Record<string, TextProbeResult> = {};
  for (const mode of ["rebuilt", "saved"] as const) {
    const r = spawnSync(process.execPath, [TEXT_PROBE, dir, queryFile, mode], { encoding: "utf8", maxBuffer: 64 * MB });
    if (r.status !== 0) throw new Error(`text probe exited with ${r.status}: ${r.stderr}`);
    results[mode] = JSON.parse(r.stdout) as TextProbeResult;
  }
  const same = JSON.stringify(results.saved!.answers) === JSON.stringify(results.rebuilt!.answers);
  const rows: (string | number)[][] = [["text leg", "open (s)", "first text query (s)", "RSS after it (MB)", "next queries p50 (ms)", "p95 (ms)"]];
  for (const mode of ["rebuilt", "saved"] as const) {
    const f = results[mode]!;
    rows.push([mode === "saved" ? "loaded from the saved indexes" : "built from the stored texts", fmt(f.openMs / 1000, 2), fmt(f.firstQueryMs / 1000, 2), fmt(f.rssAfterFirstQuery / MB, 0), fmt(f.p50, 2), fmt(f.p95, 2)]);
  }
  console.log(markdownTable(rows, ["left", "right", "right", "right", "right", "right"]));
  console.log(`answers of the 50 queries identical: ${same ? "yes" : "NO"}`);
  await rm(dir, { recursive: true, force: true });
}

/** Ingest with 384-d vectors, text and fields (the text leg from tandem-search/flexsearch). */
async function denseAndTextIngest(root: string, n: number, seed: number): Promise<void> {
  const dir = join(root, `full-${n}`);
  const { seconds } = await ingest(dir, new SpladeCorpus({ seed }), n, { dense: true, text: true, fields: true }, true);
  const bytes = await bytesOnDisk(dir);
  console.log(`with 384-d dense vectors, text and fields: ingest ${fmt(seconds, 1)} s, ${fmt(n / seconds, 0)} documents/s; ${fmt(bytes / MB, 1)} MB on disk`);
  await rm(dir, { recursive: true, force: true });
}

/**
 * `tandem index` on a JSONL file of the same documents, as a fresh process, and what its first
 * pass (checking the whole file before anything is stored) costs: the same file with one bad line
 * at its end is refused only after that pass has read everything, having stored nothing.
 */
async function cliIngest(root: string, n: number, seed: number): Promise<void> {
  const file = join(root, `docs-${n}.jsonl`);
  await writeCorpusJsonl(file, new SpladeCorpus({ seed }), n);
  const size = (await stat(file)).size;
  const dir = join(root, `cli-${n}`);
  let t = performance.now();
  const indexed = spawnSync(process.execPath, [BIN, "index", file, "--index", dir], { encoding: "utf8", maxBuffer: 64 * MB });
  const total = (performance.now() - t) / 1000;
  if (indexed.status !== 0) throw new Error(`tandem index exited with ${indexed.status}: ${indexed.stderr}`);
  await appendFile(file, '{"id":"bad","sparse":{"a":-1}}\n');
  t = performance.now();
  const refused = spawnSync(process.execPath, [BIN, "index", file, "--index", join(root, `cli-refused-${n}`)], { encoding: "utf8", maxBuffer: 64 * MB });
  const check = (performance.now() - t) / 1000;
  if (refused.status !== 2) throw new Error(`tandem index of a file with a bad last line exited with ${refused.status}: ${refused.stderr}`);
  console.log(
    `tandem index of ${fmt(size / MB, 0)} MB of JSONL, fresh process: ${fmt(total, 1)} s wall, ${fmt(n / total, 0)} documents/s; ` +
      `checking the whole file first (a run refused at its last line): ${fmt(check, 1)} s (${fmt((100 * check) / total, 0)}% of the run)`,
  );
  await rm(dir, { recursive: true, force: true });
  await rm(file, { force: true });
}

function runProbe(dir: string, queryFile: string): ProbeResult {
  const r = spawnSync(process.execPath, ["--expose-gc", PROBE, dir, queryFile, String(K), "10"], { encoding: "utf8", maxBuffer: 64 * MB });
  if (r.status !== 0) throw new Error(`storage probe exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeResult;
}

async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

function printTable(figures: SizeFigures[]): void {
  const rows: (string | number)[][] = [
    ["documents", "postings", "bytes on disk", "bytes/posting", "open (s)", "RSS after open (MB)", "RSS / disk", "ingest (docs/s)", "query p50 (ms)", "query p95 (ms)", "tandem search (s)"],
  ];
  for (const f of figures) {
    rows.push([
      f.documents.toLocaleString("en"),
      f.postings.toLocaleString("en"),
      `${fmt(f.bytes / MB, 1)} MB`,
      fmt(f.bytes / f.postings),
      fmt(f.probe.openMs / 1000, 2),
      fmt(f.probe.rssAfterOpen / MB, 0),
      fmt(f.probe.rssAfterOpen / f.bytes, 2),
      fmt(f.ingestRate, 0),
      fmt(f.probe.p50, 2),
      fmt(f.probe.p95, 2),
      fmt(f.searchWallMs / 1000, 2),
    ]);
  }
  console.log(`\n### Summary (sparse only; open, RSS and queries in a fresh process)\n`);
  console.log(markdownTable(rows, rows[0]!.map(() => "right")));
  if (figures.length < 2) return;
  // Growth: the log-log slope between the smallest and largest size (1 = linear in N), and the factor per 10× documents.
  const first = figures[0]!;
  const last = figures[figures.length - 1]!;
  const decades = Math.log10(last.documents / first.documents);
  const metrics: [string, (f: SizeFigures) => number][] = [
    ["bytes on disk", (f) => f.bytes],
    ["open time", (f) => f.probe.openMs],
    ["RSS after open", (f) => f.probe.rssAfterOpen],
    ["ingest rate", (f) => f.ingestRate],
    ["query p50", (f) => f.probe.p50],
    ["query p95", (f) => f.probe.p95],
    ["tandem search wall", (f) => f.searchWallMs],
  ];
  const growth: (string | number)[][] = [["metric", `log-log slope (${first.documents.toLocaleString("en")} → ${last.documents.toLocaleString("en")})`, "factor per 10× documents"]];
  for (const [name, of] of metrics) {
    const ratio = of(last) / of(first);
    growth.push([name, fmt(Math.log10(ratio) / decades), `${fmt(Math.pow(ratio, 1 / decades))}×`]);
  }
  console.log(`\ngrowth with N:\n`);
  console.log(markdownTable(growth, ["left", "right", "right"]));
}

/**
 * Deleting 30% of a dense index and the compaction it triggers, against building the survivors
 * afresh. Deletes are one call for 30% (at the threshold, no compaction) and one more call for a
 * single document, which crosses it: that call is the compaction. Each index then answers one
 * query (work a design may leave for the first search) before recall is measured.
 */
async function denseCompaction(root: string, n: number, seed: number, queryCount: number): Promise<void> {
  console.log(`\n## Dense compaction: ${n.toLocaleString("en")} × 384 (cosine, default HNSW parameters), delete 30%`);
  const corpus = new SpladeCorpus({ seed: seed + 1 });
  const vectors = new Float32Array(n * corpus.dimension);
  const batches: Document[][] = [];
  for (let start = 0; start < n; start += BATCH) {
    const batch = corpus.nextBatch(Math.min(BATCH, n - start), true);
    vectors.set(batch.dense!, start * corpus.dimension);
    batches.push(toDocuments(batch, { dense: true }, corpus.dimension).map((d) => ({ id: d.id, dense: d.dense! })));
  }
  const queries = corpus.queries(queryCount, true).dense!;

  // Which documents go: a seeded choice of 30%, then one more.
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  // 29% first (clearly below the threshold), then the rest up to 30% and one more in the call that crosses it.
  const below = Math.floor(0.29 * n);
  const crossing = Math.floor(0.3 * n) + 1;
  const deleted = new Uint8Array(n);
  for (const i of order.slice(0, crossing)) deleted[i] = 1;

  const dir = join(root, `dense-${n}`);
  const index = await HybridIndex.open(dir);
  let t = performance.now();
  for (const docs of batches) await index.upsert(docs);
  const buildAll = (performance.now() - t) / 1000;
  const segmentsBuilt = (await index.stats()).segments;
  t = performance.now();
  await index.delete(order.slice(0, below).map((i) => `d${i}`));
  const firstDelete = (performance.now() - t) / 1000;
  const segmentsBelow = (await index.stats()).segments;
  t = performance.now();
  await index.delete(order.slice(below, crossing).map((i) => `d${i}`));
  const compaction = (performance.now() - t) / 1000;
  const segmentsAfter = (await index.stats()).segments;
  const compactedFirstQuery = await timeFirstQuery(index, queries.subarray(0, corpus.dimension));
  const compactedRecall = await recallAt10("compacted", index, queries, vectors, deleted, corpus.dimension);
  t = performance.now();
  await index.close();
  const compactedClose = (performance.now() - t) / 1000;

  const freshDir = join(root, `dense-fresh-${n}`);
  const fresh = await HybridIndex.open(freshDir);
  t = performance.now();
  for (const docs of batches) {
    const live = docs.filter((d) => deleted[Number(d.id.slice(1))] === 0);
    if (live.length > 0) await fresh.upsert(live);
  }
  const freshBuild = (performance.now() - t) / 1000;
  const freshFirstQuery = await timeFirstQuery(fresh, queries.subarray(0, corpus.dimension));
  const freshRecall = await recallAt10("fresh build", fresh, queries, vectors, deleted, corpus.dimension);
  t = performance.now();
  await fresh.close();
  const freshClose = (performance.now() - t) / 1000;
  await rm(dir, { recursive: true, force: true });
  await rm(freshDir, { recursive: true, force: true });

  const live = n - crossing;
  console.log(
    `build of all ${n.toLocaleString("en")}: ${fmt(buildAll, 1)} s; deleting ${below.toLocaleString("en")} (29%): ${fmt(firstDelete, 2)} s, then ${(crossing - below).toLocaleString("en")} more (past 30%): ${fmt(compaction, 2)} s; ` +
      `segments ${segmentsBuilt} after the build, ${segmentsBelow} after the first delete, ${segmentsAfter} after the second`,
  );
  if (segmentsAfter > segmentsBelow) console.log("note: the segment count did not drop in the call crossing 30%: this engine did not compact there");
  const rows: (string | number)[][] = [
    ["", "time (s)", "first query (s)", "close (s)", `recall@10, default ef (${queryCount} queries)`],
    [`compaction (the delete call crossing 30%)`, fmt(compaction, 2), fmt(compactedFirstQuery, 3), fmt(compactedClose, 2), fmt(compactedRecall, 4)],
    [`fresh build of the ${live.toLocaleString("en")} survivors`, fmt(freshBuild, 2), fmt(freshFirstQuery, 3), fmt(freshClose, 2), fmt(freshRecall, 4)],
  ];
  console.log(markdownTable(rows, ["left", "right", "right", "right", "right"]));
  const ratio = (compaction + compactedFirstQuery) / (freshBuild + freshFirstQuery);
  console.log(`compaction / fresh build (each until its first query answers): ${fmt(100 * ratio, 1)}%; recall@10 difference (compacted − fresh): ${fmt(compactedRecall - freshRecall, 4)}`);
}

async function timeFirstQuery(index: HybridIndex, query: Float32Array): Promise<number> {
  const t = performance.now();
  await index.search({ dense: query, k: K });
  return (performance.now() - t) / 1000;
}

/** Recall@10 of the index's dense search against an exact scan of the live vectors (all unit length: cosine = dot). */
async function recallAt10(label: string, index: HybridIndex, queries: Float32Array, vectors: Float32Array, deleted: Uint8Array, dim: number): Promise<number> {
  const n = deleted.length;
  const count = queries.length / dim;
  let found = 0;
  const ms: number[] = [];
  const bestIds = new Int32Array(K);
  const bestScores = new Float64Array(K);
  for (let q = 0; q < count; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    bestScores.fill(-Infinity);
    bestIds.fill(-1);
    for (let i = 0; i < n; i++) {
      if (deleted[i] === 1) continue;
      let dot = 0;
      const base = i * dim;
      for (let d = 0; d < dim; d++) dot += query[d]! * vectors[base + d]!;
      if (dot <= bestScores[K - 1]!) continue;
      let at = K - 1;
      while (at > 0 && bestScores[at - 1]! < dot) {
        bestScores[at] = bestScores[at - 1]!;
        bestIds[at] = bestIds[at - 1]!;
        at--;
      }
      bestScores[at] = dot;
      bestIds[at] = i;
    }
    const truth = new Set(Array.from(bestIds, (i) => `d${i}`));
    const t = performance.now();
    const { hits } = await index.search({ dense: query, k: K });
    ms.push(performance.now() - t);
    for (const hit of hits) if (truth.has(hit.id)) found++;
  }
  const latency = latencySummary(ms);
  console.log(`${label}: dense search at default ef, p50 ${fmt(latency.p50, 2)} ms, p95 ${fmt(latency.p95, 2)} ms`);
  return found / (K * count);
}
