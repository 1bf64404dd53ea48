import { readFile } from "node:fs/promises";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { HybridIndex, type TextIndex } from "../../src/index.js";
import { latencySummary } from "./stats.js";

/**
 * What a fresh process pays for its first text query: `node text-probe.js <index-dir>
 * <queries.txt> <saved|rebuilt>` opens the index read-only with the FlexSearch text leg — loading
 * the segments' saved text indexes (`saved`), or with a leg that cannot load them, so every stored
 * text is indexed again as before they were saved (`rebuilt`) — and prints one JSON object.
 */
export interface TextProbeResult {
  openMs: number;
  firstQueryMs: number;
  rssAfterFirstQuery: number;
  p50: number;
  p95: number;
  /** Hits of every query, so the two modes can be checked to answer alike. */
  answers: string[][];
}

async function main(): Promise<void> {
  const [dir, queryFile, mode] = process.argv.slice(2);
  if (!dir || !queryFile || (mode !== "saved" && mode !== "rebuilt")) throw new Error("usage: text-probe <index-dir> <queries.txt> saved|rebuilt");
  const queries = (await readFile(queryFile, "utf8")).split("\n").filter((line) => line.trim() !== "");
  const flex = flexSearchTextIndex();
  const rebuilding = (): TextIndex => {
    const index = flex();
    return { add: (k, t) => index.add(k, t), remove: (k) => index.remove(k), search: (t, l) => index.search(t, l), searchGroups: (t, l) => index.searchGroups!(t, l) };
  };
  let t = performance.now();
  const index = await HybridIndex.open(dir, { readOnly: true, textIndex: mode === "saved" ? flex : rebuilding });
  const openMs = performance.now() - t;
  try {
    const answers: string[][] = [];
    t = performance.now();
    answers.push((await index.search({ text: queries[0]!, legs: ["text"], k: 10 })).hits.map((h) => h.id));
    const firstQueryMs = performance.now() - t;
    const rssAfterFirstQuery = process.memoryUsage().rss;
    const ms: number[] = [];
    for (const text of queries.slice(1)) {
      t = performance.now();
      answers.push((await index.search({ text, legs: ["text"], k: 10 })).hits.map((h) => h.id));
      ms.push(performance.now() - t);
    }
    const { p50, p95 } = latencySummary(ms);
    const result: TextProbeResult = { openMs, firstQueryMs, rssAfterFirstQuery, p50, p95, answers };
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    await index.close();
  }
}

await main();
