import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateRun, HybridIndex, type FusionOptions, type LegName, type SearchQuery, type SparseVector } from "../../src/index.js";
import { DEFAULT_FUSION_METHOD, DEFAULT_NORMALIZER, TEXT_WEIGHT_BESIDE_SPARSE } from "../../src/fusion/fusion-defaults.js";
import { Bm25Encoder } from "../../plugins/encoders/index.js";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { readBeirCorpus, readBeirSplit, type BeirCorpus, type BeirSplit } from "./beir-collection.js";
import { BenchDenseVectors } from "./bench-dense-vectors.js";
import { compareDefault, legsKey, summarizeComparisons, type DefaultComparison, type MeasuredRun } from "./default-fusion-comparison.js";
import { markdownTable } from "./stats.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
export const DEFAULT_COLLECTIONS = [join(ROOT, "fixtures", "scifact")];
const CACHE_DIR = join(ROOT, ".cache", "bench-vectors");
const MODEL_DIR = join(ROOT, ".cache", "models", "all-MiniLM-L6-v2");

const LEGS: readonly LegName[] = ["sparse", "dense", "text"];
const COMBINATIONS: readonly LegName[][] = [
  ["sparse", "dense"],
  ["sparse", "dense", "text"],
  ["dense", "text"],
  ["sparse", "text"],
];
const TEXT_WEIGHTS = [0.1, 0.2, 0.3, 0.5, 1];
/** Every run returns the whole fusion window, so recall@100 sees all of it. */
const WINDOW = 100;

/** A way to run a query: a leg alone, the default fusion (no `fusion` option at all) or a fixed method. */
interface Setting {
  label: string;
  kind: MeasuredRun["kind"];
  legs: readonly LegName[];
  fusion?: FusionOptions;
}

/**
 * The methods set explicitly on a combination. Every leg weighs 1, so these rows keep their
 * meaning whatever the default weights are; the three-leg combination also sweeps the text
 * leg's weight under convex zscore.
 */
function fixedSettings(legs: readonly LegName[]): Setting[] {
  const weights = Object.fromEntries(legs.map((leg) => [leg, 1])) as Partial<Record<LegName, number>>;
  const methods: [string, FusionOptions][] = [
    ["rrf (k 60)", { method: "rrf", rankConstant: 60, weights }],
    ...(["minmax", "zscore", "tmm", "l2"] as const).map((normalize): [string, FusionOptions] => [`convex ${normalize}`, { method: "convex", normalize, weights }]),
    ["dbsf", { method: "dbsf", weights }],
  ];
  if (legs.length === 3) {
    for (const text of TEXT_WEIGHTS) methods.push([`convex zscore, text ${text}`, { method: "convex", normalize: "zscore", weights: { ...weights, text } }]);
  }
  return methods.map(([label, fusion]) => ({ label, kind: "fixed", legs, fusion }));
}

function settings(): Setting[] {
  return [
    ...LEGS.map((leg): Setting => ({ label: `${leg} alone`, kind: "leg", legs: [leg] })),
    ...COMBINATIONS.flatMap((legs): Setting[] => [{ label: "default", kind: "default", legs }, ...fixedSettings(legs)]),
  ];
}

/** A judged query with every leg's input. */
interface BenchQuery {
  id: string;
  text: string;
  sparse: SparseVector;
  dense: Float32Array;
}

/** nDCG@10 and recall@100 of one setting over the queries, every query through `HybridIndex.search`. */
async function measure(index: HybridIndex, queries: readonly BenchQuery[], split: BeirSplit, setting: Setting): Promise<MeasuredRun> {
  const run = new Map<string, string[]>();
  for (const q of queries) {
    const query: SearchQuery = { text: q.text, sparse: q.sparse, dense: q.dense, legs: [...setting.legs], k: WINDOW, candidates: WINDOW, exact: true };
    if (setting.fusion) query.fusion = setting.fusion;
    run.set(q.id, (await index.search(query)).hits.map((h) => h.id));
  }
  const summary = evaluateRun(run, new Map([...split.qrels].filter(([id]) => run.has(id))));
  return { legs: setting.legs, label: setting.label, kind: setting.kind, ndcg: summary["ndcg@10"], recall: summary["recall@100"] };
}

/** One collection and split's figures, one column per combination, "nDCG@10 · R@100" per cell. */
function resultTable(runs: readonly MeasuredRun[]): string {
  const cell = (r: MeasuredRun | undefined) => (r ? `${r.ndcg.toFixed(4)} · ${r.recall.toFixed(3)}` : "");
  const labels = [...new Set(runs.filter((r) => r.kind !== "leg").map((r) => r.label))];
  const rows: string[][] = [["run", ...COMBINATIONS.map(legsKey)]];
  for (const leg of LEGS) {
    const alone = runs.find((r) => r.kind === "leg" && r.legs[0] === leg);
    rows.push([`${leg} alone`, ...COMBINATIONS.map((c) => (c.includes(leg) ? cell(alone) : ""))]);
  }
  for (const label of labels) rows.push([label, ...COMBINATIONS.map((c) => cell(runs.find((r) => r.kind !== "leg" && r.label === label && legsKey(r.legs) === legsKey(c))))]);
  return markdownTable(rows, ["left", ...COMBINATIONS.map(() => "right" as const)]);
}

/** +0.0312, −0.0040, and 0.0000 for a difference that rounds to nothing. */
const signed = (x: number) => (Math.abs(x) < 0.00005 ? "0.0000" : `${x > 0 ? "+" : "−"}${Math.abs(x).toFixed(4)}`);

function summaryTables(measured: readonly { name: string; comparisons: DefaultComparison[] }[]): string {
  const rows: string[][] = [["collection", "legs", "default", "best leg alone", "margin", "best fixed method", "gap"]];
  for (const { name, comparisons } of measured) {
    for (const c of comparisons) {
      rows.push([name, legsKey(c.legs), c.defaultNdcg.toFixed(4), `${c.bestLeg.ndcg.toFixed(4)} (${c.bestLeg.label})`, signed(c.margin), `${c.bestFixed.ndcg.toFixed(4)} (${c.bestFixed.label})`, signed(c.gap)]);
    }
  }
  const overall: string[][] = [["legs", "default beat its best leg", "worst margin", "mean margin", "worst gap", "mean gap"]];
  for (const s of summarizeComparisons(measured.map((m) => m.comparisons))) {
    overall.push([legsKey(s.legs), `${s.wins} of ${s.collections}`, signed(s.worstMargin), signed(s.meanMargin), signed(s.worstGap), signed(s.meanGap)]);
  }
  return [
    markdownTable(rows, ["left", "left", "right", "right", "right", "right", "right"]),
    "",
    markdownTable(overall, ["left", "right", "right", "right", "right", "right"]),
  ].join("\n");
}

/** Indexes a collection's documents with the three legs: BM25 sparse vectors, MiniLM dense vectors, FlexSearch text. */
async function indexCollection(dir: string, corpus: BeirCorpus, vectors: BenchDenseVectors): Promise<{ index: HybridIndex; bm25: Bm25Encoder }> {
  const texts = corpus.documents.map((d) => d.text);
  const bm25 = Bm25Encoder.fit(texts);
  const sparse = await bm25.encodeDocuments(texts);
  const dense = await vectors.documents(corpus.file, corpus.documents);
  const index = await HybridIndex.open(dir, { textIndex: flexSearchTextIndex() });
  try {
    await index.upsert(
      corpus.documents.map((d, i) => {
        const v = dense.get(d.id);
        if (!v) throw new Error(`${corpus.file}: no dense vector for document "${d.id}"`);
        return { id: d.id, text: d.text, sparse: sparse[i], dense: v };
      }),
    );
  } catch (err) {
    await index.close();
    throw err;
  }
  return { index, bm25 };
}

/**
 * `npm run bench -- fusion [--collections <beir-folder>,…] [--splits test,train]`: nDCG@10 and
 * recall@100 of each leg alone and of each leg combination under the default fusion and under
 * every fixed method, on real collections with real relevance judgements, all through
 * `HybridIndex.search` (exact legs, 100 candidates per leg, 100 hits). Prints one table per
 * collection and split, then how the default compares with the best leg alone and the best fixed
 * method. A split a collection does not have is skipped with a note.
 */
export async function fusionBench(collections: readonly string[], splits: readonly string[]): Promise<void> {
  const measured: { name: string; comparisons: DefaultComparison[] }[] = [];
  const all = settings();
  console.log(`\nFusion: ${all.length} runs per collection and split, every query through HybridIndex.search (exact, ${WINDOW} candidates per leg, k ${WINDOW})`);
  console.log(
    `Cells are nDCG@10 · recall@100. "default" passes no fusion options (now ${DEFAULT_FUSION_METHOD} ${DEFAULT_NORMALIZER}, the text leg at ` +
      `${TEXT_WEIGHT_BESIDE_SPARSE} beside a sparse leg, else 1); the fixed methods weigh every leg 1 unless a text weight is named.`,
  );
  for (const folder of collections) {
    const corpus = await readBeirCorpus(folder);
    const vectors = await BenchDenseVectors.open(corpus.name, folder, CACHE_DIR, MODEL_DIR);
    const dir = await mkdtemp(join(tmpdir(), "tandem-bench-fusion-"));
    try {
      const started = performance.now();
      const { index, bm25 } = await indexCollection(dir, corpus, vectors);
      const indexed = (performance.now() - started) / 1000;
      try {
        for (const name of splits) {
          const split = await readBeirSplit(folder, name).catch((err: Error) => {
            console.log(`\n${corpus.name} (${name}): skipped, ${err.message}`);
            return undefined;
          });
          if (!split) continue;
          const dense = await vectors.queries(split.queriesFile, name, split.queries);
          const judged = split.queries.filter((q) => split.qrels.has(q.id));
          const queries = judged.map((q): BenchQuery => {
            const v = dense.get(q.id);
            if (!v) throw new Error(`${split.queriesFile}: no dense vector for query "${q.id}"`);
            return { id: q.id, text: q.text, sparse: bm25.encodeQuerySync(q.text), dense: v };
          });
          const runStarted = performance.now();
          const runs: MeasuredRun[] = [];
          for (const setting of all) runs.push(await measure(index, queries, split, setting));
          console.log(`\n### ${corpus.name} (${name}): ${corpus.documents.length.toLocaleString("en")} documents, ${queries.length.toLocaleString("en")} judged queries`);
          const [documentSource, querySource] = [vectors.source("corpus", name), vectors.source("queries", name)];
          const sources = documentSource === querySource ? `documents and queries ${documentSource}` : `documents ${documentSource}, queries ${querySource}`;
          console.log(
            `Dense vectors of ${sources}. Indexed in ${indexed.toFixed(1)} s; ${all.length} × ${queries.length} searches in ` +
              `${((performance.now() - runStarted) / 1000).toFixed(1)} s.\n`,
          );
          console.log(resultTable(runs));
          measured.push({ name: `${corpus.name} (${name})`, comparisons: compareDefault(runs) });
        }
      } finally {
        await index.close();
      }
    } finally {
      await vectors.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (measured.length === 0) return;
  console.log("\n### The default against the best leg alone and the best fixed method (nDCG@10)\n");
  console.log(summaryTables(measured));
}
