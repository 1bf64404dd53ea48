import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, jsonl, tandem } from "../helpers/cli.js";

// Enough one-document commits that a signal sent after the second lands long before the last.
const DOCS = 20_000;
const BATCH = 10;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

describe("tandem index stopped by a signal", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "tandem-interrupt-"));
    await writeFile(join(work, "docs.jsonl"), jsonl(Array.from({ length: DOCS }, (_, i) => ({ id: `d${i}`, sparse: { common: 1, [`t${i % 97}`]: 1 + (i % 5) } }))));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} stops after the commit in progress, exits 130 and names exactly what is stored`, async () => {
      const index = `idx-${signal}`;
      const child = spawn(process.execPath, [BIN, "index", "docs.jsonl", "--index", index, "--batch-size", String(BATCH)], { cwd: work });
      let stderr = "";
      let stdout = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      await until(() => existsSync(join(work, index, "seg-00000002.tseg")));
      child.kill(signal);
      expect(await exited).toBe(130);
      expect(stdout).toBe("");
      const m = /^tandem: interrupted \((SIG\w+)\) \(([\d,]+) documents, through docs\.jsonl:(\d+), were stored by ([\d,]+) earlier commits and remain; running the same file again upserts them again\)\n$/.exec(stderr);
      expect(m, stderr).not.toBeNull();
      const [, reported, stored, line, commits] = m!;
      const documents = Number(stored!.replace(/,/g, ""));
      expect(reported).toBe(signal);
      expect(documents).toBeLessThan(DOCS);
      expect(documents).toBe(Number(line));
      expect(documents).toBe(Number(commits!.replace(/,/g, "")) * BATCH);
      const info = tandem(["info", "--index", index], work);
      expect(info.code, info.stderr).toBe(0);
      expect(JSON.parse(info.stdout)).toMatchObject({ documents });
    });
  }
});
