import { calibrate, collectCalibrationData, thresholdCurve, type LabelledQuery } from "../../src/eval/calibrate.js";
import { calibrationError, evaluateRun, keptSetMetrics, type Qrels } from "../../src/index.js";
import { recallAt } from "../../src/eval/metrics.js";
import { openHybridCollection, SCIFACT } from "./hybrid-collection.js";
import { markdownTable } from "./stats.js";

const f = (x: number) => x.toFixed(4);

/**
 * `npm run bench -- calibration [--collection <beir-folder>]`: fits a calibration model on the
 * train queries (threshold chosen there, from out-of-fold probabilities), then runs the test
 * queries through `HybridIndex.search` with the model and `minProbability` at that threshold:
 * ECE of the probabilities, and the kept set against the plain top 10.
 */
export async function calibrationBench(folder = SCIFACT): Promise<void> {
  const collection = await openHybridCollection(folder);
  try {
    const train = await collection.split("train");
    const test = await collection.split("test");
    const started = performance.now();
    const data = await collectCalibrationData(collection.index, train.queries, train.qrels);
    const { model, report } = calibrate(data);
    console.log(`\n### Calibration on ${collection.name}: fitted on ${report.queries} train queries (${report.hits} hits) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(`Train, out-of-fold: ECE ${f(report.ece)} (top 10: ${f(report.eceTop10)}), threshold ${report.threshold}, kept F1 ${f(report.kept.f1)} vs top-10 F1 ${f(report.top10.f1)}, recall@10 ${f(report.recallAt10)} vs ${f(report.plainRecallAt10)}`);

    const measured = await measureTest(collection.index, test.queries, test.qrels, model.toJSON(), model.threshold!);
    const rows = [
      ["run", "kept precision", "kept recall", "kept F1", "hits kept", "recall@10", "nDCG@10"],
      ["plain top 10", f(measured.top10.precision), f(measured.top10.recall), f(measured.top10.f1), "10", f(measured.plainRecallAt10), f(measured.plainNdcg)],
      [`minProbability ${model.threshold}`, f(measured.kept.precision), f(measured.kept.recall), f(measured.kept.f1), measured.kept.hits.toFixed(2), f(measured.keptRecallAt10), f(measured.keptNdcg)],
    ];
    console.log(`\nTest queries (${measured.queries}), every query through HybridIndex.search with the model:\n`);
    console.log(markdownTable(rows, ["left", "right", "right", "right", "right", "right", "right"]));
    console.log(`\nECE over every returned hit (k 100): ${f(measured.ece)}; over the top 10: ${f(measured.eceTop10)}; Brier ${f(measured.brier)}`);
    console.log(`F1 ratio kept / top 10: ${(measured.kept.f1 / measured.top10.f1).toFixed(2)}; recall@10 loss ${f(measured.plainRecallAt10 - measured.keptRecallAt10)}`);
    console.log(`\nTest precision/recall trade-off (kept set against the threshold):\n`);
    const curve = [["threshold", "precision", "recall", "F1", "hits kept", "recall@10"]];
    for (const p of measured.tradeoff) curve.push([p.threshold.toFixed(2), f(p.kept.precision), f(p.kept.recall), f(p.kept.f1), p.kept.hits.toFixed(2), f(p.recallAt10)]);
    console.log(markdownTable(curve, ["right", "right", "right", "right", "right", "right"]));
  } finally {
    await collection.close();
  }
}

async function measureTest(index: Awaited<ReturnType<typeof openHybridCollection>>["index"], queries: LabelledQuery[], qrels: Qrels, model: object, threshold: number) {
  const plain = new Map<string, string[]>();
  const kept = new Map<string, string[]>();
  const probabilities: number[] = [];
  const labels: number[] = [];
  const topP: number[] = [];
  const topY: number[] = [];
  for (const q of queries) {
    const judged = qrels.get(q.id)!;
    const all = await index.search({ ...q.query, k: 100, calibration: model as never });
    plain.set(q.id, all.hits.map((h) => h.id));
    all.hits.forEach((h, i) => {
      const y = (judged.get(h.id) ?? 0) > 0 ? 1 : 0;
      probabilities.push(h.probability!);
      labels.push(y);
      if (i < 10) {
        topP.push(h.probability!);
        topY.push(y);
      }
    });
    const filtered = await index.search({ ...q.query, k: 100, calibration: model as never, relevance: { minProbability: threshold } });
    kept.set(q.id, filtered.hits.map((h) => h.id));
  }
  const recall10 = (run: Map<string, string[]>) => [...qrels].filter(([id]) => run.has(id)).reduce((s, [id, j]) => s + recallAt(run.get(id)!, j, 10), 0) / run.size;
  const judged = new Map([...qrels].filter(([id]) => plain.has(id)));
  const top10 = new Map([...plain].map(([id, ids]) => [id, ids.slice(0, 10)]));
  const ece = calibrationError(probabilities, labels);
  // The curve on the test queries, from the same probabilities.
  const data = { queries: [...plain].map(([id, ids], n) => ({ id, ids, start: n * 0, count: ids.length })), qrels: judged };
  let start = 0;
  for (const q of data.queries) {
    q.start = start;
    start += q.count;
  }
  const curve = thresholdCurve({ ...data, examples: { rows: new Float64Array(0), labels: Uint8Array.from(labels), count: labels.length }, legs: [], legScores: {} }, Float64Array.from(probabilities), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  return {
    queries: plain.size,
    top10: keptSetMetrics(top10, judged),
    kept: keptSetMetrics(kept, judged),
    plainRecallAt10: recall10(plain),
    keptRecallAt10: recall10(kept),
    plainNdcg: evaluateRun(plain, judged)["ndcg@10"],
    keptNdcg: evaluateRun(kept, judged)["ndcg@10"],
    ece: ece.ece,
    brier: ece.brier,
    eceTop10: calibrationError(topP, topY).ece,
    tradeoff: curve.points,
  };
}
