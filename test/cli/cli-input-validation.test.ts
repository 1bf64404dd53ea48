import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tandem } from "../helpers/cli.js";

const jsonl = (rows: string[]) => rows.join("\n") + "\n";
const NAMES = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString"];
const key = (s: string) => JSON.stringify(s);

/** A filter with `depth` levels of `op` around a term on x. */
function nestedJson(depth: number, op: "and" | "or" | "not"): string {
  let f = `{"term":{"x":1}}`;
  for (let i = 0; i < depth; i++) f = op === "not" ? `{"not":${f}}` : `{${key(op)}:[${f}]}`;
  return f;
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "tandem-cli-input-"));
  const docs = NAMES.map((name, i) => `{"id":${key(name)},"text":"alpha ${name}","sparse":{${key(name)}:${i + 1},"common":1},"fields":{${key(name)}:"v","x":1}}`);
  await writeFile(join(work, "docs.jsonl"), jsonl(docs));
  const index = tandem(["index", "docs.jsonl", "--index", "idx", "--metric", "dot"], work);
  expect(index.stderr).toBe("");
  expect(index.code).toBe(0);
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** Exit 2, the message, no stack trace, nothing printed, the index as it was. */
async function refused(args: string[], message: RegExp): Promise<void> {
  const before = (await readdir(join(work, "idx"))).sort();
  const info = tandem(["info", "--index", "idx"], work).stdout;
  const r = tandem(args, work);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe("");
  expect((await readdir(join(work, "idx"))).sort()).toEqual(before);
  expect(tandem(["info", "--index", "idx"], work).stdout).toBe(info);
}

describe("tandem CLI: keys that are Object.prototype names", () => {
  it("indexes, searches, filters and deletes tokens, fields and ids named like Object.prototype's properties", async () => {
    expect(JSON.parse(tandem(["info", "--index", "idx"], work).stdout)).toMatchObject({ documents: 5, vocabulary: 6 });
    const queries = NAMES.map((name) => `{"id":${key(name)},"sparse":{${key(name)}:1,"common":0.5},"filter":{"term":{${key(name)}:"v"}}}`);
    await writeFile(join(work, "proto-queries.jsonl"), jsonl(queries));
    const r = tandem(["search", "--index", "idx", "--queries", "proto-queries.jsonl", "--legs", "sparse"], work);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    lines.forEach((line, i) => {
      expect(line.query).toBe(NAMES[i]);
      expect(line.hits.map((h: { id: string; score: number }) => [h.id, h.score])).toEqual([[NAMES[i], i + 1 + 0.5]]);
    });
  });

  it("BM25 encoding keeps such terms (fitted model stored with the index and reused for queries)", async () => {
    await writeFile(join(work, "texts.jsonl"), jsonl([`{"id":"p","text":"__proto__ constructor alpha"}`, `{"id":"q","text":"alpha beta"}`]));
    const index = tandem(["index", "texts.jsonl", "--index", "bm25", "--encode-sparse", "bm25"], work);
    expect(index.stderr).toBe("");
    expect(JSON.parse(tandem(["info", "--index", "bm25"], work).stdout)).toMatchObject({ vocabulary: 4 });
    await writeFile(join(work, "text-queries.jsonl"), jsonl([`{"id":"q1","text":"__proto__"}`, `{"id":"q2","text":"constructor"}`]));
    const r = tandem(["search", "--index", "bm25", "--queries", "text-queries.jsonl", "--encode-sparse", "bm25", "--legs", "sparse"], work);
    expect(r.stderr).toBe("");
    for (const line of r.stdout.trim().split("\n").map((l) => JSON.parse(l))) expect(line.hits.map((h: { id: string }) => h.id)).toEqual(["p"]);
  });
});

describe("tandem CLI: filters nested deeper than the limit", () => {
  it("runs a filter at the limit, alone and ANDed with --filter", async () => {
    await writeFile(join(work, "deep-ok.jsonl"), jsonl([`{"id":"q","sparse":{"common":1},"filter":${nestedJson(20, "and")}}`]));
    const r = tandem(["search", "--index", "idx", "--queries", "deep-ok.jsonl", "--filter", nestedJson(20, "and")], work);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).hits).toHaveLength(5);
  });

  for (const [depth, op] of [[21, "and"], [21, "not"], [2_000, "or"], [5_000, "not"], [10_000, "and"]] as const) {
    it(`refuses ${depth} levels of ${op} with exit 2 and a clear message, in a queries file and in --filter`, async () => {
      const message = /"and", "or" and "not" are nested more than 20 levels deep \(the limit is 20\)/;
      await writeFile(join(work, "deep.jsonl"), jsonl([`{"id":"q1","sparse":{"common":1}}`, `{"id":"q2","sparse":{"common":1},"filter":${nestedJson(depth, op)}}`]));
      await refused(["search", "--index", "idx", "--queries", "deep.jsonl"], new RegExp(`^tandem: deep\\.jsonl:2: filter: ${message.source}`));
      await refused(["search", "--index", "idx", "--queries", "deep-ok.jsonl", "--filter", nestedJson(depth, op)], new RegExp(`^tandem: --filter: filter: ${message.source}`));
    });
  }
});

describe("tandem CLI: values valid in float64 but not in float32", () => {
  const cases: [string, string, RegExp][] = [
    ["weight above float32's range", `{"id":"n1","sparse":{"a":1e39}}`, /big\.jsonl:1: sparse weight of "a" is 1e\+39, above the largest allowed weight 1e\+18 \(document "n1"\)/],
    ["weight that rounds to 0 in float32", `{"id":"n1","sparse":{"a":1e-46}}`, /big\.jsonl:1: sparse weight of "a" is 1e-46, below the smallest allowed weight/],
    ["dense component whose square overflows float32", `{"id":"n1","dense":[1e20,1,1]}`, /big\.jsonl:1: dense\[0\] is 100000000000000000000, outside the allowed range ±1e\+18 \(document "n1"\)/],
  ];
  for (const [name, line, message] of cases) {
    it(`refuses a ${name} with exit 2, naming file, line, document and value`, async () => {
      await writeFile(join(work, "big.jsonl"), jsonl([line]));
      await refused(["index", "big.jsonl", "--index", "idx"], message);
    });
  }

  it("refuses a cosine query vector whose norm underflows in float32", async () => {
    await writeFile(join(work, "cos.jsonl"), jsonl([`{"id":"c","dense":[1,0]}`]));
    expect(tandem(["index", "cos.jsonl", "--index", "cos", "--metric", "cosine"], work).code).toBe(0);
    await writeFile(join(work, "tiny.jsonl"), jsonl([`{"id":"q1","dense":[1e-30,1e-30]}`]));
    const r = tandem(["search", "--index", "cos", "--queries", "tiny.jsonl"], work);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tiny\.jsonl:1: dense vector has norm 1\.4\d*e-30, too small for cosine in float32/);
  });
});
