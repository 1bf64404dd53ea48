import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateCorpus } from "../helpers/generate.js";
import { seededRandom } from "../helpers/random.js";
import { jsonl, tandem } from "../helpers/cli.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-cli-calibration-");

/** An index of seeded documents, queries, and qrels that judge a few of each query's nearest documents relevant. */
async function setUp() {
  const dir = await tempDir();
  const { docs } = generateCorpus(21, 300, 8);
  writeFileSync(join(dir, "docs.jsonl"), jsonl(docs.map(({ id, sparse, dense }) => ({ id, sparse, dense }))));
  const rand = seededRandom(9);
  const queries = Array.from({ length: 40 }, (_, i) => ({ id: `q${i}`, sparse: { [`t${Math.floor(30 * rand())}`]: 1, [`t${Math.floor(30 * rand())}`]: 0.5 }, dense: Array.from({ length: 8 }, () => rand() * 2 - 1) }));
  writeFileSync(join(dir, "queries.jsonl"), jsonl(queries));
  expect(tandem(["index", "docs.jsonl", "--index", "idx"], dir).code).toBe(0);
  const search = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "20"], dir);
  const rows = ["query-id\tcorpus-id\tscore"];
  for (const line of search.stdout.trim().split("\n")) {
    const { query, hits } = JSON.parse(line) as { query: string; hits: { id: string }[] };
    hits.forEach((h, i) => {
      if (rand() < 0.6 / (1 + i)) rows.push(`${query}\t${h.id}\t1`);
    });
  }
  writeFileSync(join(dir, "qrels.tsv"), rows.join("\n") + "\n");
  return dir;
}

describe("tandem calibrate, search --calibration, eval with a model", () => {
  it("fits a model, gives every hit a probability, filters on it, and stores it in the index", async () => {
    const dir = await setUp();
    const fitted = tandem(["calibrate", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--out", "model.json", "--folds", "4"], dir);
    expect(fitted.stderr).toBe("");
    expect(fitted.code).toBe(0);
    const report = JSON.parse(fitted.stdout) as { queries: number; threshold: number; ece: number; stored: boolean };
    expect(report.queries).toBeGreaterThan(30);
    expect(report.stored).toBe(false);
    const model = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as { format: string; threshold: number };
    expect(model.format).toBe("tandem-calibration");

    const searched = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--calibration", "model.json", "--min-probability", "0.2"], dir);
    expect(searched.code).toBe(0);
    for (const line of searched.stdout.trim().split("\n")) {
      for (const h of (JSON.parse(line) as { hits: { probability: number }[] }).hits) expect(h.probability).toBeGreaterThanOrEqual(0.2);
    }
    const evaluated = JSON.parse(tandem(["eval", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--calibration", "model.json", "--min-probability", "0.2"], dir).stdout) as Record<string, { ece?: number; f1?: number }>;
    expect(evaluated.kept!.f1).toBeGreaterThan(0);
    expect(evaluated.calibration!.ece).toBeGreaterThanOrEqual(0);

    // Stored in the index, the model is every search's default; --no-calibration turns it off.
    expect(tandem(["calibrate", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--out", "model2.json", "--store"], dir).code).toBe(0);
    const byDefault = JSON.parse(tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "3"], dir).stdout.split("\n")[0]!) as { hits: { probability?: number }[] };
    expect(byDefault.hits.every((h) => typeof h.probability === "number")).toBe(true);
    const off = JSON.parse(tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "3", "--no-calibration"], dir).stdout.split("\n")[0]!) as { hits: { probability?: number }[] };
    expect(off.hits.every((h) => h.probability === undefined)).toBe(true);
  }, 120_000);

  it("a bad model file or option is exit 2 with the file and field named, before any query runs", async () => {
    const dir = await setUp();
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ format: "tandem-calibration", version: 1, features: ["dense.z"], mean: [0], scale: [1], weights: ["x"], intercept: 0 }));
    const bad = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--calibration", "bad.json"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain('bad.json: field "weights[0]": expected a finite number, got "x"');
    const missing = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--calibration", "nope.json"], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--calibration nope.json: cannot read the file (ENOENT)");
    const noModel = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--min-probability", "0.5"], dir);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain("minProbability needs a calibration model");
    const range = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--calibration", "bad.json", "--no-calibration"], dir);
    expect(range.code).toBe(2);
    const out = tandem(["calibrate", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv"], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--out <model.json>");
  }, 120_000);
});
