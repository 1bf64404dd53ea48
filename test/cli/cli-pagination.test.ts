import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCorpus } from "../helpers/generate.js";
import { tandem, jsonl } from "../helpers/cli.js";


let work: string;
const { docs, queries } = generateCorpus(5150, 300, 8);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "tandem-cli-pages-"));
  await writeFile(join(work, "docs.jsonl"), jsonl(docs));
  await writeFile(join(work, "queries.jsonl"), jsonl(queries.slice(0, 4).map((q, i) => ({ id: `q${i}`, sparse: q.sparse, dense: q.dense }))));
  // Each query judges its first documents relevant: enough for eval to run.
  await writeFile(join(work, "qrels.tsv"), "query-id\tcorpus-id\tscore\n" + [0, 1, 2, 3].map((i) => `q${i}\td${i * 7}\t1\n`).join(""));
  expect(tandem(["index", "docs.jsonl", "--index", "idx"], work).code).toBe(0);
});
afterAll(async () => rm(work, { recursive: true, force: true }));

const hits = (stdout: string) => stdout.trim().split("\n").map((l) => (JSON.parse(l) as { hits: { id: string; score: number }[] }).hits);

describe("tandem search/eval: pages are slices of one --candidates window", () => {
  it("pages with --from equal one query over the same --candidates", () => {
    const one = hits(tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "30", "--candidates", "30", "--fusion", "convex"], work).stdout);
    const pages = [0, 10, 20].map((from) =>
      hits(tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "10", "--from", String(from), "--candidates", "30", "--fusion", "convex"], work).stdout),
    );
    one.forEach((all, q) => expect(pages.flatMap((p) => p[q]!)).toEqual(all));
  });

  it("a page past the window is refused with exit 2, naming --from, --k and --candidates", () => {
    const r = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "10", "--from", "95"], work);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/queries\.jsonl:1: .*from \+ k = 105 \(from 95, k 10\) exceeds candidates = 100.*\(default\); raise "candidates" to at least 105/);
    expect(tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "10", "--from", "95", "--candidates", "105"], work).code).toBe(0);
    expect(tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "20", "--candidates", "19"], work).stderr).toMatch(/needs 20 hits per query, more than --candidates 19,/);
  });

  it("one leg without relevance rules retrieves the page itself, as in the library: no window to raise", () => {
    const args = ["search", "--index", "idx", "--queries", "queries.jsonl", "--legs", "dense", "--k", "10", "--exact"];
    const page = tandem([...args, "--from", "95"], work);
    expect(page.stderr).toBe("");
    expect(page.code).toBe(0);
    const all = hits(tandem([...args, "--k", "105", "--candidates", "105"], work).stdout);
    expect(hits(page.stdout)).toEqual(all.map((h) => h.slice(95, 105)));
    expect(hits(page.stdout)[0]).toHaveLength(10);
  });

  it("eval retrieves 100 hits with the default window, and says so when --candidates is smaller", () => {
    const r = tandem(["eval", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--compare"], work);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.queries).toBe(4);
    expect(Object.keys(summary.fusion)).toEqual(["rrf", "convex", "dbsf"]);
    const small = tandem(["eval", "--index", "idx", "--queries", "queries.jsonl", "--qrels", "qrels.tsv", "--candidates", "50"], work);
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(/eval \(recall@100, --k 100\) needs 100 hits per query, more than --candidates 50/);
  });
});
