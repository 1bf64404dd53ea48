import { type SearchQuery } from "../../src/index.js";
import { resolveQuery, runSearch, type LegBackend } from "../../src/backend.js";
import { calibrate, collectCalibrationData } from "../../src/eval/calibrate.js";
import { openHybridCollection, SCIFACT } from "./hybrid-collection.js";
import { markdownTable } from "./stats.js";

/** Per-query time split: the legs' retrieval, score completion, and the rest of the pipeline. */
interface Split {
  total: number;
  retrieve: number;
  complete: number;
}

/** The embedded engine behind the index, wrapped so the time spent in each backend call is counted. */
function timedBackend(engine: LegBackend, split: Split): LegBackend {
  const time = async <T>(key: "retrieve" | "complete", call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await call();
    } finally {
      split[key] += performance.now() - started;
    }
  };
  return {
    retrieve: (legs, query, candidates) => time("retrieve", () => engine.retrieve(legs, query, candidates)),
    complete: (requests, query) => time("complete", () => engine.complete(requests, query)),
    locate: (ids, query) => engine.locate(ids, query),
    explainSparse: (query, ids) => engine.explainSparse(query, ids),
  };
}

/**
 * `npm run bench -- overhead`: what fusion, score completion, calibration and relevance
 * filtering add to a hybrid query (BM25 + MiniLM + text on SciFact's test claims): each search
 * runs the pipeline over the embedded engine with every backend call timed, so the time outside
 * retrieval is what the pipeline adds. Variants run interleaved, query by query, several rounds.
 */
export async function overheadBench(rounds = 5): Promise<void> {
  const collection = await openHybridCollection(SCIFACT);
  try {
    const engine = (collection.index as unknown as { engine: LegBackend & { denseDimension: number | null; metric: "cosine"; hasTextLeg: boolean } }).engine;
    const caps = { dimension: engine.denseDimension, metric: engine.metric, textLeg: engine.hasTextLeg };
    const train = await collection.split("train");
    const { model } = calibrate(await collectCalibrationData(collection.index, train.queries.slice(0, 300), train.qrels));
    const test = await collection.split("test");
    for (const exact of [false, true]) {
      const variants: [string, (q: SearchQuery) => SearchQuery][] = [
        ["rrf, no completion", (q) => ({ ...q, exact, fusion: { method: "rrf", completion: false } })],
        ["default fusion (convex zscore, completion)", (q) => ({ ...q, exact })],
        ["default + calibration + minProbability", (q) => ({ ...q, exact, calibration: model, relevance: { minProbability: model.threshold! } })],
      ];
      const splits = variants.map(() => ({ total: 0, retrieve: 0, complete: 0 }));
      for (let round = 0; round < rounds; round++) {
        for (const q of test.queries) {
          for (let v = 0; v < variants.length; v++) {
            const split = splits[v]!;
            const query = resolveQuery(variants[v]![1]({ ...q.query, exact: undefined }), caps);
            const started = performance.now();
            await runSearch(timedBackend(engine, split), query);
            split.total += performance.now() - started;
          }
        }
      }
      const n = rounds * test.queries.length;
      const ms = (x: number) => (x / n).toFixed(3);
      const rows = [["variant", "total ms", "retrieval ms", "completion ms", "fusion + rest ms", "added to retrieval", "share of query time outside retrieval"]];
      for (const [v, [label]] of variants.entries()) {
        const s = splits[v]!;
        const added = s.total - s.retrieve;
        rows.push([label, ms(s.total), ms(s.retrieve), ms(s.complete), ms(s.total - s.retrieve - s.complete), `${((100 * added) / s.retrieve).toFixed(1)}%`, `${((100 * added) / s.total).toFixed(1)}%`]);
      }
      console.log(`\n### Pipeline overhead, ${exact ? "exact legs" : "HNSW dense leg (default)"}: ${test.queries.length} SciFact test claims × ${rounds} rounds, sparse + dense + text, 100 candidates\n`);
      console.log(markdownTable(rows, ["left", "right", "right", "right", "right", "right", "right"]));
    }
  } finally {
    await collection.close();
  }
}
