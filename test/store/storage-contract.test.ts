import fc from "fast-check";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptIndexError, HybridIndex, IndexLockedError, MemoryStorage, NotAnIndexError, type Storage } from "../../src/index.js";
import { sha256Hex } from "../../src/store/checksum.js";
import { NodeStorage } from "../../src/store/node-storage.js";
import { generateCorpus } from "../helpers/generate.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-storage-");
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data === undefined ? undefined : new TextDecoder().decode(data));

const kinds: [string, () => Promise<Storage>][] = [
  ["NodeStorage", async () => new NodeStorage(await tempDir())],
  ["MemoryStorage", async () => new MemoryStorage()],
];

describe.each(kinds)("the Storage contract (%s)", (_, fresh) => {
  it("writeNew never overwrites; replace swaps whole contents; remove skips missing names; list shows files only", async () => {
    const storage = await fresh();
    await storage.prepare(true);
    expect(await storage.read("a")).toBeUndefined();
    expect(await storage.exists("a")).toBe(false);
    expect(await storage.writeNew("a", bytes("first"))).toBe(true);
    expect(await storage.writeNew("a", bytes("second"))).toBe(false);
    expect(text(await storage.read("a"))).toBe("first");
    await storage.replace("m", "old");
    await storage.replace("m", bytes("new"));
    expect(text(await storage.read("m"))).toBe("new");
    // A caller's array changed after the write does not change the file.
    const data = bytes("kept");
    await storage.writeNew("b", data);
    data[0] = 0;
    expect(text(await storage.read("b"))).toBe("kept");
    await storage.remove(["b", "never-written"]);
    expect(await storage.exists("b")).toBe(false);
    // The lock and the temporary files of replace are the storage's own, not files.
    const lock = await storage.lock();
    expect((await storage.list()).sort()).toEqual(["a", "m"]);
    await lock.release();
  });

  it("an opened file keeps reading what it opened, after the file is removed or replaced", async () => {
    const storage = await fresh();
    await storage.prepare(true);
    await storage.replace("f", "0123456789");
    const file = (await storage.openFile("f"))!;
    expect(await storage.openFile("missing")).toBeUndefined();
    await storage.remove(["f"]);
    await storage.replace("f", "abcdefghij");
    const into = new Uint8Array(4);
    expect(file.read(3, into)).toBe(4);
    expect(text(into)).toBe("3456");
    expect(file.read(8, into), "cut short at the end").toBe(2);
    expect(text(await file.readAll())).toBe("0123456789");
    file.close();
    expect(() => file.read(0, into)).toThrow(/read after close/);
  });

  it("one lock holder at a time; released, the lock can be taken again", async () => {
    const storage = await fresh();
    await storage.prepare(true);
    const held = await storage.lock();
    await expect(storage.lock()).rejects.toThrow(IndexLockedError);
    await held.release();
    await held.release();
    const again = await storage.lock();
    await again.release();
  });
});

describe("MemoryStorage as an index's storage", () => {
  it("holds an index: reopening the same storage sees it; a second writer is refused while one is open; readers need no lock", async () => {
    const storage = new MemoryStorage("docs");
    await expect(HybridIndex.open(storage, { readOnly: true })).rejects.toThrow(new NotAnIndexError("memory:docs: no index here (no manifest.json)"));
    const { docs } = generateCorpus(3, 40, 4);
    const writer = await HybridIndex.open(storage, { metric: "dot" });
    await writer.upsert(docs);
    await expect(HybridIndex.open(storage)).rejects.toThrow(IndexLockedError);
    const reader = await HybridIndex.open(storage, { readOnly: true });
    expect((await reader.stats()).documents).toBe(40);
    await reader.close();
    await writer.close();
    const reopened = await HybridIndex.open(storage);
    expect(await reopened.get(docs[7]!.id)).toMatchObject({ id: docs[7]!.id, fields: docs[7]!.fields });
    await reopened.close();
  });

  it("a damaged file is refused, naming it: checksums are verified in memory too", async () => {
    const storage = new MemoryStorage("damaged");
    const index = await HybridIndex.open(storage, { metric: "dot" });
    await index.upsert(generateCorpus(4, 20, 4).docs);
    await index.close();
    const segment = (await storage.list()).find((name) => name.endsWith(".tseg"))!;
    // read gives the stored bytes themselves: damage them in place.
    const stored = (await storage.read(segment))!;
    stored[stored.length - 3]! ^= 0xff;
    await expect(HybridIndex.open(storage, { readOnly: true })).rejects.toThrow(new CorruptIndexError(`memory:damaged/${segment}: checksum mismatch (the file is damaged or was changed outside Tandem)`));
  });

  it("an attachment read back is the caller's copy: changing it changes nothing stored", async () => {
    const storage = new MemoryStorage();
    const index = await HybridIndex.open(storage);
    await index.putAttachment("model", bytes("weights"));
    const first = (await index.getAttachment("model"))!;
    first[0] = 0;
    expect(text(await index.getAttachment("model"))).toBe("weights");
    await index.close();
  });

  it("an index written in memory, copied file by file into a directory, opens there with the same answers", async () => {
    const storage = new MemoryStorage();
    const { docs, queries } = generateCorpus(8, 200, 8);
    const index = await HybridIndex.open(storage, { metric: "cosine", quantization: "int8" });
    await index.upsert(docs.slice(0, 120));
    await index.upsert(docs.slice(120));
    await index.delete(docs.slice(0, 30).map((d) => d.id));
    const ask = async (i: HybridIndex) => Promise.all(queries.slice(0, 5).map(async (q) => (await i.search({ sparse: q.sparse, dense: q.dense, k: 10 })).hits));
    await index.close();
    const reader = await HybridIndex.open(storage, { readOnly: true });
    const expected = await ask(reader);
    await reader.close();
    const dir = await tempDir();
    for (const name of await storage.list()) await writeFile(join(dir, name), (await storage.read(name))!);
    expect((await readdir(dir)).sort()).toEqual((await storage.list()).sort());
    const onDisk = await HybridIndex.open(dir, { readOnly: true });
    expect(await ask(onDisk)).toEqual(expected);
    await onDisk.close();
  });
});

describe("checksums: the portable SHA-256 and Node's native one agree", () => {
  it("on any bytes, so an index checksummed by either storage opens in the other", () => {
    const node = new NodeStorage("unused");
    expect(sha256Hex(new Uint8Array(0))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (data) => sha256Hex(data) === node.sha256(data)),
      { seed: 256, numRuns: 300 },
    );
  });
});

describe("hashed reads: the Node storage's read-while-hashing gives the bytes and digest of a read then a hash", () => {
  it("on any content, across read chunk boundaries, through the storage and through an open file", async () => {
    const dir = await tempDir();
    // A 7-byte read chunk, so small files cross many boundaries (short final chunk, exact multiples, empty files).
    const node = new NodeStorage(dir, 7);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (data) => {
        const name = `f${n++}`;
        expect(await node.writeNew(name, data)).toBe(true);
        const read = (await node.readHashed(name))!;
        expect(Array.from(read.bytes)).toEqual(Array.from(data));
        expect(read.sha256).toBe(sha256Hex(data));
        // The bytes fill their own buffer, so segment views are laid over them without a copy.
        expect(read.bytes.byteOffset === 0 && read.bytes.byteLength === read.bytes.buffer.byteLength).toBe(true);
        const file = (await node.openFile(name))!;
        try {
          const fromFile = await file.readAllHashed!();
          expect(Array.from(fromFile.bytes)).toEqual(Array.from(data));
          expect(fromFile.sha256).toBe(sha256Hex(data));
        } finally {
          file.close();
        }
      }),
      { seed: 257, numRuns: 120 },
    );
    expect(await node.readHashed("absent")).toBeUndefined();
  });
});
