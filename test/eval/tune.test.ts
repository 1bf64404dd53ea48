import { describe, expect, it } from "vitest";
import { collectTuningQueries, configLabel, tune, tunedSearchConfig, tuningGrid } from "../../src/eval/tune.js";
import { evaluateRun, HybridIndex, InvalidModelError, parseSearchConfig, queryOptions, type FusionOptions, type Qrels, type SearchQuery } from "../../src/index.js";
import { generateCorpus } from "../helpers/generate.js";
import { seededRandom } from "../helpers/random.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-tune-");

function queries(seed: number, count: number): { id: string; query: SearchQuery }[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const sparse: Record<string, number> = {};
    for (let t = 0; t < 2 + Math.floor(rand() * 4); t++) sparse[`t${Math.floor(300 * rand() ** 2)}`] = 0.2 + rand();
    return { id: `q${i}`, query: { sparse, dense: Array.from({ length: 8 }, () => rand() * 2 - 1), exact: true } };
  });
}

describe("tandem tune", () => {
  for (const truth of [
    { method: "convex", normalize: "minmax", weights: { sparse: 1, dense: 2 } },
    { method: "rrf", rankConstant: 20, weights: { sparse: 1, dense: 0.5 } },
  ] as FusionOptions[]) {
    it(`recovers the known best setting on seeded data (${truth.method})`, async () => {
      const index = await HybridIndex.open(await tempDir());
      await index.upsert(generateCorpus(11, 500, 8).docs.map(({ id, sparse, dense }) => ({ id, sparse, dense })));
      // Judgements made by the setting itself: graded 3, 2, 1 for its top three, so it alone ranks them perfectly.
      const qs = queries(3, 60);
      const qrels: Qrels = new Map();
      for (const q of qs) {
        const { hits } = await index.search({ ...q.query, fusion: truth, k: 3 });
        qrels.set(q.id, new Map(hits.map((h, i) => [h.id, 3 - i])));
      }
      const result = tune(await collectTuningQueries(index, qs, qrels, 100), { folds: 3, bootstrap: 200, candidates: [100] });
      expect(result.chosen.fusion).toMatchObject(truth);
      expect(result.chosen.mean).toBeCloseTo(1, 12);
      expect(result.crossValidation.perFold.every((f) => f.chosen === result.chosen.label)).toBe(true);
      expect(result.chosen.ci[0]).toBeLessThanOrEqual(result.chosen.mean);
      expect(result.configs[0]!.label).toBe(result.chosen.label);

      // What tune measured for a configuration is what search gives with it: check the runner-up too.
      for (const config of result.configs.slice(0, 3)) {
        const options = queryOptions(parseSearchConfig(JSON.stringify({ ...tunedSearchConfig({ ...result, chosen: config }) }), "config.json"));
        const run = new Map<string, string[]>();
        for (const q of qs) run.set(q.id, (await index.search({ ...q.query, ...options, k: 10 })).hits.map((h) => h.id));
        expect(evaluateRun(run, qrels)["ndcg@10"]).toBeCloseTo(config.mean, 12);
      }
      await index.close();
    }, 120_000);
  }

  it("the grid covers every method, normalizer, weight and constant it names", () => {
    const grid = tuningGrid(["sparse", "dense", "text"]);
    // 8 dense × 7 text weights × (6 rrf constants + 4 normalizers + dbsf) × 3 windows.
    expect(grid.length).toBe(8 * 7 * 11 * 3);
    expect(new Set(grid.map(configLabel)).size).toBe(grid.length);
    expect(tuningGrid(["dense"]).length).toBe(11 * 3);
  });

  it("a bad configuration file is refused naming the file and the field", () => {
    const ok = { format: "tandem-config", version: 1, fusion: { method: "convex", normalize: "zscore", weights: { sparse: 1, dense: 1.5 } }, candidates: 100 };
    expect(queryOptions(parseSearchConfig(JSON.stringify(ok), "c.json"))).toEqual({ fusion: ok.fusion, candidates: 100 });
    const bad = (patch: Record<string, unknown>) => () => parseSearchConfig(JSON.stringify({ ...ok, ...patch }), "c.json");
    expect(bad({ format: "x" })).toThrow(/^c\.json: field "format"/);
    expect(bad({ fusion: { method: "linear" } })).toThrow(/c\.json: field "fusion\.method": expected one of rrf, convex, dbsf, got "linear"/);
    expect(bad({ fusion: { weights: { sparse: -1 } } })).toThrow(/c\.json: field "fusion\.weights\.sparse"/);
    expect(bad({ fusion: { weights: { image: 1 } } })).toThrow(/field "fusion\.weights\.image": unknown leg/);
    expect(bad({ fusion: { rankConstant: 0 } })).toThrow(/field "fusion\.rankConstant"/);
    expect(bad({ fusion: { speed: 1 } })).toThrow(/field "fusion\.speed": unknown option/);
    expect(bad({ candidates: 0.5 })).toThrow(/field "candidates"/);
    expect(() => parseSearchConfig("nope", "c.json")).toThrow(InvalidModelError);
  });
});
