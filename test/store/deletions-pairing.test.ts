import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptIndexError, HybridIndex } from "../../src/index.js";
import { parseManifest, serializeManifest } from "../../src/store/manifest.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("tandem-deletions-");

describe("a deletions file belongs to one segment", () => {
  it("a manifest pairing a segment with another segment's deletions (checksum recomputed) is refused, naming the deletions file", async () => {
    const dir = await tempDir();
    const index = await HybridIndex.open(dir);
    const docs = (prefix: string) => Array.from({ length: 14 }, (_, i) => ({ id: `${prefix}${i}`, sparse: { t: i + 1 } }));
    await index.upsert(docs("a"));
    await index.upsert(docs("b"));
    await index.delete(["a3", "b5"]);
    await index.close();

    const path = join(dir, "manifest.json");
    const { manifest } = parseManifest(await readFile(path), path);
    expect(manifest.segments).toHaveLength(2);
    const [first, second] = manifest.segments;
    [first!.deletions, second!.deletions] = [second!.deletions, first!.deletions];
    await writeFile(path, serializeManifest(manifest));

    const err = await HybridIndex.open(dir, { readOnly: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptIndexError);
    expect((err as Error).message).toMatch(new RegExp(`${dir}/del-\\d+\\.del: deletions are for segment "seg-\\d+\\.tseg", not seg-\\d+\\.tseg`));
  });
});
