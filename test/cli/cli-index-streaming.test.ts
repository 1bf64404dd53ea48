import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BIN, jsonl, tandem } from "../helpers/cli.js";
import { generateCorpus } from "../helpers/generate.js";
import { fillDisk, mountTmpfs } from "../helpers/tmpfs.js";

// `tandem index` reads its file twice as a stream (check, then upsert in batches); these files span many batches.

const DOCS = 50;
const { docs, queries } = generateCorpus(21, DOCS, 8);
const hitsOf = (stdout: string) => stdout.trim().split("\n").map((line) => (JSON.parse(line) as { hits: unknown }).hits);

describe("tandem index in batches", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "tandem-index-stream-"));
    await writeFile(join(work, "docs.jsonl"), jsonl(docs));
    await writeFile(join(work, "queries.jsonl"), jsonl(queries.slice(0, 5).map((q, i) => ({ id: `q${i}`, sparse: q.sparse, dense: q.dense }))));
    expect(tandem(["index", "docs.jsonl", "--index", "whole", "--metric", "dot"], work).code).toBe(0);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("a file of many batches stores every document, and searches answer as after one commit", () => {
    const r = tandem(["index", "docs.jsonl", "--index", "batched", "--metric", "dot", "--batch-size", "7"], work);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ upserted: DOCS, documents: DOCS, dimension: 8, metric: "dot" });
    const args = ["--queries", "queries.jsonl", "--k", "10", "--exact"];
    const whole = tandem(["search", "--index", "whole", ...args], work);
    const batched = tandem(["search", "--index", "batched", ...args], work);
    expect(batched.code, batched.stderr).toBe(0);
    expect(hitsOf(whole.stdout)[0]).not.toEqual([]);
    expect(hitsOf(batched.stdout)).toEqual(hitsOf(whole.stdout));
  });

  it("with --encode-sparse bm25, the model is fitted on the whole file whatever the batch size", async () => {
    await writeFile(join(work, "texts.jsonl"), jsonl(docs.map((d) => ({ id: d.id, text: d.text }))));
    await writeFile(join(work, "text-queries.jsonl"), jsonl(queries.slice(0, 5).map((q, i) => ({ id: `q${i}`, text: q.text }))));
    expect(tandem(["index", "texts.jsonl", "--index", "bm25-whole", "--encode-sparse", "bm25"], work).code).toBe(0);
    expect(tandem(["index", "texts.jsonl", "--index", "bm25-batched", "--encode-sparse", "bm25", "--batch-size", "6"], work).code).toBe(0);
    const args = ["--queries", "text-queries.jsonl", "--encode-sparse", "bm25", "--exact"];
    const whole = tandem(["search", "--index", "bm25-whole", ...args], work);
    const batched = tandem(["search", "--index", "bm25-batched", ...args], work);
    expect(batched.code, batched.stderr).toBe(0);
    expect(hitsOf(whole.stdout).flat().length).toBeGreaterThan(0);
    expect(hitsOf(batched.stdout)).toEqual(hitsOf(whole.stdout));
  });

  it("refuses --batch-size that is not a positive integer", () => {
    for (const bad of ["0", "-3", "1.5", "many"]) {
      const r = tandem(["index", "docs.jsonl", "--index", "never", `--batch-size=${bad}`], work);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^tandem: --batch-size: expected (a positive integer|an integer), got "/);
    }
    expect(existsSync(join(work, "never"))).toBe(false);
  });

  describe("a bad line in a later batch rejects the whole file: exit 2, file and line named, nothing stored", () => {
    const bad = (line: number, text: string) => docs.map((d, i) => (i === line - 1 ? text : JSON.stringify(d))).join("\n") + "\n";
    const cases: [string, string, RegExp][] = [
      ["malformed JSON", bad(40, '{"id": oops}'), /^tandem: bad\.jsonl:40: malformed JSON/],
      ["a document breaking the rules", bad(41, '{"id":"x","sparse":{"a":-1}}'), /^tandem: bad\.jsonl:41: sparse weight of "a" is negative/],
      ["an id repeated from an earlier batch", bad(45, JSON.stringify({ ...docs[44], id: docs[2]!.id })), new RegExp(`^tandem: bad\\.jsonl:45: duplicate id "${docs[2]!.id}" \\(first at bad\\.jsonl:3\\)`)],
      ["a dense vector of another dimension than the file's first", bad(33, JSON.stringify({ id: "x", dense: [1, 2, 3] })), /^tandem: bad\.jsonl:33: dense has 3 values, index dimension is 8/],
    ];
    it.each(cases)("%s: into an existing index", async (_name, content, message) => {
      await writeFile(join(work, "bad.jsonl"), content);
      const before = (await readdir(join(work, "whole"))).sort();
      const info = tandem(["info", "--index", "whole"], work).stdout;
      const r = tandem(["index", "bad.jsonl", "--index", "whole", "--batch-size", "7"], work);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
      expect((await readdir(join(work, "whole"))).sort()).toEqual(before);
      expect(tandem(["info", "--index", "whole"], work).stdout).toBe(info);
    });

    it.each(cases)("%s: into a new index, which is not created", async (_name, content, message) => {
      await writeFile(join(work, "bad.jsonl"), content);
      const r = tandem(["index", "bad.jsonl", "--index", "fresh", "--batch-size", "7"], work);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(work, "fresh"))).toBe(false);
    });

    it("a dense vector of another dimension than the existing index's, in the last batch", async () => {
      const other = generateCorpus(22, 20, 4, "o").docs;
      await writeFile(join(work, "other.jsonl"), jsonl(other));
      const before = (await readdir(join(work, "whole"))).sort();
      const r = tandem(["index", "other.jsonl", "--index", "whole", "--batch-size", "7"], work);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^tandem: other\.jsonl:1: dense has 4 values, index dimension is 8/);
      expect((await readdir(join(work, "whole"))).sort()).toEqual(before);
    });
  });

  it("shows progress on a terminal: megabytes checked, then documents indexed, per second, elapsed, ETA", () => {
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, BIN, "index", "docs.jsonl", "--index", "tty", "--batch-size", "10"].map(quote).join(" ");
    const r = spawnSync("script", ["-qfec", command, "/dev/null"], { cwd: work, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/checking .*1\/1 MB \| [\d.]+ MB\/s \| elapsed \d+s/);
    expect(r.stdout).toMatch(/indexing .*\d+\/50 documents \| [\d.]+ documents\/s \| elapsed \d+s \| ETA \d+s/);
    expect(r.stdout).toMatch(/indexing .*50\/50 documents/);
    expect(r.stdout).toMatch(/"upserted":50/);
    const quiet = spawnSync("script", ["-qfec", `${command} --quiet`, "/dev/null"], { cwd: work, encoding: "utf8" });
    expect(quiet.stdout).not.toMatch(/checking|indexing|documents\/s/);
  });
});

describe("tandem index in batches on a disk that fills up", () => {
  let mounted: ReturnType<typeof mountTmpfs> = null;
  afterEach(() => {
    mounted?.unmount();
    mounted = null;
  });

  it("a failure after some batches exits 1 and says how many documents the earlier commits stored, which remain", async (ctx) => {
    mounted = mountTmpfs("1m");
    if (!mounted) return ctx.skip();
    const work = mounted.dir;
    const many = generateCorpus(23, 400, 16).docs;
    const input = await mkdtemp(join(tmpdir(), "tandem-index-stream-input-"));
    try {
      await writeFile(join(input, "docs.jsonl"), jsonl(many));
      // Room for a few commits of 40 documents, not for all ten.
      fillDisk(join(work, "filler"), 96 * 1024);
      const r = tandem(["index", join(input, "docs.jsonl"), "--index", "idx", "--batch-size", "40"], work);
      expect(r.code).toBe(1);
      const match = /no space left on device \(ENOSPC\) \(([\d,]+) documents, through .*docs\.jsonl:(\d+), were stored by (\d+) earlier commits? and remain/.exec(r.stderr);
      expect(match, r.stderr).not.toBeNull();
      const stored = Number(match![1]!.replace(/,/g, ""));
      expect(stored).toBe(40 * Number(match![3]));
      expect(Number(match![2])).toBe(stored);
      await rm(join(work, "filler"));
      expect(JSON.parse(tandem(["info", "--index", "idx"], work).stdout)).toMatchObject({ documents: stored });
    } finally {
      await rm(input, { recursive: true, force: true });
    }
  });
});
