import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Document } from "../../src/index.js";
import { expectSameTopK, referenceDense, referenceLeg, referenceSparse } from "../helpers/brute-force.js";
import { generateCorpus } from "../helpers/generate.js";
import { tandem, jsonl } from "../helpers/cli.js";


let work: string;
const { docs, queries } = generateCorpus(99, 200, 8);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "tandem-cli-"));
  await writeFile(join(work, "docs.jsonl"), jsonl(docs));
  await writeFile(join(work, "queries.jsonl"), jsonl(queries.map((q, i) => ({ id: `q${i}`, sparse: q.sparse, dense: q.dense, extra: "ignored" }))));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe("tandem CLI (CONTRACT.md)", () => {
  it("indexes, searches each leg exactly, deletes, and reports info", async () => {
    const index = tandem(["index", "docs.jsonl", "--index", "idx", "--metric", "dot"], work);
    expect(index.stderr).toBe("");
    expect(index.code).toBe(0);
    expect(JSON.parse(index.stdout)).toMatchObject({ upserted: 200, documents: 200, dimension: 8, metric: "dot" });

    const live = new Map<string, Document>(docs.map((d) => [d.id, d]));
    const check = () => {
      for (const leg of ["sparse", "dense"] as const) {
        const r = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--legs", leg, "--k", "7", "--exact"], work);
        expect(r.code).toBe(0);
        const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
        expect(lines).toHaveLength(queries.length);
        lines.forEach((line, i) => {
          expect(line.query).toBe(`q${i}`);
          expect(typeof line.took_ms).toBe("number");
          const q = queries[i]!;
          const ref = referenceLeg(live, (d) => (leg === "sparse" ? referenceSparse(q.sparse, d.sparse) : referenceDense("dot", q.dense, d.dense)), undefined);
          expectSameTopK(line.hits, ref, 7);
          // Ranks are competition ranks: equal scores share the rank of the first of them.
          line.hits.forEach((h: { score: number; legs: Record<string, { score: number; rank: number }> }) => {
            expect(h.legs[leg]).toEqual({ score: h.score, rank: 1 + line.hits.filter((o: { score: number }) => o.score > h.score).length });
          });
        });
      }
    };
    check();

    await writeFile(join(work, "ids.txt"), "d1\nd2\n\nnot-there\n");
    const del = tandem(["delete", "--index", "idx", "--ids", "ids.txt"], work);
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout)).toMatchObject({ requested: 3, deleted: 2, documents: 198 });
    live.delete("d1");
    live.delete("d2");
    check();

    const info = JSON.parse(tandem(["info", "--index", "idx"], work).stdout);
    expect(info).toMatchObject({ documents: 198, dimension: 8, metric: "dot", formatVersion: 4 });
  });

  it("builds an int8-quantized index whose dense answers are rescored to the exact top k", async () => {
    // Above the 1,024 vectors where quantization starts.
    const many = generateCorpus(7, 1500, 32);
    await writeFile(join(work, "many.jsonl"), jsonl(many.docs));
    await writeFile(join(work, "many-queries.jsonl"), jsonl(many.queries.map((q, i) => ({ id: `q${i}`, dense: q.dense }))));
    const index = tandem(["index", "many.jsonl", "--index", "idx8", "--quantization", "int8"], work);
    expect(index.stderr).toBe("");
    expect(JSON.parse(tandem(["info", "--index", "idx8"], work).stdout)).toMatchObject({ documents: 1500, quantization: "int8" });
    const live = new Map<string, Document>(many.docs.map((d) => [d.id, d]));
    const r = tandem(["search", "--index", "idx8", "--queries", "many-queries.jsonl", "--legs", "dense", "--k", "10"], work);
    expect(r.code).toBe(0);
    r.stdout.trim().split("\n").forEach((l, i) => {
      const ref = referenceLeg(live, (d) => referenceDense("cosine", many.queries[i]!.dense, d.dense), undefined);
      expectSameTopK(JSON.parse(l).hits, ref, 10);
    });
    const bad = tandem(["index", "many.jsonl", "--index", "idx9", "--quantization", "int4"], work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--quantization: expected none or int8, got "int4"`);
    const es = tandem(["index", "many.jsonl", "--backend", "elasticsearch", "--es-url", "http://127.0.0.1:1", "--es-index", "x", "--quantization", "int8"], work);
    expect(es.code).toBe(2);
    expect(es.stderr).toContain("--quantization applies to the embedded backend");
  });

  it("applies --filter inside the legs and fuses with the chosen method", () => {
    const filter = JSON.stringify({ range: { year: { gte: 2012 } } });
    const r = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--filter", filter, "--fusion", "convex", "--normalize", "zscore", "--weights", "sparse=2,dense=1", "--explain"], work);
    expect(r.code).toBe(0);
    for (const line of r.stdout.trim().split("\n").map((l) => JSON.parse(l))) {
      expect(line.hits.length).toBe(10);
      for (const h of line.hits) {
        expect(docs.find((d) => d.id === h.id)!.fields!.year as number).toBeGreaterThanOrEqual(2012);
        expect(h.explanation.method).toBe("convex");
        expect(h.explanation.legs.sparse?.weight ?? 2).toBe(2);
      }
      const scores = line.hits.map((h: { score: number }) => h.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    }
  });

  it("evaluates against qrels, from files and BEIR folders", async () => {
    const beir = join(work, "beir");
    await mkdir(join(beir, "qrels"), { recursive: true });
    await writeFile(join(beir, "corpus.jsonl"), jsonl([
      { _id: "a", title: "Bone", text: "vitamin d bone fractures" },
      { _id: "b", title: "Protein", text: "protein folding" },
      { _id: "c", title: "", text: "calcium and bone density" },
    ]));
    await writeFile(join(beir, "queries.jsonl"), jsonl([{ _id: "1", text: "bone fractures" }, { _id: "2", text: "protein" }, { _id: "3", text: "unjudged" }]));
    await writeFile(join(beir, "qrels", "test.tsv"), "query-id\tcorpus-id\tscore\n1\ta\t1\n2\tb\t1\n2\tc\t1\n");
    expect(tandem(["index", "beir", "--index", "beir-idx"], work).code).toBe(0);
    const r = tandem(["eval", "--index", "beir-idx", "--queries", "beir", "--qrels", "beir"], work);
    expect(r.stderr).toBe("");
    const summary = JSON.parse(r.stdout);
    // q1 ranks a first; q2 ranks b first and misses c: AP 1/2, recall 1/2, nDCG 1/(1 + 1/log2 3).
    expect(summary.queries).toBe(2);
    expect(summary["mrr@10"]).toBe(1);
    expect(summary["recall@100"]).toBeCloseTo(0.75, 12);
    expect(summary.map).toBeCloseTo(0.75, 12);
    expect(summary["ndcg@10"]).toBeCloseTo((1 + 1 / (1 + 1 / Math.log2(3))) / 2, 12);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(summary.ties).toBe("id ascending");
    expect(summary.kept).toBeUndefined();
    // With relevance filtering, the kept set is judged as a set: --max-hits 1 keeps a for q1
    // (P 1, R 1) and b for q2 (P 1, R 1/2, F1 2/3).
    const kept = JSON.parse(tandem(["eval", "--index", "beir-idx", "--queries", "beir", "--qrels", "beir", "--max-hits", "1"], work).stdout).kept;
    expect(kept.queries).toBe(2);
    expect(kept.hits).toBe(1);
    expect(kept.precision).toBe(1);
    expect(kept.recall).toBeCloseTo(0.75, 12);
    expect(kept.f1).toBeCloseTo((1 + 2 / 3) / 2, 12);

    // BM25 from text, fitted at index time and stored with the index for the queries.
    expect(tandem(["search", "--index", "beir-idx", "--queries", "beir", "--encode-sparse", "bm25"], work).stderr).toMatch(/this index has no BM25 model/);
    const indexed = tandem(["index", "beir", "--index", "bm25-idx", "--encode-sparse", "bm25"], work);
    expect(indexed.code).toBe(0);
    const lines = tandem(["search", "--index", "bm25-idx", "--queries", "beir", "--encode-sparse", "bm25", "--legs", "sparse"], work)
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // "protein" occurs only in b; "bone fractures" in a (twice, title and text) and c (once).
    expect(lines[1].hits.map((h: { id: string }) => h.id)).toEqual(["b"]);
    expect(lines[0].hits[0].id).toBe("a");
    expect(lines[0].hits[0].legs.sparse.score).toBeGreaterThan(0);
    const bm25 = JSON.parse(tandem(["eval", "--index", "bm25-idx", "--queries", "beir", "--qrels", "beir", "--encode-sparse", "bm25", "--legs", "sparse"], work).stdout);
    expect(bm25["mrr@10"]).toBe(1);
    expect(tandem(["index", "beir", "--index", "bm25-idx", "--encode-sparse", "splade"], work).stderr).toMatch(/--encode-sparse: expected "bm25" or a model directory/);
  });

  describe("bad input: exit 2, file and line named, no stack trace, index untouched", () => {
    const cases: [string, string, RegExp][] = [
      ["malformed JSON", '{"id":"n1"}\n{"id": oops}\n', /bad\.jsonl:2: malformed JSON/],
      ["missing id", '{"id":"n1"}\n{"text":"no id"}\n', /bad\.jsonl:2: "id" must be a non-empty string/],
      ["duplicate id", '{"id":"n1"}\n{"id":"n2"}\n{"id":"n1"}\n', /bad\.jsonl:3: duplicate id "n1" \(first at bad\.jsonl:1\)/],
      ["negative weight", '{"id":"n1","sparse":{"a":-0.5}}\n', /bad\.jsonl:1: sparse weight of "a" is negative/],
      ["non-finite weight", '{"id":"n1","sparse":{"a":1e999}}\n', /bad\.jsonl:1: sparse weight of "a" must be a finite number, got Infinity/],
      ["wrong dimension", '{"id":"n1","dense":[1,2,3]}\n', /bad\.jsonl:1: dense has 3 values, index dimension is 8/],
    ];
    it.each(cases)("%s", async (_name, content, message) => {
      await writeFile(join(work, "bad.jsonl"), content);
      const before = (await readdir(join(work, "idx"))).sort();
      const infoBefore = tandem(["info", "--index", "idx"], work).stdout;
      const r = tandem(["index", "bad.jsonl", "--index", "idx"], work);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
      expect((await readdir(join(work, "idx"))).sort()).toEqual(before);
      expect(tandem(["info", "--index", "idx"], work).stdout).toBe(infoBefore);
    });

    it("unknown filter operator, bad option, unknown command, not an index", async () => {
      const f = tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--filter", '{"regex":{"a":"b"}}'], work);
      expect(f.code).toBe(2);
      expect(f.stderr).toMatch(/--filter: filter: unknown filter operator "regex"/);
      await writeFile(join(work, "badq.jsonl"), '{"id":"q1","sparse":{"a":1}}\n{"id":"q2","sparse":{"a":1},"filter":{"range":{"y":{"above":1}}}}\n');
      const q = tandem(["search", "--index", "idx", "--queries", "badq.jsonl"], work);
      expect(q.code).toBe(2);
      expect(q.stdout).toBe("");
      expect(q.stderr).toMatch(/badq\.jsonl:2: filter: range\.y: unknown bound "above"/);
      expect(tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "ten"], work).stderr).toMatch(/--k: expected an integer, got "ten"/);
      expect(tandem(["search", "--index", "idx", "--queries", "queries.jsonl", "--bogus"], work).code).toBe(2);
      // A bad option value is the option's mistake, not the first query line's.
      for (const [args, message] of [
        [["--fusion", "bogus"], /^tandem: command-line options: unknown fusion method "bogus"/],
        [["--k", "0"], /^tandem: command-line options: "k" must be an integer from 1 to 10000, got 0/],
        [["--relative", "2"], /^tandem: command-line options: relative must be a number in \(0, 1\]/],
      ] as const) {
        for (const command of [["search"], ["eval", "--qrels", "queries.jsonl"]]) {
          const r = tandem([...command, "--index", "idx", "--queries", "queries.jsonl", ...args], work);
          expect(r.code).toBe(2);
          expect(r.stderr).toMatch(message);
        }
      }
      expect(tandem(["frobnicate"], work).code).toBe(2);
      await mkdir(join(work, "not-ours"), { recursive: true });
      await writeFile(join(work, "not-ours", "data.csv"), "a,b\n");
      const n = tandem(["index", "docs.jsonl", "--index", "not-ours"], work);
      expect(n.code).toBe(2);
      expect(n.stderr).toMatch(/not-ours: not a Tandem index/);
      expect(await readdir(join(work, "not-ours"))).toEqual(["data.csv"]);
      expect(tandem(["info", "--index", "nowhere"], work).code).toBe(2);
      expect(tandem(["index", "missing.jsonl", "--index", "idx"], work).stderr).toMatch(/missing\.jsonl: no such file/);
    });
  });

  it("every command takes --help", () => {
    for (const cmd of ["index", "delete", "search", "eval", "info"]) {
      const r = tandem([cmd, "--help"], work);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`tandem ${cmd}`);
    }
  });

  it("offers exactly the contract's commands (the SciFact demo is an example, not a command)", () => {
    const help = tandem(["--help"], work);
    const listed = [...help.stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(listed).toEqual(["index", "delete", "search", "eval", "calibrate", "tune", "info"]);
    expect(tandem(["demo"], work)).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "demo"/) });
  });
});
