import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateCorpus } from "../helpers/generate.js";
import { seededRandom } from "../helpers/random.js";
import { jsonl, tandem } from "../helpers/cli.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-cli-tune-");

describe("tandem tune and --config", () => {
  it("writes the chosen configuration, which search and eval take with --config (explicit options win)", async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, "docs.jsonl"), jsonl(generateCorpus(21, 300, 8).docs.map(({ id, sparse, dense }) => ({ id, sparse, dense }))));
    const rand = seededRandom(9);
    const queries = Array.from({ length: 30 }, (_, i) => ({ id: `q${i}`, sparse: { [`t${Math.floor(30 * rand())}`]: 1 }, dense: Array.from({ length: 8 }, () => rand() * 2 - 1) }));
    writeFileSync(join(dir, "queries.jsonl"), jsonl(queries));
    expect(tandem(["index", "docs.jsonl", "--index", "idx"], dir).code).toBe(0);
    // Judged by RRF with constant 20: its top two are relevant.
    const judged = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--exact", "--fusion", "rrf", "--rank-constant", "20", "--k", "2"], dir);
    const rows = ["query-id\tcorpus-id\tscore"];
    for (const line of judged.stdout.trim().split("\n")) {
      const { query, hits } = JSON.parse(line) as { query: string; hits: { id: string }[] };
      hits.forEach((h, i) => rows.push(`${query}\t${h.id}\t${2 - i}`));
    }
    writeFileSync(join(dir, "qrels.tsv"), rows.join("\n") + "\n");

    const tuned = tandem(["tune", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--out", "config.json", "--exact", "--folds", "3", "--candidates-grid", "100"], dir);
    expect(tuned.stderr).toBe("");
    expect(tuned.code).toBe(0);
    const report = JSON.parse(tuned.stdout) as { chosen: { ndcg10: number; fusion: { method: string } }; crossValidation: { folds: number } };
    expect(report.chosen.fusion.method).toBe("rrf");
    expect(report.crossValidation.folds).toBe(3);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { format: string };
    expect(config.format).toBe("tandem-config");

    const evaluated = JSON.parse(tandem(["eval", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--exact", "--config", "config.json"], dir).stdout) as Record<string, number>;
    expect(evaluated["ndcg@10"]).toBeCloseTo(report.chosen.ndcg10, 12);
    const withConfig = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--exact", "--config", "config.json"], dir).stdout;
    const explicit = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--exact", "--fusion", "rrf", "--rank-constant", "20"], dir).stdout;
    const ids = (out: string) => out.trim().split("\n").map((l) => (JSON.parse(l) as { hits: { id: string }[] }).hits.map((h) => h.id));
    expect(ids(withConfig)).toEqual(ids(explicit));
    // An explicit option overrides the file.
    const overridden = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--exact", "--config", "config.json", "--fusion", "convex"], dir).stdout;
    const convex = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--exact", "--fusion", "convex", "--weights", "sparse=1,dense=1"], dir).stdout;
    expect(ids(overridden)).toEqual(ids(convex));

    writeFileSync(join(dir, "bad.json"), JSON.stringify({ format: "tandem-config", version: 1, fusion: { method: "linear" } }));
    const bad = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--config", "bad.json"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.json: field "fusion.method"');
  }, 120_000);
});
