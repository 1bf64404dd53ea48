import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../helpers/temp-dirs.js";
import { readCiff } from "./ciff-reader.js";
import { linearImpact, writeCiff } from "./ciff-writer.js";
import { ForwardFile } from "./forward-file.js";
import { MessageBuilder, MessageReader, putVarint } from "./protobuf-wire.js";

const tempDir = useTempDirs("tandem-ciff-");

/** Documents as (token, weight) lists, distinct tokens per document. */
const documents = (vocabulary: number) =>
  fc.array(
    fc.uniqueArray(fc.record({ token: fc.integer({ min: 0, max: vocabulary - 1 }), weight: fc.float({ min: Math.fround(0.01), max: 3, noNaN: true }) }), { selector: (p) => p.token, maxLength: 8 }),
    { minLength: 1, maxLength: 25 },
  );

async function forwardOf(dir: string, docs: { token: number; weight: number }[][], vocabulary: number, runs: number): Promise<ForwardFile> {
  const forward = await ForwardFile.create(join(dir, "forward.bin"), vocabulary);
  const per = Math.ceil(docs.length / runs);
  for (let from = 0; from < docs.length; from += per) {
    const run = docs.slice(from, from + per);
    const offsets = new Uint32Array(run.length + 1);
    for (const [i, d] of run.entries()) offsets[i + 1] = offsets[i]! + d.length;
    const tokens = Uint16Array.from(run.flat().map((p) => p.token));
    const weights = Float32Array.from(run.flat().map((p) => p.weight));
    await forward.append(offsets, tokens, weights);
  }
  await forward.finish();
  return forward;
}

describe("the CIFF writer", () => {
  it("round-trips: every document's postings come back under their terms, docids ascending in the given order, impacts quantized", async () => {
    const vocabulary = 12;
    await fc.assert(
      fc.asyncProperty(documents(vocabulary), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.option(fc.integer()), async (docs, runs, budget, shuffle) => {
        const dir = await tempDir();
        const forward = await forwardOf(dir, docs, vocabulary, runs);
        const maxWeight = Math.max(1e-3, ...docs.flat().map((p) => Math.fround(p.weight)));
        const impact = linearImpact(maxWeight);
        // Without an order docids are positions; with one (a seeded shuffle), docid d is the document at order[d].
        const order = Uint32Array.from({ length: docs.length }, (_, i) => i);
        if (shuffle !== null) {
          let s = shuffle >>> 0;
          for (let i = order.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const j = s % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
        }
        const rank = new Map(Array.from(order, (position, d) => [position, d]));
        const path = join(dir, "index.ciff");
        const written = await writeCiff(path, forward, { termName: (t) => `t${t}`, docId: (i) => `doc-${i}`, impact, budget, description: "test", ...(shuffle !== null ? { order } : {}) });
        const bytes = await readFile(path);
        expect(written.bytes).toBe(bytes.length);
        const ciff = readCiff(bytes);

        // The reference: a brute-force inversion of the documents, terms in id order.
        const expected: { term: string; df: number; cf: number; docids: number[]; tfs: number[] }[] = [];
        for (let t = 0; t < vocabulary; t++) {
          const postings: [number, number][] = [];
          docs.forEach((d, i) => {
            const p = d.find((x) => x.token === t);
            if (p) postings.push([rank.get(i)!, impact(Math.fround(p.weight))]);
          });
          postings.sort((a, b) => a[0] - b[0]);
          const docids = postings.map((p) => p[0]);
          const tfs = postings.map((p) => p[1]);
          if (docids.length > 0) expected.push({ term: `t${t}`, df: docids.length, cf: tfs.reduce((s, x) => s + x, 0), docids, tfs });
        }
        const postings = docs.reduce((s, d) => s + d.length, 0);
        expect(ciff.header).toEqual({
          version: 1,
          numPostingsLists: expected.length,
          numDocs: docs.length,
          totalPostingsLists: expected.length,
          totalDocs: docs.length,
          totalTermsInCollection: postings,
          averageDoclength: postings / docs.length,
          description: "test",
        });
        expect(ciff.postingsLists).toEqual(expected);
        expect(ciff.docRecords).toEqual(Array.from(order, (position, d) => ({ docid: d, collectionDocid: `doc-${position}`, doclength: docs[position]!.length })));
        for (const list of ciff.postingsLists) for (const tf of list.tfs) expect(tf >= 1 && tf <= 255).toBe(true);
      }),
      { seed: 7, numRuns: 60 },
    );
  });

  it("quantizes linearly to 1..2^bits − 1: the largest weight gets the top impact, none falls to 0", () => {
    const impact = linearImpact(3);
    expect(impact(3)).toBe(255);
    expect(impact(1.5)).toBe(128); // 127.5 rounds up
    expect(impact(0.3)).toBe(26); // 25.5
    expect(impact(0.0001)).toBe(1);
    // Fewer bits keep BMP's 16-bit sums in range on long queries.
    expect(linearImpact(3, 7)(3)).toBe(127);
    expect(linearImpact(3, 7)(1.5)).toBe(64); // 63.5
  });
});

describe("the protobuf wire helpers", () => {
  it("encode varints as the protobuf documentation's examples", () => {
    const out = new Uint8Array(10);
    expect(Array.from(out.subarray(0, putVarint(out, 0, 1)))).toEqual([0x01]);
    expect(Array.from(out.subarray(0, putVarint(out, 0, 150)))).toEqual([0x96, 0x01]);
    expect(Array.from(out.subarray(0, putVarint(out, 0, 300)))).toEqual([0xac, 0x02]);
    // A 64-bit count past 2^32 (total_terms_in_collection of a large collection).
    const big = 5_000_000_000;
    const r = new MessageReader(out.subarray(0, putVarint(out, 0, big)));
    expect(r.varint()).toBe(big);
  });

  it("writes a message as protobuf lays it out: field 1 = 150 is 08 96 01, length-prefixed", () => {
    expect(Array.from(new MessageBuilder().varint(1, 150).delimited())).toEqual([0x03, 0x08, 0x96, 0x01]);
    expect(Array.from(new MessageBuilder().string(2, "testing").delimited())).toEqual([0x09, 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    const fields = MessageReader.fields(new MessageBuilder().varint(1, 0).double(7, 2.5).string(8, "ü").delimited().subarray(1));
    expect(fields).toEqual([
      [7, 2.5],
      [8, new TextEncoder().encode("ü")],
    ]);
  });
});
