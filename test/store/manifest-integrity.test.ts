import fc from "fast-check";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptIndexError, HybridIndex, type Document } from "../../src/index.js";
import { FORMAT_VERSION } from "../../src/store/manifest.js";
import { writeLogFormatIndex } from "../helpers/log-format-index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-manifest-");

/** A small index with a segment, a saved graph and an attachment: every kind of entry a manifest holds. */
async function smallIndex(): Promise<string> {
  const dir = await tempDir();
  const index = await HybridIndex.open(dir, { metric: "dot" });
  await index.upsert([
    { id: "a", sparse: { x: 1 }, dense: [1, 0, 0] },
    { id: "b", sparse: { y: 2 }, dense: [0, 1, 0] },
  ]);
  await index.putAttachment("model", new TextEncoder().encode("weights"));
  await index.close();
  return dir;
}

const listing = async (dir: string) => (await readdir(dir)).sort();
const manifestPath = (dir: string) => join(dir, "manifest.json");

/** Files that look like a crashed writer's leftovers: a refused open must leave them too. */
async function addLeftovers(dir: string): Promise<void> {
  await writeFile(join(dir, "seg-00000099.tseg"), "never committed");
  await writeFile(join(dir, ".manifest.json.tmp-999999999-0"), "{");
}

async function expectRefusedNamingManifest(dir: string): Promise<void> {
  const before = await listing(dir);
  for (const readOnly of [false, true]) {
    const err = await HybridIndex.open(dir, { readOnly }).then(
      async (index) => {
        await index.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err, `opened ${readOnly ? "read-only" : "for writing"}`).toBeInstanceOf(CorruptIndexError);
    expect((err as Error).message).toContain(manifestPath(dir));
  }
  expect(await listing(dir)).toEqual(before);
}

/** The parts of a manifest these tests edit. */
interface EditableManifest {
  formatVersion: number;
  generation: number;
  config: { metric: string; hnsw: { M: number } };
  segments: { file: string; docs: number }[];
  graph?: unknown;
  sha256?: string;
}

/** `base` (a manifest's text) as a version 1 build wrote it: no checksum. */
async function writeVersion1(dir: string, base: string, edit: (m: EditableManifest) => void = () => undefined): Promise<void> {
  const m = JSON.parse(base) as EditableManifest;
  delete m.sha256;
  m.formatVersion = 1;
  edit(m);
  await writeFile(manifestPath(dir), JSON.stringify(m, null, 2));
}

describe("manifest integrity: a damaged or hand-edited manifest is refused, naming it", () => {
  it("a byte flip at any position of the manifest is a CorruptIndexError naming manifest.json, and nothing is deleted", async () => {
    const dir = await smallIndex();
    await addLeftovers(dir);
    const original = await readFile(manifestPath(dir));
    const flipAt = async (position: number, mask: number) => {
      const bytes = Buffer.from(original);
      bytes[position]! ^= mask;
      await writeFile(manifestPath(dir), bytes);
      await expectRefusedNamingManifest(dir);
    };
    // Every position, each with one bit flipped...
    for (let position = 0; position < original.length; position++) await flipAt(position, 1 << position % 8);
    // ...and any position with any flip pattern.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: original.length - 1 }), fc.integer({ min: 1, max: 255 }), flipAt),
      { seed: 14, numRuns: 150 },
    );
    await writeFile(manifestPath(dir), original);
    const index = await HybridIndex.open(dir, { readOnly: true });
    expect((await index.stats()).documents).toBe(2);
    await index.close();
  });

  it("hand edits that still parse (hnsw.M, metric, generation) are refused", async () => {
    const dir = await smallIndex();
    const original = await readFile(manifestPath(dir), "utf8");
    const edits: ((m: EditableManifest) => void)[] = [
      (m) => (m.config.hnsw.M = 17),
      (m) => (m.config.metric = "l2"),
      (m) => (m.generation = 1),
      (m) => (m.segments[0]!.docs = 3),
    ];
    for (const edit of edits) {
      const m = JSON.parse(original) as EditableManifest;
      edit(m);
      // Re-serialized as a tool would, and byte-for-byte in the original layout.
      await writeFile(manifestPath(dir), JSON.stringify(m, null, 2));
      await expectRefusedNamingManifest(dir);
      await writeFile(manifestPath(dir), JSON.stringify(m, null, 2) + "\n");
      await expectRefusedNamingManifest(dir);
    }
  });

  it("an index of format version 1 or 2 (log segments) is read as it was, upgraded by a writer, and its values are checked for sense", async () => {
    const commits: { docs: Document[]; deletes?: string[] }[] = [
      { docs: [{ id: "a", sparse: { x: 1 }, dense: [1, 0, 0], fields: { n: 1 } }, { id: "b", sparse: { y: 2 }, dense: [0, 1, 0] }] },
      { docs: [{ id: "c", sparse: { x: 0.5 }, dense: [0, 0, 1], text: "third" }], deletes: ["b"] },
      { docs: [{ id: "a", sparse: { x: 2 }, dense: [1, 0.1, 0] }] },
    ];
    const answers = async (index: HybridIndex) => ({
      stats: ((s) => ({ documents: s.documents, withSparse: s.withSparse, withDense: s.withDense, withText: s.withText }))(await index.stats()),
      sparse: (await index.search({ sparse: { x: 1 }, k: 5 })).hits.map((h) => [h.id, h.score]),
      dense: (await index.search({ dense: [1, 0, 0], k: 5 })).hits.map((h) => h.id),
      docs: await Promise.all(["a", "b", "c"].map((id) => index.get(id))),
    });
    for (const version of [1, 2] as const) {
      const dir = await tempDir();
      await writeLogFormatIndex(dir, commits, { version, metric: "dot" });
      const before = await listing(dir);
      const reader = await HybridIndex.open(dir, { readOnly: true });
      const expected = await answers(reader);
      await reader.close();
      expect(expected.stats).toEqual({ documents: 2, withSparse: 2, withDense: 2, withText: 1 });
      expect(expected.sparse).toEqual([["a", 2], ["c", 0.5]]);
      expect(expected.docs[0]).toEqual({ id: "a", sparse: { x: 2 }, dense: Float32Array.from([1, 0.1, 0]) });
      expect(expected.docs[1]).toBeUndefined();
      expect(await listing(dir), "a read-only open changes nothing").toEqual(before);

      const writer = await HybridIndex.open(dir);
      expect(await answers(writer)).toEqual(expected);
      await writer.close();
      const manifest = JSON.parse(await readFile(manifestPath(dir), "utf8")) as EditableManifest;
      expect(manifest.formatVersion).toBe(FORMAT_VERSION);
      expect(manifest.segments).toHaveLength(1);
      expect((await listing(dir)).filter((f) => f.endsWith(".tseg"))).toEqual([manifest.segments[0]!.file]);
      const upgraded = await HybridIndex.open(dir, { readOnly: true });
      expect(await answers(upgraded)).toEqual(expected);
      await upgraded.close();
    }

    const dir = await tempDir();
    const original = JSON.stringify(await writeLogFormatIndex(dir, commits, { version: 1 }));
    await writeVersion1(dir, original, (m) => (m.config.hnsw.M = 100000));
    await expect(HybridIndex.open(dir, { readOnly: true })).rejects.toThrow(/manifest\.json: config is missing or invalid/);
    // A generation below the files it names would let a commit reuse their names.
    await writeVersion1(dir, original, (m) => (m.generation = 1));
    await expect(HybridIndex.open(dir, { readOnly: true })).rejects.toThrow(CorruptIndexError);
    await expect(HybridIndex.open(dir, { readOnly: true })).rejects.toThrow(/manifest\.json: .*newer than the manifest's generation 1/);
  });

  it("a commit never overwrites an existing file, even one a rolled-back manifest no longer names", async () => {
    const dir = await tempDir();
    const written = await writeLogFormatIndex(
      dir,
      [{ docs: [{ id: "a", dense: [1, 0, 0] }, { id: "b", dense: [0, 1, 0] }] }, { docs: [{ id: "c", dense: [0, 0, 1] }] }],
      { version: 1, metric: "dot" },
    );
    // Roll the (unverifiable, version 1) manifest back to before "c": the segment holding it stays on disk.
    const newest = written.segments.at(-1)!.file;
    const newestBytes = await readFile(join(dir, newest));
    await writeVersion1(dir, JSON.stringify(written), (m) => {
      m.segments = m.segments.filter((s) => s.file !== newest);
      m.generation = Number(/\d+/.exec(newest)![0]) - 1;
    });
    const writer = await HybridIndex.open(dir);
    expect(await writer.get("c")).toBeUndefined();
    await writer.upsert([{ id: "d", dense: [1, 1, 0] }]);
    await writer.close();
    expect(await readFile(join(dir, newest))).toEqual(newestBytes);
    const reader = await HybridIndex.open(dir, { readOnly: true });
    expect(await reader.get("d")).toBeDefined();
    expect((await reader.stats()).documents).toBe(3);
    await reader.close();
  });

  it("a writer removes only its own leftovers that the verified manifest provably does not name", async () => {
    const dir = await smallIndex();
    await addLeftovers(dir);
    const foreign = ["notes.txt", ".editor.swp", ".seg-00000003.tseg.tmp-1-0", `.manifest.json.tmp-${process.ppid}-7`, "seg-7.tseg"];
    for (const name of foreign) await writeFile(join(dir, name), "not the writer's");
    const writer = await HybridIndex.open(dir);
    await writer.close();
    const after = await listing(dir);
    expect(after).not.toContain("seg-00000099.tseg");
    expect(after).not.toContain(".manifest.json.tmp-999999999-0");
    // pid 1 and the test runner's parent are alive: their temporary files are not ours to remove.
    for (const name of foreign) expect(after).toContain(name);
  });

  it("every file the manifest names, when missing, is a CorruptIndexError naming that file", async () => {
    for (const pattern of [/^seg-\d+\.tseg$/, /^graph-\d+\.hnsw$/, /^att-model-\d+\.bin$/]) {
      const dir = await smallIndex();
      const file = (await listing(dir)).find((f) => pattern.test(f))!;
      await rm(join(dir, file));
      const before = await listing(dir);
      const attempt = async (readOnly: boolean) => {
        const index = await HybridIndex.open(dir, { readOnly });
        try {
          await index.getAttachment("model");
        } finally {
          await index.close();
        }
      };
      for (const readOnly of [true, false]) {
        const err = await attempt(readOnly).then(() => undefined, (e: unknown) => e);
        expect(err, `${file} missing, ${readOnly ? "read-only" : "writer"}`).toBeInstanceOf(CorruptIndexError);
        expect((err as Error).message).toContain(join(dir, file));
      }
      expect(await listing(dir)).toEqual(before);
    }
  });
});
