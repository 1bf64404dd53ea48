import { parseBenchArgs, type BenchArgs } from "./bench-args.js";
import { calibrationBench } from "./calibration-bench.js";
import { denseApiBench } from "./dense-api-bench.js";
import { denseBench } from "./dense-bench.js";
import { elasticsearchBench } from "./elasticsearch-bench.js";
import { elasticsearchScaleBench } from "./elasticsearch-scale-bench.js";
import { openSearchKnnBench } from "./opensearch-knn-bench.js";
import { DEFAULT_COLLECTIONS, fusionBench } from "./fusion-bench.js";
import { SpladeCorpus, writeCorpusJsonl, writeQueriesJsonl } from "./splade-corpus.js";
import { sparseBench } from "./sparse-bench.js";
import { storageBench } from "./storage-bench.js";
import { overheadBench } from "./overhead-bench.js";
import { tuneBench } from "./tune-bench.js";

/**
 * `npm run bench -- [dense] [--sizes 100000] [--dim 384] [--queries 200] [--rounds 3] [--candidates N]`: through the public API
 *   against hnswlib-node, alternating (queries/s at equal recall 0.90/0.95/0.99, per-query overhead at ef 10, build)
 * `npm run bench -- dense --graph-level [--sizes 10000,100000] [--dim 384] [--queries 200] [--kernel simd|js] [--orders random,by-topic] [--int8-only]`:
 *   the graph alone (both insertion orders, filtered recall, int8 vs float32)
 * `npm run bench -- elasticsearch [--es-url http://127.0.0.1:9200]` (a cluster from `npm run es:start`): SciFact
 * `npm run bench -- elasticsearch-scale [--es-url …] [--docs 100000] [--queries 200] [--sweep] [--sweep-docs 10000] [--keep]` (start the cluster with ES_HEAP=2g)
 * `npm run bench -- opensearch-knn [--es-url …] [--docs 100000] [--queries 50] [--efs 100,200,400] [--keep]` (ES_DISTRIBUTION=opensearch ES_HEAP=2g)
 *   the scale benchmark's vectors on OpenSearch: approximate k-NN recall@10 against exact
 * `npm run bench -- storage [--sizes 100000,300000,1000000] [--dense-size 100000] [--queries 200] [--seed 42] [--dir <dir>] [--keep] [--sparse-only] [--text-size 100000]`
 * `npm run bench -- sparse [--sizes 100000,300000,1000000] [--queries 200] [--corpora synthetic,scifact] [--alpha 0.9] [--term-mass 0.9] [--max-terms N] [--impact-bits 8] [--seed 42] [--no-bmp] [--json] [--dir <dir>] [--keep]`
 *   the sparse leg's query algorithms side by side with BMP (PyPI `bmp`, installed on first use into .cache/bmp/venv)
 * `npm run bench -- corpus --size 1000000 --out docs.jsonl [--queries-out queries.jsonl] [--queries 200] [--seed 42] [--with dense,text,fields]`
 *   writes the storage benchmark's SPLADE-like corpus as JSONL for `tandem index`
 * `npm run bench -- calibration [--collection <beir-folder>]` (default fixtures/scifact: train queries fit, test queries measure)
 * `npm run bench -- overhead [--rounds 5]` (what fusion, completion, calibration and filtering add to a hybrid query on SciFact)
 * `npm run bench -- tune [--collection <beir-folder>]` (tune on the train queries against the best configuration on the test queries)
 * `npm run bench -- fusion [--collections <beir-folder>,<beir-folder>…] [--splits test,train]` (default: fixtures/scifact, test)
 * Prints tables of figures measured side by side with peers in the same process.
 */
let parsed: BenchArgs;
try {
  parsed = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(2);
}
const { suites, option, given, flag } = parsed;
const run = (name: string) => (suites.length === 0 && name === "dense") || suites.includes(name);

if (run("dense") && !flag("graph-level")) {
  await denseApiBench({
    sizes: option("sizes", "100000").split(",").map(Number),
    dimension: Number(option("dim", "384")),
    queries: Number(option("queries", "200")),
    params: { M: Number(option("M", "16")), efConstruction: Number(option("ef-construction", "200")), seed: 42 },
    rounds: Number(option("rounds", "3")),
    candidates: given("candidates") ? Number(option("candidates", "")) : undefined,
  });
}

if (run("dense") && flag("graph-level")) {
  const sizes = option("sizes", "10000,100000").split(",").map(Number);
  await denseBench(sizes, Number(option("dim", "384")), Number(option("queries", "200")), {
    M: Number(option("M", "16")),
    efConstruction: Number(option("ef-construction", "200")),
    seed: 42,
  }, option("kernel", "simd") === "js" ? "js" : "simd", option("orders", "random,by-topic").split(",") as ("random" | "by-topic")[], flag("int8-only"));
}

if (run("elasticsearch")) {
  await elasticsearchBench(option("es-url", process.env.TANDEM_ES_URL ?? "http://127.0.0.1:9200"));
}

if (run("elasticsearch-scale")) {
  await elasticsearchScaleBench(option("es-url", process.env.TANDEM_ES_URL ?? "http://127.0.0.1:9200"), {
    docs: Number(option("docs", "100000")),
    queries: Number(option("queries", "200")),
    sweep: flag("sweep"),
    sweepDocs: Number(option("sweep-docs", "10000")),
    keep: flag("keep"),
  });
}

if (run("opensearch-knn")) {
  await openSearchKnnBench(option("es-url", process.env.TANDEM_ES_URL ?? "http://127.0.0.1:9200"), {
    docs: Number(option("docs", "100000")),
    queries: Number(option("queries", "50")),
    efs: option("efs", "100,200,400").split(",").map(Number),
    keep: flag("keep"),
  });
}

if (run("fusion")) {
  await fusionBench(option("collections", DEFAULT_COLLECTIONS.join(",")).split(","), option("splits", "test").split(","));
}

if (run("storage")) {
  await storageBench({
    sizes: option("sizes", "100000,300000,1000000").split(",").map(Number),
    denseSize: Number(option("dense-size", "100000")),
    queries: Number(option("queries", "200")),
    seed: Number(option("seed", "42")),
    dir: given("dir") ? option("dir", "") : undefined,
    keep: flag("keep"),
    sparseOnly: flag("sparse-only"),
    textSize: Number(option("text-size", "0")),
  });
}

if (run("sparse")) {
  await sparseBench({
    sizes: option("sizes", "100000,300000,1000000").split(",").map(Number),
    queries: Number(option("queries", "200")),
    seed: Number(option("seed", "42")),
    corpora: option("corpora", "synthetic,scifact").split(","),
    bmp: !flag("no-bmp"),
    json: flag("json"),
    dir: given("dir") ? option("dir", "") : undefined,
    keep: flag("keep"),
    alpha: Number(option("alpha", "0.9")),
    termMass: Number(option("term-mass", "0.9")),
    maxTerms: given("max-terms") ? Number(option("max-terms", "")) : undefined,
    impactBits: Number(option("impact-bits", "8")),
  });
}

if (run("corpus")) {
  const parts = option("with", "").split(",");
  const corpus = new SpladeCorpus({ seed: Number(option("seed", "42")) });
  const started = performance.now();
  await writeCorpusJsonl(option("out", "docs.jsonl"), corpus, Number(option("size", "100000")), { dense: parts.includes("dense"), text: parts.includes("text"), fields: parts.includes("fields") });
  if (given("queries-out")) await writeQueriesJsonl(option("queries-out", "queries.jsonl"), corpus.queries(Number(option("queries", "200")), parts.includes("dense")));
  console.log(`wrote ${option("size", "100000")} documents in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (run("calibration")) {
  await calibrationBench(option("collection", "") || undefined);
}

if (run("overhead")) {
  await overheadBench(Number(option("rounds", "5")));
}

if (run("tune")) {
  await tuneBench(option("collection", "") || undefined);
}
