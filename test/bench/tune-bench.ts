import { collectTuningQueries, configLabel, gridScores, tune, TUNE_GRID, tuningGrid, type TuneOptions } from "../../src/eval/tune.js";
import { seededRandom } from "../../src/eval/seeded-random.js";
import { openHybridCollection, SCIFACT } from "./hybrid-collection.js";
import { markdownTable } from "./stats.js";

const f = (x: number) => x.toFixed(4);
const mean = (s: Float64Array) => s.reduce((a, b) => a + b, 0) / s.length;

/**
 * `npm run bench -- tune [--collection <beir-folder>]` (default fixtures/scifact; BM25 + MiniLM +
 * text, exact legs): `tune` on the train queries, then every configuration of the same grid
 * scored on the test queries: how far the configuration chosen on train falls below the best
 * one found on test (the aim: within 0.005), with a paired bootstrap interval of that gap.
 * The test queries never take part in the choice.
 */
export async function tuneBench(folder = SCIFACT, options: TuneOptions = {}): Promise<void> {
  const collection = await openHybridCollection(folder);
  try {
    const candidates = options.candidates ?? TUNE_GRID.candidates;
    const window = Math.max(...candidates);
    const started = performance.now();
    const train = await collection.split("train");
    const collected = await collectTuningQueries(collection.index, train.queries, train.qrels, window);
    const result = tune(collected, options);
    const tuneSeconds = (performance.now() - started) / 1000;
    const test = await collection.split("test");
    const tested = await collectTuningQueries(collection.index, test.queries, test.qrels, window);
    const queries = tested.queries.filter((q) => [...q.judged.values()].some((g) => g > 0));
    const grid = tuningGrid(tested.legs, options);
    const scores = gridScores(queries, grid);
    const means = scores.map(mean);
    const labels = grid.map(configLabel);
    let best = 0;
    means.forEach((m, c) => {
      if (m > means[best]!) best = c;
    });
    const chosen = labels.indexOf(result.chosen.label);
    const defaultLabel = labels.find((l) => l === `convex zscore, dense 1, text 0.3, candidates 100`);
    const rows = [["configuration", "train nDCG@10", "test nDCG@10", "below the test's best"]];
    const trainMean = new Map(result.configs.map((c) => [c.label, c.mean]));
    const row = (name: string, c: number) => rows.push([`${name}: ${labels[c]}`, f(trainMean.get(labels[c]!) ?? NaN), f(means[c]!), f(means[best]! - means[c]!)]);
    row("chosen on train", chosen);
    row("best on test", best);
    if (defaultLabel) row("default fusion", labels.indexOf(defaultLabel));
    // Paired bootstrap of the gap over the test queries.
    const rand = seededRandom(1);
    const gaps = new Float64Array(1000);
    for (let r = 0; r < gaps.length; r++) {
      let sum = 0;
      for (let i = 0; i < queries.length; i++) {
        const q = Math.floor(rand() * queries.length);
        sum += scores[best]![q]! - scores[chosen]![q]!;
      }
      gaps[r] = sum / queries.length;
    }
    gaps.sort();
    console.log(`\n### tune on ${collection.name}: ${result.queries} train queries, ${grid.length} configurations, ${tuneSeconds.toFixed(1)} s (retrieval included); ${queries.length} test queries\n`);
    console.log(markdownTable(rows, ["left", "right", "right", "right"]));
    console.log(`\nCross-validated on train (${result.crossValidation.folds} folds): ${f(result.crossValidation.mean)}. Gap to the test's best: ${f(means[best]! - means[chosen]!)} (paired bootstrap 95% interval ${f(gaps[25]!)}–${f(gaps[974]!)}).`);
  } finally {
    await collection.close();
  }
}
