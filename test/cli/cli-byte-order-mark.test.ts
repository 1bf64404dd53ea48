import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonl, tandem } from "../helpers/cli.js";
import { generateCorpus } from "../helpers/generate.js";

// Windows editors and spreadsheet exports start UTF-8 files with a byte-order mark (EF BB BF).
const BOM = "\ufeff";
const { docs, queries } = generateCorpus(5, 40, 6);

describe("input files that start with a UTF-8 byte-order mark read as without it", () => {
  let work: string;
  const files: Record<string, string> = {
    "docs.jsonl": jsonl(docs),
    "queries.jsonl": jsonl(queries.slice(0, 6).map((q, i) => ({ id: `q${i}`, sparse: q.sparse, dense: q.dense }))),
    "qrels.tsv": "query-id\tcorpus-id\tscore\n" + queries.slice(0, 6).map((_, i) => `q${i}\td${i * 3}\t1`).join("\n") + "\n",
    "config.json": JSON.stringify({ format: "tandem-config", version: 1, fusion: { method: "rrf" }, candidates: 20 }),
    "ids.txt": "d1\nd2\n",
  };
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "tandem-bom-"));
    for (const [name, text] of Object.entries(files)) {
      await writeFile(join(work, name), text);
      await writeFile(join(work, `bom-${name}`), BOM + text);
    }
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  const run = (args: string[]) => {
    const r = tandem(args, work);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    return r.stdout.replace(/"took_ms":[\d.]+/g, "");
  };

  it("documents (index), queries and --config (search), qrels (eval) and ids (delete)", () => {
    for (const prefix of ["", "bom-"]) run(["index", `${prefix}docs.jsonl`, "--index", `${prefix}idx`, "--metric", "dot"]);
    const info = (index: string) => ({ ...JSON.parse(run(["info", "--index", index])), index: undefined });
    expect(info("bom-idx")).toEqual(info("idx"));
    const search = (prefix: string) => run(["search", "--index", "idx", "--queries", `${prefix}queries.jsonl`, "--config", `${prefix}config.json`]);
    expect(search("bom-")).toBe(search(""));
    const evaluate = (prefix: string) => run(["eval", "--index", "idx", "--queries", `${prefix}queries.jsonl`, "--qrels", `${prefix}qrels.tsv`]);
    expect(evaluate("bom-")).toBe(evaluate(""));
    for (const prefix of ["", "bom-"]) run(["delete", "--index", `${prefix}idx`, "--ids", `${prefix}ids.txt`]);
    expect(JSON.parse(run(["info", "--index", "bom-idx"]))).toMatchObject({ documents: docs.length - 2 });
  });
});
