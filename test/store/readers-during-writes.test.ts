import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { HybridIndex, NotAnIndexError } from "../../src/index.js";
import { CHURN_DOCS, churnDocs } from "../helpers/processes/churn-docs.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

/** Built child process (npm run build): a separate writer process, as in real use. */
const WRITER = resolve("dist/test/helpers/processes/store-churn-writer.js");
/** Reader opens to make at least, and writer rounds to see at least, before stopping. */
const MIN_OPENS = 150;
const MIN_ROUNDS = 30;

const tempDir = useTempDirs("tandem-readers-");
const QUERY = [0.3, -0.8, 0.5, 0.2];
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + Math.fround(x) * Math.fround(b[i]!), 0);

/** Checks that what `reader` answers is exactly committed state `round`; returns the problems found. */
async function problemsAgainstState(reader: HybridIndex): Promise<string[]> {
  const problems: string[] = [];
  const first = await reader.get("d0");
  const round = first?.fields?.round as number;
  const expected = churnDocs(round);
  if ((await reader.stats()).documents !== CHURN_DOCS) problems.push(`documents ${(await reader.stats()).documents}`);
  for (const doc of expected) {
    const got = await reader.get(doc.id);
    if (got?.fields?.round !== round) problems.push(`${doc.id} is of round ${String(got?.fields?.round)}, d0 of round ${round}`);
    else if (Array.from(got.dense!).some((x, i) => x !== Math.fround(doc.dense![i]!))) problems.push(`${doc.id}: dense differs from round ${round}`);
  }
  const reference = expected.map((d) => ({ id: d.id, score: dot(QUERY, Array.from(d.dense!)) })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  for (const exact of [true, false]) {
    const { hits } = await reader.search({ dense: QUERY, k: 5, exact });
    hits.forEach((h, i) => {
      if (h.id !== reference[i]!.id || Math.abs(h.score - reference[i]!.score) > 1e-5) problems.push(`dense hit ${i} ${h.id} ${h.score}, expected ${reference[i]!.id} ${reference[i]!.score}`);
    });
  }
  const { hits } = await reader.search({ sparse: { a: 1 }, k: CHURN_DOCS });
  for (const h of hits) if (h.score !== expected.find((d) => d.id === h.id)!.sparse!.a) problems.push(`sparse ${h.id} ${h.score}`);
  const attachment = Number(new TextDecoder().decode(await reader.getAttachment("round")));
  // The attachment is stored just after the documents of its round, and read after them.
  if (!(attachment >= round - 1)) problems.push(`attachment round ${attachment} with documents of round ${round}`);
  return problems;
}

describe("readers during a writer's commits, compactions and closes", () => {
  it("a read-only open racing a writer sees one committed state and never reports false damage", async () => {
    const dir = await tempDir();
    const setup = await HybridIndex.open(dir, { metric: "dot" });
    await setup.upsert(churnDocs(0));
    await setup.putAttachment("round", new TextEncoder().encode("0"));
    await setup.close();

    const writer = spawn(process.execPath, [WRITER, dir], { stdio: ["pipe", "pipe", "inherit"] });
    let rounds = 0;
    const writerErrors: string[] = [];
    createInterface({ input: writer.stdout }).on("line", (line) => {
      if (line.startsWith("round ")) rounds = Number(line.slice(6));
      else writerErrors.push(line);
    });
    let exited = false;
    const exit = new Promise<number | null>((done) => writer.on("close", (code) => ((exited = true), done(code))));

    const failures: string[] = [];
    let opens = 0;
    while ((opens < MIN_OPENS || rounds < MIN_ROUNDS) && !exited) {
      opens++;
      try {
        const reader = await HybridIndex.open(dir, { readOnly: true });
        try {
          failures.push(...(await problemsAgainstState(reader)));
        } finally {
          await reader.close();
        }
      } catch (err) {
        failures.push(`${(err as Error).name}: ${(err as Error).message}`);
      }
    }
    writer.stdin.end();
    expect(await exit).toBe(0);
    expect(writerErrors).toEqual([]);
    expect({ opens, failures: failures.slice(0, 5), failed: failures.length }).toEqual({ opens, failures: [], failed: 0 });
  });

  it("a reader racing the index's creation finds no index yet or the index, never 'a directory holding other files'", async () => {
    const answers = { opened: 0, notYet: 0 };
    const wrong: string[] = [];
    for (let round = 0; round < 60; round++) {
      const dir = join(await tempDir(), "idx");
      const writer = (async () => {
        const index = await HybridIndex.open(dir, { metric: "dot" });
        await index.upsert([{ id: "a", dense: [1, 2] }]);
        await index.close();
      })();
      const readers = Array.from({ length: 8 }, async () => {
        for (let attempt = 0; attempt < 30; attempt++) {
          try {
            await (await HybridIndex.open(dir, { readOnly: true })).close();
            answers.opened++;
            return;
          } catch (err) {
            if (err instanceof NotAnIndexError && /no index here/.test(err.message)) answers.notYet++;
            else return wrong.push(`${(err as Error).name}: ${(err as Error).message}`);
          }
        }
      });
      await Promise.all([writer, ...readers]);
    }
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(answers.opened).toBeGreaterThan(0);
  });
});
