import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { HybridIndex } from "../../src/index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

/** Built child processes (npm run build), as separate processes like real concurrent writers. */
const WRITER = resolve("dist/test/helpers/processes/store-writer.js");
const HOLDER = resolve("dist/test/helpers/processes/store-lock-holder.js");
const WRITERS = 6;
const ROUNDS = 20;

const tempDir = useTempDirs("tandem-writers-");

function run(script: string, args: string[]): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, lines: out.split("\n").filter(Boolean) }));
  });
}

/** A writer killed while holding the lock: its lock stays behind, naming a dead process. */
function leaveStaleLock(dir: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [HOLDER, dir], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.once("data", () => child.kill("SIGKILL"));
    child.on("error", fail);
    child.on("close", () => done());
  });
}

async function writeConcurrently(dir: string) {
  const results = await Promise.all(Array.from({ length: WRITERS }, (_, w) => run(WRITER, [dir, String(w), String(ROUNDS), String(100 + w)])));
  const lines = results.flatMap((r) => r.lines);
  const acked = lines.filter((l) => l.startsWith("ack ")).map((l) => l.slice(4));
  return { codes: results.map((r) => r.code), overlaps: lines.filter((l) => l === "overlap").length, errors: lines.filter((l) => l.startsWith("error ")), acked };
}

async function expectEveryAcknowledgedUpsert(dir: string, acked: string[]) {
  const index = await HybridIndex.open(dir, { readOnly: true });
  const missing = [];
  for (const id of acked) if ((await index.get(id)) === undefined) missing.push(id);
  expect(missing).toEqual([]);
  expect((await index.stats()).documents).toBe(WRITERS * ROUNDS);
  await index.close();
}

/** Runs the writers and checks: no error, never two holders, every acknowledged upsert stored. */
async function expectOneHolderAndNothingLost(dir: string): Promise<void> {
    const { codes, overlaps, errors, acked } = await writeConcurrently(dir);
    expect(errors).toEqual([]);
    expect(overlaps).toBe(0);
    expect(codes).toEqual(Array(WRITERS).fill(0));
    expect(acked).toHaveLength(WRITERS * ROUNDS);
    await expectEveryAcknowledgedUpsert(dir, acked);
}

describe("write lock: one holder at a time across processes", () => {
  it("simultaneous writers never hold the lock together and lose no acknowledged upsert", async () => {
    const dir = join(await tempDir(), "idx");
    await expectOneHolderAndNothingLost(dir);
  });

  it("simultaneous writers taking over a stale lock left by a dead writer still hold it one at a time", async () => {
    const dir = join(await tempDir(), "idx");
    await leaveStaleLock(dir);
    await expectOneHolderAndNothingLost(dir);
  });
});
