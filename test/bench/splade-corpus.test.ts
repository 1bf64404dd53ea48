import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HybridIndex } from "../../src/index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";
import { SpladeCorpus, VOCABULARY, querySparse, toDocuments, tokenName, writeCorpusJsonl, type SpladeBatch } from "./splade-corpus.js";

const tempDir = useTempDirs("tandem-splade-corpus-");
const DOCS = 20_000;

function draw(seed: number, count: number): SpladeBatch[] {
  const corpus = new SpladeCorpus({ seed });
  const out: SpladeBatch[] = [];
  for (let start = 0; start < count; start += 5_000) out.push(corpus.nextBatch(Math.min(5_000, count - start)));
  return out;
}

describe("the SPLADE-like benchmark corpus", () => {
  const corpus = new SpladeCorpus({ seed: 11 });
  const batches: SpladeBatch[] = [];
  for (let start = 0; start < DOCS; start += 5_000) batches.push(corpus.nextBatch(5_000));
  const queries = corpus.queries(100);

  it("has SPLADE's statistics: head tokens in 30–40% of documents, ~130 tokens of mean weight ~0.5, a heavy tail", () => {
    const df = new Uint32Array(VOCABULARY);
    let postings = 0;
    let weightSum = 0;
    for (const b of batches) {
      postings += b.tokens.length;
      for (let j = 0; j < b.tokens.length; j++) {
        df[b.tokens[j]!]!++;
        weightSum += b.weights[j]!;
      }
    }
    const byDf = Array.from(df).sort((a, b) => b - a).map((x) => x / DOCS);
    for (const share of byDf.slice(0, 8)) {
      expect(share).toBeGreaterThanOrEqual(0.29);
      expect(share).toBeLessThanOrEqual(0.41);
    }
    // Heavy-tailed: the 1,000th token is in ~2% of documents, the 20,000th in a handful.
    expect(byDf[1000]!).toBeLessThan(0.05);
    expect(byDf[20_000]!).toBeLessThan(0.002);
    expect(postings / DOCS).toBeGreaterThan(120);
    expect(postings / DOCS).toBeLessThan(140);
    expect(weightSum / postings).toBeGreaterThan(0.45);
    expect(weightSum / postings).toBeLessThan(0.55);
  });

  it("has queries of ~50 tokens weighing up to ~3", () => {
    const nnz = queries.tokens.length / queries.count;
    expect(nnz).toBeGreaterThan(45);
    expect(nnz).toBeLessThan(55);
    const max = queries.weights.reduce((m, w) => Math.max(m, w), 0);
    expect(max).toBeGreaterThan(2.5);
    expect(max).toBeLessThanOrEqual(3);
  });

  it("gives queries real neighbours: the exact top document shares the query's topic far more often than chance", () => {
    const q = new Float32Array(VOCABULARY);
    const topicDocs = new Float64Array(corpus.topicCount);
    for (const b of batches) for (let i = 0; i < b.count; i++) topicDocs[b.topics[i]!]!++;
    let agree = 0;
    let chance = 0;
    for (let k = 0; k < queries.count; k++) {
      q.fill(0);
      for (let j = queries.offsets[k]!; j < queries.offsets[k + 1]!; j++) q[queries.tokens[j]!] = queries.weights[j]!;
      let best = -1;
      let bestTopic = -1;
      for (const b of batches) {
        for (let i = 0; i < b.count; i++) {
          let s = 0;
          for (let j = b.offsets[i]!; j < b.offsets[i + 1]!; j++) s += q[b.tokens[j]!]! * b.weights[j]!;
          if (s > best) [best, bestTopic] = [s, b.topics[i]!];
        }
      }
      if (bestTopic === queries.topics[k]) agree++;
      chance += topicDocs[queries.topics[k]!]! / DOCS;
    }
    expect(agree / queries.count).toBeGreaterThan(0.5);
    expect(agree / queries.count).toBeGreaterThan(20 * (chance / queries.count));
  });

  it("spreads topics and head tokens over the document order", () => {
    // The most frequent token's share in each quarter of the corpus is its overall share.
    const df = new Uint32Array(VOCABULARY);
    for (const b of batches) for (const t of b.tokens) df[t]!++;
    const head = df.indexOf(Math.max(...df));
    for (const b of batches.slice(0, 4)) {
      let n = 0;
      for (const t of b.tokens) if (t === head) n++;
      expect(Math.abs(n / b.count - df[head]! / DOCS)).toBeLessThan(0.03);
    }
  });

  it("is deterministic per seed, whatever the batch sizes, and queries do not depend on documents drawn", () => {
    const whole = new SpladeCorpus({ seed: 5 }).nextBatch(300, true);
    const parts = new SpladeCorpus({ seed: 5 });
    const first = parts.nextBatch(100, true);
    const second = parts.nextBatch(200, true);
    expect(Array.from(first.tokens).concat(Array.from(second.tokens))).toEqual(Array.from(whole.tokens));
    expect(Array.from(first.weights).concat(Array.from(second.weights))).toEqual(Array.from(whole.weights));
    expect(Array.from(second.dense!)).toEqual(Array.from(whole.dense!.subarray(100 * 384)));
    expect(second.start).toBe(100);
    expect(Array.from(draw(5, 300)[0]!.tokens)).toEqual(Array.from(new SpladeCorpus({ seed: 5 }).nextBatch(300).tokens));
    expect(new SpladeCorpus({ seed: 5 }).queries(10)).toEqual(parts.queries(10));
    expect(Array.from(new SpladeCorpus({ seed: 6 }).nextBatch(300).tokens)).not.toEqual(Array.from(whole.tokens));
  });

  it("names tokens uniquely", () => {
    const names = new Set(Array.from({ length: VOCABULARY }, (_, i) => tokenName(i)));
    expect(names.size).toBe(VOCABULARY);
  });

  it("makes documents and JSONL the engine accepts: sparse, unit 384-d vectors, text, fields", async () => {
    const source = new SpladeCorpus({ seed: 3 });
    const docs = toDocuments(source.nextBatch(50, true), { dense: true, text: true, fields: true });
    const dense = docs[0]!.dense!;
    expect(dense.length).toBe(384);
    expect(Math.hypot(...dense)).toBeCloseTo(1, 5);
    expect(docs[0]!.text!.split(" ")).toHaveLength(8);
    const dir = await tempDir();
    const index = await HybridIndex.open(join(dir, "idx"));
    try {
      expect((await index.upsert(docs)).upserted).toBe(50);
      const { hits } = await index.search({ sparse: querySparse(source.queries(1), 0), k: 3 });
      expect(hits.length).toBeGreaterThan(0);
    } finally {
      await index.close();
    }
    const file = join(dir, "docs.jsonl");
    await writeCorpusJsonl(file, new SpladeCorpus({ seed: 3 }), 25, { dense: true, fields: true }, 10);
    const lines = (await readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { id: string; sparse: Record<string, number> });
    expect(lines.map((l) => l.id)).toEqual(docs.slice(0, 25).map((d) => d.id));
    expect(lines[7]!.sparse).toEqual(docs[7]!.sparse);
  });
});
