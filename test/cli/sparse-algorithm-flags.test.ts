import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCorpus } from "../helpers/generate.js";
import { jsonl, tandem } from "../helpers/cli.js";

let work: string;
const { docs, queries } = generateCorpus(7, 300, 4);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "tandem-cli-sparse-"));
  await writeFile(join(work, "docs.jsonl"), jsonl(docs));
  await writeFile(join(work, "queries.jsonl"), jsonl(queries.slice(0, 10).map((q, i) => ({ id: `q${i}`, sparse: q.sparse }))));
  expect(tandem(["index", "docs.jsonl", "--index", "idx", "--metric", "dot"], work).code).toBe(0);
});
afterAll(async () => rm(work, { recursive: true, force: true }));

const search = (...flags: string[]) => tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--legs", "sparse", ...flags], work);
const lines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as { hits: unknown; sparseExact?: boolean });

describe("tandem search --sparse-algorithm and pruning flags", () => {
  it("every algorithm prints the same hits; pruning marks the line sparseExact false", () => {
    const reference = lines(search("--sparse-algorithm", "exhaustive").stdout).map((l) => l.hits);
    for (const algorithm of ["maxscore", "blockmax", "auto"]) {
      const r = search("--sparse-algorithm", algorithm);
      expect(r.code).toBe(0);
      expect(lines(r.stdout).map((l) => l.hits)).toEqual(reference);
      expect(lines(r.stdout).every((l) => l.sparseExact === undefined)).toBe(true);
    }
    const pruned = search("--sparse-alpha", "0.5", "--sparse-max-terms", "2", "--sparse-term-mass", "0.8");
    expect(pruned.code).toBe(0);
    expect(lines(pruned.stdout).every((l) => l.sparseExact === false)).toBe(true);
    expect(lines(search("--explain").stdout).every((l) => l.sparseExact === true)).toBe(true);
  });

  it("bad values are usage errors naming the flag's field and value", () => {
    const cases: [string[], string][] = [
      [["--sparse-algorithm", "fast"], `"sparseAlgorithm" must be one of auto, exhaustive, maxscore, blockmax, got "fast"`],
      [["--sparse-alpha", "2"], "sparsePruning.alpha must be a number in (0, 1], got 2"],
      [["--sparse-alpha", "x"], `--sparse-alpha: expected a number, got "x"`],
      [["--sparse-max-terms", "1.5"], `--sparse-max-terms: expected an integer, got "1.5"`],
      [["--sparse-term-mass", "0"], "sparsePruning.termMass must be a number in (0, 1], got 0"],
      [["--sparse-algorithm", "maxscore", "--sparse-alpha", "0.5"], `"sparsePruning" needs sparseAlgorithm "auto" or "blockmax"`],
    ];
    for (const [flags, message] of cases) {
      const r = search(...flags);
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});
