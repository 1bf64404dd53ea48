import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";

/** The built CLI, run as a user runs it. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI on a pseudo-terminal (util-linux `script`), as in an interactive shell: stdout and stderr together. */
function onTerminal(args: string[], cwd: string): { code: number | null; screen: string } {
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  const r = spawnSync("script", ["-qfec", command, "/dev/null"], { cwd, encoding: "utf8" });
  if (r.error) throw r.error;
  return { code: r.status, screen: r.stdout };
}

function piped(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PROGRESS = /encoding sparse .*\d+\/300 documents \| [\d.]+ documents\/s \| elapsed \d+s \| ETA \d+s/;

describe("progress of long commands", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "tandem-progress-"));
    const words = ["bone", "fracture", "vitamin", "protein", "cell", "gene", "risk", "trial"];
    const docs = Array.from({ length: 300 }, (_, i) => ({ id: `d${i}`, text: `${words[i % 8]} ${words[(i * 3) % 8]} ${words[(i * 5 + 1) % 8]} study ${i}` }));
    await writeFile(join(work, "docs.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
    await writeFile(join(work, "queries.jsonl"), '{"id":"q1","text":"bone fracture"}\n{"id":"q2","text":"gene risk"}\n');
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("is shown on a terminal: documents encoded, documents/s, elapsed, ETA", () => {
    const r = onTerminal(["index", "docs.jsonl", "--index", "tty", "--encode-sparse", "bm25"], work);
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(PROGRESS);
    expect(r.screen).toMatch(/300\/300 documents/);
    expect(r.screen).toMatch(/"upserted":300/);
    const search = onTerminal(["search", "--index", "tty", "--queries", "queries.jsonl", "--encode-sparse", "bm25"], work);
    expect(search.code).toBe(0);
    expect(search.screen).toMatch(/encoding sparse .*2\/2 queries \| [\d.]+ queries\/s/);
  });

  it("is not shown on a terminal with --quiet", () => {
    const r = onTerminal(["index", "docs.jsonl", "--index", "quiet", "--encode-sparse", "bm25", "--quiet"], work);
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(/"upserted":300/);
    expect(r.screen).not.toMatch(/encoding|documents\/s|ETA/);
    const search = onTerminal(["search", "--index", "quiet", "--queries", "queries.jsonl", "--encode-sparse", "bm25", "--quiet"], work);
    expect(search.screen).not.toMatch(/encoding|queries\/s/);
  });

  it("writes nothing extra when stderr is not a terminal", () => {
    const r = piped(["index", "docs.jsonl", "--index", "pipe", "--encode-sparse", "bm25"], work);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(["upserted", "documents", "dimension", "metric", "took_ms"]);
    const search = piped(["search", "--index", "pipe", "--queries", "queries.jsonl", "--encode-sparse", "bm25"], work);
    expect(search.stderr).toBe("");
    expect(search.stdout.trim().split("\n")).toHaveLength(2);
  });
});
