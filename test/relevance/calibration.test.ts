import { describe, expect, it } from "vitest";
import { collectCalibrationData, inputFromHits } from "../../src/eval/calibrate.js";
import { CALIBRATION_FEATURES, calibrationFeatures } from "../../src/relevance/calibration-features.js";
import { fitCalibrationModel } from "../../src/relevance/fit-calibration.js";
import { sigmoid } from "../../src/relevance/logistic-regression.js";
import { CalibrationModel, HybridIndex, InvalidModelError, InvalidQueryError, type Qrels, type SearchQuery } from "../../src/index.js";
import { generateCorpus } from "../helpers/generate.js";
import { seededRandom } from "../helpers/random.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-calibration-");
const column = (name: string) => CALIBRATION_FEATURES.indexOf(name);

/** The model the labels are drawn from: a query-dependent function of the raw scores, as the Cosine Adapter's. */
const TRUTH = { intercept: -1.5, weights: { "dense.z": 1.6, "sparse.ratio": 1.2, "fused.logPosition": -0.6 } as Record<string, number> };
function trueProbabilities(rows: Float64Array, n: number): number[] {
  const d = CALIBRATION_FEATURES.length;
  return Array.from({ length: n }, (_, i) => {
    let z = TRUTH.intercept;
    for (const [f, w] of Object.entries(TRUTH.weights)) z += w * rows[i * d + column(f)]!;
    return sigmoid(z);
  });
}

function queries(seed: number, count: number): { id: string; query: SearchQuery }[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const sparse: Record<string, number> = {};
    for (let t = 0; t < 2 + Math.floor(rand() * 4); t++) sparse[`t${Math.floor(300 * rand() ** 2)}`] = 0.2 + rand();
    return { id: `q${seed}-${i}`, query: { sparse, dense: Array.from({ length: 8 }, () => rand() * 2 - 1), candidates: 50, k: 10 } };
  });
}

async function seededIndex(): Promise<HybridIndex> {
  const index = await HybridIndex.open(await tempDir());
  await index.upsert(generateCorpus(11, 600, 8).docs.map(({ id, sparse, dense }) => ({ id, sparse, dense })));
  return index;
}

describe("calibration", () => {
  it("recovers a known model on seeded data: fitted probabilities match the ones the labels were drawn from", async () => {
    const index = await seededIndex();
    const rand = seededRandom(5);
    // Labels drawn hit by hit from the true model over each query's window.
    const label = async (qs: { id: string; query: SearchQuery }[]) => {
      const qrels: Qrels = new Map();
      for (const q of qs) {
        const result = await index.search({ ...q.query, k: 50 });
        const rows = calibrationFeatures(inputFromHits(q.query, result.legs, result.hits, 50));
        const p = trueProbabilities(rows, result.hits.length);
        qrels.set(q.id, new Map(result.hits.map((h, i) => [h.id, rand() < p[i]! ? 1 : 0])));
      }
      return qrels;
    };
    const train = queries(1, 400);
    const data = await collectCalibrationData(index, train, await label(train));
    const model = fitCalibrationModel(data.examples);

    // On fresh queries, every hit's probability from search is within 0.03 of the truth on average.
    let diff = 0;
    let hits = 0;
    for (const q of queries(2, 100)) {
      const result = await index.search({ ...q.query, k: 50, calibration: model });
      const truth = trueProbabilities(calibrationFeatures(inputFromHits(q.query, result.legs, result.hits, 50)), result.hits.length);
      result.hits.forEach((h, i) => {
        diff += Math.abs(h.probability! - truth[i]!);
        hits++;
      });
    }
    expect(hits).toBeGreaterThan(4000);
    expect(diff / hits).toBeLessThan(0.03);
    await index.close();
  }, 60_000);

  it("search computes the probabilities a model gives the features of the hits it returns for k = candidates", async () => {
    const index = await seededIndex();
    const qs = queries(3, 60);
    const qrels: Qrels = new Map(qs.map((q, n) => [q.id, new Map([[`d${n}`, 1]])]));
    const model = fitCalibrationModel((await collectCalibrationData(index, qs, qrels)).examples);
    for (const q of qs.slice(0, 20)) {
      const result = await index.search({ ...q.query, k: 50, calibration: model });
      const expected = model.probabilities(calibrationFeatures(inputFromHits(q.query, result.legs, result.hits, 50)), result.hits.length);
      result.hits.forEach((h, i) => expect(h.probability).toBeCloseTo(expected[i]!, 12));
    }
    await index.close();
  }, 60_000);

  it("minProbability keeps the hits at or above it and lists the others as dropped", async () => {
    const index = await seededIndex();
    const qs = queries(4, 40);
    const qrels: Qrels = new Map(qs.map((q, n) => [q.id, new Map([[`d${n * 3}`, 1], [`d${n * 3 + 1}`, 1]])]));
    const model = fitCalibrationModel((await collectCalibrationData(index, qs, qrels)).examples);
    const q = qs[0]!.query;
    const all = await index.search({ ...q, k: 50, calibration: model });
    const bar = all.hits[3]!.probability!;
    const kept = await index.search({ ...q, k: 50, calibration: model, relevance: { minProbability: bar }, explain: true });
    // Filtering runs over the whole pool, so hits past the first page can move up into it.
    const expected = all.hits.filter((h) => h.probability! >= bar).map((h) => h.id);
    expect(kept.hits.slice(0, expected.length).map((h) => h.id)).toEqual(expected);
    expect(kept.hits.every((h) => h.probability! >= bar)).toBe(true);
    for (const d of kept.dropped!) {
      expect(d.rule).toBe("minProbability");
      expect(d.value!).toBeLessThan(bar);
    }
    await index.close();
  }, 60_000);
});

const valid = () =>
  ({ format: "tandem-calibration", version: 1, features: ["dense.z", "sparse.ratio"], mean: [0, 0.5], scale: [1, 0.2], weights: [1, 2], intercept: -1, threshold: 0.3 }) as Record<string, unknown>;

describe("calibration model files", () => {
  it("computes σ(intercept + Σ w · (x − mean) / scale) over the named features", () => {
    const model = CalibrationModel.from(valid(), "m.json");
    const d = CALIBRATION_FEATURES.length;
    const rows = new Float64Array(d);
    rows[column("dense.z")] = 0.5;
    rows[column("sparse.ratio")] = 0.9;
    expect(model.probabilities(rows, 1)[0]).toBeCloseTo(sigmoid(-1 + 0.5 + 2 * ((0.9 - 0.5) / 0.2)), 12);
    expect(model.threshold).toBe(0.3);
    expect(CalibrationModel.parse(JSON.stringify(model.toJSON()), "again").toJSON()).toEqual(model.toJSON());
  });

  it("a bad model file is refused with a typed error naming the file and the field", () => {
    const bad = (change: (m: Record<string, unknown>) => void) => {
      const m = valid();
      change(m);
      return () => CalibrationModel.parse(JSON.stringify(m), "model.json");
    };
    expect(() => CalibrationModel.parse("{", "model.json")).toThrow(/^model\.json: not a calibration model: not valid JSON/);
    expect(() => CalibrationModel.parse("[]", "model.json")).toThrow(InvalidModelError);
    expect(bad((m) => (m.format = "x"))).toThrow(/model\.json: field "format": expected "tandem-calibration", got "x"/);
    expect(bad((m) => (m.version = 2))).toThrow(/model\.json: field "version"/);
    expect(bad((m) => (m.features = ["dense.z", "dense.nope"]))).toThrow(/model\.json: field "features\[1\]": unknown feature "dense\.nope"/);
    expect(bad((m) => (m.features = ["dense.z", "dense.z"]))).toThrow(/field "features\[1\]": feature "dense\.z" is listed twice/);
    expect(bad((m) => (m.weights = [1]))).toThrow(/model\.json: field "weights": has 1 values for 2 features/);
    expect(bad((m) => (m.weights = [1, "2"]))).toThrow(/model\.json: field "weights\[1\]": expected a finite number, got "2"/);
    expect(bad((m) => (m.scale = [1, 0]))).toThrow(/model\.json: field "scale\[1\]": expected a number > 0, got 0/);
    expect(bad((m) => (m.intercept = null))).toThrow(/model\.json: field "intercept"/);
    expect(bad((m) => (m.threshold = 1.5))).toThrow(/model\.json: field "threshold": expected a probability from 0 to 1, got 1\.5/);
    try {
      bad((m) => (m.mean = "x"))();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidModelError);
      expect((err as InvalidModelError).code).toBe("INVALID_MODEL");
    }
  });

  it("minProbability without a model, or out of range, is refused", async () => {
    const index = await seededIndex();
    await expect(index.search({ dense: Array(8).fill(0.1), relevance: { minProbability: 0.5 } })).rejects.toThrow(/minProbability needs a calibration model/);
    await expect(index.search({ dense: Array(8).fill(0.1), calibration: valid() as never, relevance: { minProbability: 2 } })).rejects.toThrow(InvalidQueryError);
    await expect(index.search({ dense: Array(8).fill(0.1), calibration: { ...valid(), weights: [1] } as never })).rejects.toThrow(/query: calibration: field "weights"/);
    await index.close();
  }, 60_000);

  it("a model stored in the index is used by default, checked before it is stored, and kept across reopening", async () => {
    const dir = await tempDir();
    let index = await HybridIndex.open(dir);
    await index.upsert(generateCorpus(11, 100, 8).docs.map(({ id, sparse, dense }) => ({ id, sparse, dense })));
    const q = { dense: Array(8).fill(0.1), sparse: { t1: 1 } };
    expect((await index.search(q)).hits[0]!.probability).toBeUndefined();
    await expect(index.putAttachment("calibration", new TextEncoder().encode('{"format":"x"}'))).rejects.toThrow(/attachment "calibration": field "format"/);
    expect(await index.getAttachment("calibration")).toBeUndefined();
    await index.putAttachment("calibration", new TextEncoder().encode(JSON.stringify(valid())));
    const withModel = await index.search(q);
    expect(withModel.hits.every((h) => typeof h.probability === "number")).toBe(true);
    expect((await index.search({ ...q, calibration: false })).hits[0]!.probability).toBeUndefined();
    expect((await index.search({ ...q, relevance: { minProbability: 0.5 } })).hits.every((h) => h.probability! >= 0.5)).toBe(true);
    await index.close();
    index = await HybridIndex.open(dir, { readOnly: true });
    expect((await index.search(q)).hits.map((h) => h.probability)).toEqual(withModel.hits.map((h) => h.probability));
    await index.close();
  }, 60_000);
});
