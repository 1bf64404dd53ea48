import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { type Filter, HybridIndex, type SearchQuery, type SearchResult, type SparseVector } from "../../src/index.js";
import { CHECKOUT, ensureBmp, runBmp, type BmpResult } from "./bmp-runner.js";
import { linearImpact, writeCiff } from "./ciff-writer.js";
import { ForwardFile } from "./forward-file.js";
import { recallAtK } from "./recall-at-k.js";
import { signatureOrder } from "./signature-order.js";
import { sciFactSplade } from "./scifact-splade.js";
import { syntheticCorpus, type SparseBenchCorpus } from "./sparse-bench-corpus.js";
import { fmt, latencySummary, markdownTable } from "./stats.js";

const K = 10;
const BLOCK_SIZE = 32;
const MB = 1024 * 1024;
/** BMP scores are 16-bit integers (8-bit impacts × query weights quantized to at most 32). */
const BMP_SCORE_LIMIT = 65_535;
const BMP_QUERY_SCALE = 32;

export interface SparseBenchOptions {
  sizes: number[];
  queries: number;
  seed: number;
  /** Which collections: "synthetic" (one per size) and "scifact". */
  corpora: string[];
  /** Also run BMP (default); off measures Tandem alone. */
  bmp: boolean;
  json: boolean;
  /** Folder in which the working folder is made (default: the checkout's .cache). */
  dir?: string;
  keep: boolean;
  /** Block-max pruning factor of the approximate configurations (Tandem and BMP). */
  alpha: number;
  /** Query term pruning of the second approximate configuration: share of the query's weight kept. */
  termMass: number;
  maxTerms?: number;
  /** Bits of BMP's impacts (default 8, its format's most). */
  impactBits: number;
}

/**
 * The sparse leg's query options by name, widened here so the benchmark compiles against an engine
 * that does not have them yet (an engine that ignores them runs its only algorithm, exhaustive;
 * {@link runAlgorithm} tells those apart by `sparseExact` in the result).
 */
interface SparseAlgorithmOptions {
  sparseAlgorithm?: "auto" | "exhaustive" | "maxscore" | "blockmax";
  sparsePruning?: { alpha?: number; maxTerms?: number; termMass?: number };
}
type SparseResult = SearchResult & { sparseExact?: boolean };

interface Algorithm {
  label: string;
  options: SparseAlgorithmOptions;
  approximate: boolean;
}

function algorithms(o: SparseBenchOptions): Algorithm[] {
  const terms = { termMass: o.termMass, ...(o.maxTerms !== undefined ? { maxTerms: o.maxTerms } : {}) };
  const termLabel = [`termMass ${o.termMass}`, ...(o.maxTerms !== undefined ? [`maxTerms ${o.maxTerms}`] : [])].join(", ");
  return [
    { label: "exhaustive", options: { sparseAlgorithm: "exhaustive" }, approximate: false },
    { label: "maxscore", options: { sparseAlgorithm: "maxscore" }, approximate: false },
    { label: "blockmax", options: { sparseAlgorithm: "blockmax" }, approximate: false },
    { label: "auto", options: { sparseAlgorithm: "auto" }, approximate: false },
    { label: `blockmax ≈ α ${o.alpha}`, options: { sparseAlgorithm: "blockmax", sparsePruning: { alpha: o.alpha } }, approximate: true },
    { label: `blockmax ≈ α ${o.alpha}, ${termLabel}`, options: { sparseAlgorithm: "blockmax", sparsePruning: { alpha: o.alpha, ...terms } }, approximate: true },
  ];
}

/** Latency and recall of one configuration over the queries. */
interface RunFigures {
  engine: "Tandem" | "BMP";
  label: string;
  approximate: boolean;
  /** Why it did not run, when it did not. */
  unavailable?: string;
  p50: number;
  p95: number;
  p99: number;
  qps: number;
  recall: number;
  /** Run under a filter (its recall is against exhaustive under the same filter). */
  filtered?: boolean;
  /** Tandem: queries whose result said `sparseExact: true` (absent when the engine does not report it). */
  exactQueries?: number;
}

interface BmpFigures {
  order: "input" | "signature";
  ciffSeconds: number;
  buildSeconds: number;
  loadSeconds: number;
  bytesPerPosting: number;
  failedQueries: number;
}

interface CorpusFigures {
  corpus: string;
  documents: number;
  postings: number;
  queries: number;
  tandem: { buildSeconds: number; bytes: number; bytesPerPosting: number };
  impactBits: number;
  /** One per document order given to BMP. */
  bmp: BmpFigures[];
  /** The largest top score BMP should compute, and the queries whose top score passes its 16-bit range. */
  bmpExpectedScores: { largest: number; over: number };
  runs: RunFigures[];
}

/**
 * `npm run bench -- sparse`: the sparse leg's query algorithms side by side, and BMP (block-max
 * pruning over a blocked forward index, the PyPI package `bmp`) on the same documents and
 * queries. Per collection Tandem builds the index through the public API (sparse only), then for
 * each algorithm runs a warm-up pass and a timed pass of the queries (k 10, the sparse leg alone
 * fetching exactly 10); recall@10 is against the exhaustive algorithm's top 10. The same
 * documents, as a CIFF file of 8-bit impacts, go to BMP in its own process (block size 32,
 * alpha 1 and `alpha`, k 10, single thread), timed per query the same way.
 */
export async function sparseBench(options: SparseBenchOptions): Promise<void> {
  const log = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const python = options.bmp ? ensureBmp() : undefined;
  const parent = options.dir ?? join(CHECKOUT, ".cache");
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(join(parent, "sparse-bench-"));
  log(`\n## Sparse leg: query algorithms${python ? " and BMP" : ""} (k ${K}, ${options.queries} queries, warm-up pass first, single thread)`);
  log(`machine load (1/5/15 min) at start: ${loadavg().map((x) => fmt(x)).join(" / ")}; working folder ${root}`);
  const all: CorpusFigures[] = [];
  try {
    const corpora: (() => Promise<SparseBenchCorpus>)[] = [];
    if (options.corpora.includes("synthetic")) for (const n of options.sizes) corpora.push(async () => syntheticCorpus(n, options.queries, options.seed));
    if (options.corpora.includes("scifact")) corpora.push(() => sciFactSplade(join(CHECKOUT, "fixtures", "scifact", "vectors"), options.queries));
    for (const make of corpora) {
      const corpus = await make();
      const figures = await measureCorpus(root, corpus, options, python, log);
      all.push(figures);
      log(report(figures));
    }
    const synthetic = all.filter((f) => f.corpus.startsWith("SPLADE-like"));
    if (synthetic.length > 1) log(growth(synthetic));
    log(`\nmachine load (1/5/15 min) at end: ${loadavg().map((x) => fmt(x)).join(" / ")}`);
    if (options.json) console.log(JSON.stringify({ k: K, blockSize: BLOCK_SIZE, alpha: options.alpha, corpora: all }, null, 2));
  } finally {
    if (!options.keep) await rm(root, { recursive: true, force: true });
  }
}

async function measureCorpus(root: string, corpus: SparseBenchCorpus, options: SparseBenchOptions, python: string | undefined, log: (line: string) => void): Promise<CorpusFigures> {
  const slug = corpus.name.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
  const dir = join(root, `tandem-${slug}`);
  log(`\n### ${corpus.name}, ${corpus.queries.length} queries`);
  const forward = await ForwardFile.create(join(root, `forward-${slug}.bin`), corpus.vocabulary);

  // Build: upserts in runs of 10,000 and the close that persists them; the forward file for CIFF is written alongside, untimed.
  let buildSeconds = 0;
  const index = await HybridIndex.open(dir);
  try {
    for (const batch of corpus.batches()) {
      await forward.append(batch.offsets, batch.tokens, batch.weights);
      const t = performance.now();
      await index.upsert(batch.docs);
      buildSeconds += (performance.now() - t) / 1000;
    }
  } finally {
    const t = performance.now();
    await index.close();
    buildSeconds += (performance.now() - t) / 1000;
    await forward.finish();
  }
  const bytes = await bytesOnDisk(dir);
  log(`Tandem build: ${fmt(buildSeconds, 1)} s (${fmt(corpus.documents / buildSeconds, 0)} documents/s); ${forward.postings.toLocaleString("en")} postings, ${fmt(bytes / MB, 1)} MB on disk, ${fmt(bytes / forward.postings)} bytes per posting`);

  const runs: RunFigures[] = [];
  const reader = await HybridIndex.open(dir, { readOnly: true });
  let reference: string[][] = [];
  let topScores: number[] = [];
  try {
    for (const algorithm of algorithms(options)) {
      const outcome = await runAlgorithm(reader, corpus.queries, algorithm);
      if ("unavailable" in outcome) {
        runs.push({ engine: "Tandem", label: algorithm.label, approximate: algorithm.approximate, unavailable: outcome.unavailable, p50: NaN, p95: NaN, p99: NaN, qps: NaN, recall: NaN });
        log(`Tandem ${algorithm.label}: not available (${outcome.unavailable})`);
        continue;
      }
      if (algorithm.label === "exhaustive") {
        reference = outcome.ids;
        topScores = outcome.topScores;
      }
      const latency = latencySummary(outcome.ms);
      runs.push({ engine: "Tandem", label: algorithm.label, approximate: algorithm.approximate, ...latency, recall: recallAtK(reference, outcome.ids, K), exactQueries: outcome.exactQueries });
      log(`Tandem ${algorithm.label}: p50 ${fmt(latency.p50, 3)} ms, recall@${K} ${fmt(recallAtK(reference, outcome.ids, K), 4)}`);
    }
    // Filtered: block-max against exhaustive under the same filter (the reference for its recall).
    for (const { filter, share } of corpus.filters ?? []) {
      const label = `${fmt(share * 100, 1)}% filter`;
      const exhaustive = await runAlgorithm(reader, corpus.queries, { label: "exhaustive", options: { sparseAlgorithm: "exhaustive" }, approximate: false }, filter);
      const blockmax = await runAlgorithm(reader, corpus.queries, { label: "blockmax", options: { sparseAlgorithm: "blockmax" }, approximate: false }, filter);
      if ("unavailable" in exhaustive || "unavailable" in blockmax) continue;
      for (const [name, outcome] of [["exhaustive", exhaustive], ["blockmax", blockmax]] as const) {
        const latency = latencySummary(outcome.ms);
        const recall = recallAtK(exhaustive.ids, outcome.ids, K);
        runs.push({ engine: "Tandem", label: `${name}, ${label}`, approximate: false, filtered: true, ...latency, recall, exactQueries: outcome.exactQueries });
        log(`Tandem ${name}, ${label}: p50 ${fmt(latency.p50, 3)} ms, recall@${K} ${fmt(recall, 4)} against exhaustive under the filter`);
      }
    }
  } finally {
    await reader.close();
  }
  if (!options.keep) await rm(dir, { recursive: true, force: true });

  const bmp: BmpFigures[] = [];
  if (python) {
    const maxWeight = forward.maxWeight;
    const queryFile = join(root, `queries-${slug}.jsonl`);
    await writeFile(queryFile, corpus.queries.map((sparse, q) => JSON.stringify({ id: `q${q}`, sparse })).join("\n") + "\n");
    // BMP as given the documents, and after the reordering its paper applies first (here the cheap signature order).
    for (const order of ["input", "signature"] as const) {
      const ciff = join(root, `${slug}-${order}.ciff`);
      const bmpIndex = join(root, `${slug}-${order}.bmp`);
      let t = performance.now();
      const permutation = order === "signature" ? await signatureOrder(forward) : undefined;
      await writeCiff(ciff, forward, {
        termName: corpus.termName,
        docId: corpus.docId,
        impact: linearImpact(maxWeight, options.impactBits),
        ...(permutation ? { order: permutation } : {}),
        description: `${corpus.name}, ${order} order: ${options.impactBits}-bit impacts, linear to ${maxWeight}`,
      });
      const ciffSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      const result: BmpResult = runBmp(python, { ciff, index: bmpIndex, queries: queryFile, out: join(root, `bmp-${slug}-${order}.json`) }, K, BLOCK_SIZE, [1, options.alpha]);
      log(`BMP, ${order} order: CIFF written in ${fmt(ciffSeconds, 1)} s, ciff2bmp ${fmt(result.buildSeconds, 1)} s, load ${fmt(result.loadSeconds, 2)} s (${fmt((performance.now() - t) / 1000, 1)} s in all)`);
      for (const run of result.runs) {
        const latency = latencySummary(run.ms);
        runs.push({ engine: "BMP", label: `α ${run.alpha}, ${order} order`, approximate: run.alpha < 1, ...latency, recall: recallAtK(reference, run.ids, K) });
      }
      bmp.push({
        order,
        ciffSeconds,
        buildSeconds: result.buildSeconds,
        loadSeconds: result.loadSeconds,
        bytesPerPosting: result.indexBytes / forward.postings,
        failedQueries: Math.max(0, ...result.runs.map((r) => r.failed)),
      });
      if (!options.keep) for (const file of [ciff, bmpIndex]) await rm(file, { force: true });
    }
  }
  if (!options.keep) await rm(forward.path, { force: true });
  return {
    corpus: corpus.name,
    documents: corpus.documents,
    postings: forward.postings,
    queries: corpus.queries.length,
    tandem: { buildSeconds, bytes, bytesPerPosting: bytes / forward.postings },
    impactBits: options.impactBits,
    bmp,
    bmpExpectedScores: expectedBmpScores(topScores, corpus.queries, forward.maxWeight, options.impactBits),
    runs,
  };
}

/** `exactQueries` counts the results that said `sparseExact: true`, when the engine says it at all. */
type Outcome = { unavailable: string } | { ms: number[]; ids: string[][]; topScores: number[]; exactQueries?: number };

/**
 * One algorithm over the queries: a probe (is it there?), a warm-up pass, then the timed pass.
 * An engine that refuses the options, or ignores them (no `sparseExact` in its result), does not
 * have the algorithm — except exhaustive, which is what such an engine always runs.
 */
async function runAlgorithm(index: HybridIndex, queries: SparseVector[], algorithm: Algorithm, filter?: Filter): Promise<Outcome> {
  const query = (sparse: SparseVector): SearchQuery => {
    const q: SearchQuery & SparseAlgorithmOptions = { sparse, k: K, candidates: K, legs: ["sparse"], ...algorithm.options, ...(filter ? { filter } : {}) };
    return q;
  };
  try {
    const probe = (await index.search(query(queries[0]!))) as SparseResult;
    if (probe.sparseExact === undefined && algorithm.label !== "exhaustive") return { unavailable: "this engine ignores sparseAlgorithm" };
  } catch (error) {
    return { unavailable: `refused: ${(error as Error).message}` };
  }
  for (const sparse of queries) await index.search(query(sparse));
  const ms: number[] = [];
  const ids: string[][] = [];
  const topScores: number[] = [];
  let exactQueries = 0;
  let reported = false;
  for (const sparse of queries) {
    const t = performance.now();
    const result = (await index.search(query(sparse))) as SparseResult;
    ms.push(performance.now() - t);
    ids.push(result.hits.map((h) => h.id));
    topScores.push(result.hits[0]?.legs.sparse?.score ?? 0);
    if (result.sparseExact !== undefined) reported = true;
    if (result.sparseExact === true) exactQueries++;
  }
  return { ms, ids, topScores, ...(reported ? { exactQueries } : {}) };
}

/**
 * The largest BMP score each query should reach, from the exact top scores: impacts scale weights
 * by (2^bits − 1) / the largest weight and BMP scales each query to a largest weight of 32. Past
 * 65,535 BMP's 16-bit scores wrap (its rankings then lose those documents). Returns the largest
 * over the queries and how many pass the limit.
 */
function expectedBmpScores(topScores: number[], queries: SparseVector[], maxWeight: number, bits: number): { largest: number; over: number } {
  let largest = 0;
  let over = 0;
  for (const [q, score] of topScores.entries()) {
    const queryMax = Math.max(...Object.values(queries[q]!));
    const expected = score * ((2 ** bits - 1) / maxWeight) * (BMP_QUERY_SCALE / queryMax);
    largest = Math.max(largest, expected);
    if (expected > BMP_SCORE_LIMIT) over++;
  }
  return { largest, over };
}

async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const ms = (x: number) => (Number.isNaN(x) ? "" : fmt(x, 3));

function report(f: CorpusFigures): string {
  const rows: (string | number)[][] = [["engine", "algorithm", "p50 (ms)", "p95 (ms)", "p99 (ms)", "queries/s", `recall@${K}`, "exact results"]];
  for (const r of f.runs) {
    if (r.unavailable) {
      rows.push([r.engine, r.label, "not available", "", "", "", "", ""]);
      continue;
    }
    const exact = r.engine === "BMP" ? `no (${f.impactBits}-bit impacts)` : r.exactQueries === undefined ? "(not reported)" : `${r.exactQueries}/${f.queries}`;
    rows.push([r.engine, r.label, ms(r.p50), ms(r.p95), ms(r.p99), fmt(r.qps, 0), fmt(r.recall, 4), exact]);
  }
  const lines = [`\n#### ${f.corpus}: ${f.postings.toLocaleString("en")} postings, ${f.queries} queries\n`, markdownTable(rows, ["left", "left", "right", "right", "right", "right", "right", "right"])];
  lines.push(`\nTandem: build ${fmt(f.tandem.buildSeconds, 1)} s, ${fmt(f.tandem.bytes / MB, 1)} MB on disk, ${fmt(f.tandem.bytesPerPosting)} bytes per posting.`);
  for (const b of f.bmp) {
    lines.push(
      `BMP, ${b.order} order: CIFF ${fmt(b.ciffSeconds, 1)} s + ciff2bmp ${fmt(b.buildSeconds, 1)} s, index ${fmt(b.bytesPerPosting)} bytes per posting` +
        (b.failedQueries > 0 ? `; ${b.failedQueries} queries failed inside BMP (counted as no hits)` : "") +
        ".",
    );
  }
  const unfiltered = f.runs.find((r) => r.engine === "Tandem" && r.label === "blockmax");
  for (const r of f.runs.filter((x) => x.filtered && x.label.startsWith("blockmax") && unfiltered)) {
    lines.push(`Tandem ${r.label}: p50 ${fmt(r.p50 / unfiltered!.p50)}× the unfiltered block-max p50, recall@${K} ${fmt(r.recall, 4)} against exhaustive under the filter.`);
  }
  if (f.bmp.length > 0) {
    const e = f.bmpExpectedScores;
    lines.push(`BMP's scores are 16-bit: largest top score expected ${fmt(e.largest, 0)}, ${e.over} of ${f.queries} queries past ${BMP_SCORE_LIMIT} (where they wrap).`);
    lines.push(...ratios(f));
  }
  return lines.join("\n");
}

/**
 * Tandem / BMP p50 and p95 at equal or nearest recall: Tandem's fastest exact algorithm against
 * each BMP run at α 1, the approximate configuration of nearest recall against each at α < 1.
 */
function ratios(f: CorpusFigures): string[] {
  const ran = f.runs.filter((r) => !r.unavailable);
  const fastestExact = ran.filter((r) => r.engine === "Tandem" && !r.approximate && !r.filtered).sort((a, b) => a.p50 - b.p50)[0];
  const approximate = ran.filter((r) => r.engine === "Tandem" && r.approximate);
  const out: string[] = [];
  for (const peer of ran.filter((r) => r.engine === "BMP")) {
    const tandem = peer.approximate
      ? [...approximate].sort((a, b) => Math.abs(a.recall - peer.recall) - Math.abs(b.recall - peer.recall) || a.p50 - b.p50)[0]
      : fastestExact;
    if (!tandem) {
      out.push(`- BMP ${peer.label}: no ${peer.approximate ? "approximate" : "exact"} Tandem configuration available`);
      continue;
    }
    out.push(
      `- Tandem ${tandem.label} (recall ${fmt(tandem.recall, 4)}) / BMP ${peer.label} (recall ${fmt(peer.recall, 4)}): ` +
        `p50 ${fmt(tandem.p50 / peer.p50)}×, p95 ${fmt(tandem.p95 / peer.p95)}×`,
    );
  }
  return ["\nlatency ratio Tandem / BMP at equal or nearest recall:\n", ...out];
}

/** p50 per configuration at each size, and its ratio between consecutive sizes. */
function growth(figures: CorpusFigures[]): string {
  const header: string[] = ["engine", "algorithm"];
  for (const [i, f] of figures.entries()) {
    header.push(`p50 at ${f.documents.toLocaleString("en")} (ms)`);
    if (i > 0) header.push(`× (${f.documents / figures[i - 1]!.documents}× documents)`);
  }
  const rows: (string | number)[][] = [header];
  for (const r of figures[0]!.runs) {
    const row: (string | number)[] = [r.engine, r.label];
    for (const [i, f] of figures.entries()) {
      const p50 = f.runs.find((x) => x.engine === r.engine && x.label === r.label)?.p50 ?? NaN;
      row.push(Number.isNaN(p50) ? "not available" : fmt(p50, 3));
      if (i > 0) {
        const before = figures[i - 1]!.runs.find((x) => x.engine === r.engine && x.label === r.label)?.p50 ?? NaN;
        row.push(Number.isNaN(p50 / before) ? "" : `${fmt(p50 / before)}×`);
      }
    }
    rows.push(row);
  }
  return `\n### Growth with N (p50, SPLADE-like corpus)\n\n${markdownTable(rows, header.map((_, c) => (c < 2 ? "left" : "right")))}`;
}
