import { calibrationBench } from "./calibration-bench.js";
import { denseBench } from "./dense-bench.js";
import { elasticsearchBench } from "./elasticsearch-bench.js";
import { DEFAULT_COLLECTIONS, fusionBench } from "./fusion-bench.js";
import { overheadBench } from "./overhead-bench.js";

/**
 * `npm run bench -- [dense] [--sizes 10000,100000] [--dim 384] [--queries 200] [--kernel simd|js] [--orders random,by-topic] [--int8-only]`
 * `npm run bench -- elasticsearch [--es-url http://127.0.0.1:9200]` (a cluster from `npm run es:start`)
 * `npm run bench -- calibration [--collection <beir-folder>]` (default fixtures/scifact: train queries fit, test queries measure)
 * `npm run bench -- overhead [--rounds 5]` (what fusion, completion, calibration and filtering add to a hybrid query on SciFact)
 * `npm run bench -- fusion [--collections <beir-folder>,<beir-folder>…] [--splits test,train]` (default: fixtures/scifact, test)
 * Prints tables of figures measured side by side with peers in the same process.
 */
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const suites = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1]!.startsWith("--")));
const run = (name: string) => (suites.length === 0 && name === "dense") || suites.includes(name);

if (run("dense")) {
  const sizes = option("sizes", "10000,100000").split(",").map(Number);
  await denseBench(sizes, Number(option("dim", "384")), Number(option("queries", "200")), {
    M: Number(option("M", "16")),
    efConstruction: Number(option("ef-construction", "200")),
    seed: 42,
  }, option("kernel", "simd") === "js" ? "js" : "simd", option("orders", "random,by-topic").split(",") as ("random" | "by-topic")[], args.includes("--int8-only"));
}

if (run("elasticsearch")) {
  await elasticsearchBench(option("es-url", process.env.TANDEM_ES_URL ?? "http://127.0.0.1:9200"));
}

if (run("fusion")) {
  await fusionBench(option("collections", DEFAULT_COLLECTIONS.join(",")).split(","), option("splits", "test").split(","));
}

if (run("calibration")) {
  await calibrationBench(option("collection", "") || undefined);
}

if (run("overhead")) {
  await overheadBench(Number(option("rounds", "5")));
}
