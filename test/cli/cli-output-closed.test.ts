import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCorpus } from "../helpers/generate.js";
import { BIN, jsonl } from "../helpers/cli.js";

/** The built CLI as a separate process, its stdout a real pipe that the test closes early, as `| head` does. */

/** Runs the CLI and closes its stdout after `keepLines` lines (0: before it writes anything). */
function runClosingStdout(args: string[], cwd: string, keepLines: number): Promise<{ code: number | null; signal: string | null; lines: number; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let lines = 0;
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    if (keepLines === 0) child.stdout.destroy();
    else {
      child.stdout.on("data", (chunk: Buffer) => {
        lines += chunk.toString().split("\n").length - 1;
        if (lines >= keepLines) child.stdout.destroy();
      });
    }
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, lines, stderr }));
  });
}

let work: string;
const { docs, queries } = generateCorpus(16, 300, 8);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "tandem-cli-pipe-"));
  await writeFile(join(work, "docs.jsonl"), jsonl(docs));
  // Enough output (explained hits for 600 queries, megabytes) to outlast any pipe buffer.
  const many = Array.from({ length: 600 }, (_, i) => ({ id: `q${i}`, sparse: queries[i % queries.length]!.sparse, dense: queries[i % queries.length]!.dense }));
  await writeFile(join(work, "queries.jsonl"), jsonl(many));
  await writeFile(join(work, "qrels.tsv"), "query-id\tcorpus-id\tscore\nq0\td1\t1\n");
  await writeFile(join(work, "ids.txt"), "d3\n");
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe("a closed stdout ends any command quietly", () => {
  it("search | head: exit 0, no stack trace, after the reader went away mid-output", async () => {
    const index = await runClosingStdout(["index", "docs.jsonl", "--index", "idx", "--metric", "dot"], work, 0);
    expect(index).toMatchObject({ code: 0, stderr: "" });
    const r = await runClosingStdout(["search", "--index", "idx", "--queries", "queries.jsonl", "--k", "50", "--explain"], work, 1);
    expect(r.lines).toBeGreaterThanOrEqual(1);
    expect(r).toMatchObject({ code: 0, signal: null, stderr: "" });
  });

  it("every command whose stdout is closed before it writes exits 0 without a stack trace, and its work is done", async () => {
    const commands = [
      ["index", "docs.jsonl", "--index", "idx2", "--metric", "dot"],
      ["info", "--index", "idx2"],
      ["search", "--index", "idx2", "--queries", "queries.jsonl"],
      ["eval", "--index", "idx2", "--queries", "queries.jsonl", "--qrels", "qrels.tsv"],
      ["delete", "--index", "idx2", "--ids", "ids.txt"],
      ["--help"],
    ];
    for (const args of commands) expect(await runClosingStdout(args, work, 0), args.join(" ")).toMatchObject({ code: 0, signal: null, stderr: "" });
    // The writes happened although nobody read their reports.
    const info = await new Promise<string>((done) => {
      const child = spawn(process.execPath, [BIN, "info", "--index", "idx2"], { cwd: work });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.on("close", () => done(out));
    });
    expect(JSON.parse(info)).toMatchObject({ documents: 299 });
  });
});
