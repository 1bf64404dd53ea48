import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CorruptIndexError,
  HybridIndex,
  IndexLockedError,
  InvalidDocumentError,
  InvalidOptionError,
  NotAnIndexError,
  UnsupportedVersionError,
} from "../../src/index.js";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { FORMAT_VERSION, serializeManifest } from "../../src/store/manifest.js";
import { useTempDirs } from "../helpers/temp-dirs.js";
import { writeFormat3Index } from "../helpers/format3-index.js";
import { generateCorpus } from "../helpers/generate.js";

const tempDir = useTempDirs("tandem-store-");

async function populated(): Promise<string> {
  const dir = await tempDir();
  const index = await HybridIndex.open(dir, { metric: "dot" });
  await index.upsert(generateCorpus(7, 50, 4).docs);
  await index.close();
  return dir;
}

describe("store", () => {
  it("round-trips documents exactly (weights as float32)", async () => {
    const dir = await tempDir();
    const { docs } = generateCorpus(11, 40, 6);
    const index = await HybridIndex.open(dir, { metric: "l2" });
    await index.upsert(docs);
    await index.close();
    const reopened = await HybridIndex.open(dir, { readOnly: true });
    for (const doc of docs) {
      const got = await reopened.get(doc.id);
      expect(got?.id).toBe(doc.id);
      expect(got?.text).toBe(doc.text);
      expect(got?.fields).toEqual(doc.fields);
      if (doc.sparse) expect(got?.sparse).toEqual(Object.fromEntries(Object.entries(doc.sparse).map(([t, w]) => [t, Math.fround(w)])));
      else expect(got?.sparse).toBeUndefined();
      if (doc.dense) expect(Array.from(got!.dense!)).toEqual(Array.from(Float32Array.from(doc.dense)));
      else expect(got?.dense).toBeUndefined();
    }
    await reopened.close();
  });

  it("refuses a damaged segment, naming the file", async () => {
    const dir = await populated();
    const seg = (await readdir(dir)).find((f) => f.endsWith(".tseg"))!;
    const bytes = await readFile(join(dir, seg));
    bytes[bytes.length - 3]! ^= 0xff;
    await writeFile(join(dir, seg), bytes);
    await expect(HybridIndex.open(dir)).rejects.toThrow(CorruptIndexError);
    await expect(HybridIndex.open(dir)).rejects.toThrow(new RegExp(`${seg}: checksum mismatch`));
  });

  it("refuses a newer format version and a directory that is not an index", async () => {
    const dir = await populated();
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    // Written with a valid checksum, as a newer build would.
    await writeFile(join(dir, "manifest.json"), serializeManifest({ ...manifest, formatVersion: 99 }));
    await expect(HybridIndex.open(dir)).rejects.toThrow(UnsupportedVersionError);
    await expect(HybridIndex.open(dir)).rejects.toThrow(/format version 99 is newer/);
    // A newer format with a checksum scheme this build does not know is not called damaged.
    const unsigned = { ...manifest };
    delete unsigned.sha256;
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...unsigned, formatVersion: 99 }));
    await expect(HybridIndex.open(dir)).rejects.toThrow(UnsupportedVersionError);
    // A quantization this build does not know is refused, not read as float.
    await writeFile(join(dir, "manifest.json"), serializeManifest({ ...manifest, config: { ...manifest.config, quantization: "int4" } }));
    await expect(HybridIndex.open(dir)).rejects.toThrow(/manifest.json: config is missing or invalid/);

    const other = await tempDir();
    await writeFile(join(other, "notes.txt"), "hello");
    await expect(HybridIndex.open(other)).rejects.toThrow(NotAnIndexError);
    await writeFile(join(other, "manifest.json"), JSON.stringify({ format: "something-else" }));
    await expect(HybridIndex.open(other)).rejects.toThrow(/not a Tandem index manifest/);
    expect(await readFile(join(other, "notes.txt"), "utf8")).toBe("hello");
    await expect(HybridIndex.open(join(other, "missing"), { readOnly: true })).rejects.toThrow(NotAnIndexError);
  });

  it("a rejected batch leaves the index exactly as it was", async () => {
    const dir = await populated();
    const before = await readdir(dir);
    const index = await HybridIndex.open(dir);
    const stats = await index.stats();
    const bad = [
      { id: "new1", dense: [1, 2, 3, 4] },
      { id: "d0", dense: [1, 2, 3] },
    ];
    await expect(index.upsert(bad)).rejects.toThrow(/docs\[1\]: dense has 3 values, index dimension is 4/);
    await expect(index.upsert([{ id: "x", sparse: { a: -1 } }])).rejects.toThrow(InvalidDocumentError);
    await expect(index.upsert([{ id: "x" }, { id: "x" }])).rejects.toThrow(/docs\[1\]: duplicate id "x" \(first at docs\[0\]\)/);
    expect(await index.stats()).toEqual(stats);
    expect(await index.get("new1")).toBeUndefined();
    await index.close();
    expect((await readdir(dir)).sort()).toEqual(before.sort());
  });

  it("one writer at a time; readers need no lock; a stale lock is taken over", async () => {
    const dir = await populated();
    const writer = await HybridIndex.open(dir);
    await expect(HybridIndex.open(dir)).rejects.toThrow(IndexLockedError);
    const reader = await HybridIndex.open(dir, { readOnly: true });
    await expect(reader.upsert([{ id: "z" }])).rejects.toThrow(InvalidOptionError);
    await reader.close();
    await writer.close();
    await writeFile(join(dir, "write.lock"), "999999999");
    const again = await HybridIndex.open(dir);
    await again.close();
  });

  it("ignores and cleans up what a crashed writer left behind", async () => {
    const dir = await populated();
    // A segment written but never committed to the manifest, and a half-written temp file.
    await writeFile(join(dir, "seg-00000099.tseg"), "garbage");
    await writeFile(join(dir, ".manifest.json.tmp-12345"), "{");
    const reader = await HybridIndex.open(dir, { readOnly: true });
    expect((await reader.stats()).documents).toBe(50);
    await reader.close();
    const writer = await HybridIndex.open(dir);
    expect((await writer.stats()).documents).toBe(50);
    await writer.close();
    expect(await readdir(dir)).not.toContain("seg-00000099.tseg");
  });

  it("keeps attachments with the index, checksummed, one version per name", async () => {
    const dir = await populated();
    const index = await HybridIndex.open(dir);
    await expect(index.putAttachment("Bad Name", new Uint8Array(1))).rejects.toThrow(InvalidOptionError);
    await index.putAttachment("model", new TextEncoder().encode("v1"));
    await index.putAttachment("model", new TextEncoder().encode("v2"));
    await index.close();
    const files = (await readdir(dir)).filter((f) => f.startsWith("att-"));
    expect(files).toHaveLength(1);
    const reader = await HybridIndex.open(dir, { readOnly: true });
    expect(new TextDecoder().decode(await reader.getAttachment("model"))).toBe("v2");
    expect(await reader.getAttachment("other")).toBeUndefined();
    await writeFile(join(dir, files[0]!), "v3");
    await expect(reader.getAttachment("model")).rejects.toThrow(CorruptIndexError);
    await reader.close();
  });

  it("refuses to reopen with another metric or dimension", async () => {
    const dir = await populated();
    await expect(HybridIndex.open(dir, { metric: "cosine" })).rejects.toThrow(/uses metric dot/);
    await expect(HybridIndex.open(dir, { dimension: 8 })).rejects.toThrow(/has dimension 4/);
  });
});

describe("a damaged segment is refused whichever way it is read and hashed (fault kind: a file used without its checksum holding)", () => {
  it("one byte changed anywhere, or the file cut short, is a CorruptIndexError naming the file for readers, writers and quantized indexes", async () => {
    for (const quantization of ["none", "int8"] as const) {
      const dir = await tempDir();
      const index = await HybridIndex.open(dir, { metric: "dot", quantization });
      await index.upsert(generateCorpus(7, 50, 4).docs);
      await index.close();
      const seg = (await readdir(dir)).find((f) => f.endsWith(".tseg"))!;
      const original = await readFile(join(dir, seg));
      for (const at of [0, 17, Math.floor(original.length / 2), original.length - 1]) {
        const damaged = Buffer.from(original);
        damaged[at]! ^= 0x01;
        for (const bytes of [damaged, original.subarray(0, at)]) {
          await writeFile(join(dir, seg), bytes);
          for (const readOnly of [true, false]) {
            const err = await HybridIndex.open(dir, { readOnly }).then(
              async (i) => {
                await i.close();
                return undefined;
              },
              (e: unknown) => e,
            );
            expect(err, `${quantization}, byte ${at}, ${bytes.length} bytes, readOnly ${readOnly}`).toBeInstanceOf(CorruptIndexError);
            expect((err as Error).message).toContain(`${seg}: checksum mismatch`);
          }
        }
      }
    }
  });
});

describe("a format version 3 index (segments of version 2, no saved text index) still opens (fault kind: an older index refused or misread after a format change)", () => {
  it("reads its documents, and its text leg, built from the stored texts, answers as before; a writer's commit makes it version 4", async () => {
    const dir = await tempDir();
    const docs = generateCorpus(5, 60, 4).docs.map((d, i) => ({ ...d, text: ["bone marrow", "vitamin d", "bone density calcium", "cell"][i % 4] }));
    const fresh = await HybridIndex.open(await tempDir(), { metric: "dot", textIndex: flexSearchTextIndex() });
    await fresh.upsert(docs);
    const expected = (await fresh.search({ text: "bone calcium", legs: ["text"], k: 60, candidates: 60 })).hits;
    await fresh.close();
    // As a version 3 build wrote it: segments of version 2 (plain postings, no saved text index), manifest version 3.
    await writeFormat3Index(dir, [docs.slice(0, 35), docs.slice(35)], [[], []]);
    const reader = await HybridIndex.open(dir, { readOnly: true, textIndex: flexSearchTextIndex() });
    expect((await reader.search({ text: "bone calcium", legs: ["text"], k: 60, candidates: 60 })).hits).toEqual(expected);
    expect(await reader.get(docs[7]!.id)).toMatchObject({ id: docs[7]!.id, text: docs[7]!.text });
    await reader.close();
    const upgraded = await HybridIndex.open(dir, { textIndex: flexSearchTextIndex() });
    await upgraded.delete([docs[0]!.id]);
    await upgraded.close();
    expect(JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")).formatVersion).toBe(FORMAT_VERSION);
  });
});
