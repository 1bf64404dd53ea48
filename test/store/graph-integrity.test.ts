import fc from "fast-check";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptIndexError, HybridIndex } from "../../src/index.js";
import { sha256Hex } from "../../src/store/checksum.js";
import { parseManifest, serializeManifest } from "../../src/store/manifest.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

// Fault kind: a saved graph whose checksum holds but whose structure does not (a writer's bug, or
// a file changed with its checksum recomputed). Its links were followed unchecked: a search read
// outside the vectors (a WebAssembly "memory access out of bounds") or open failed with a TypeError,
// instead of a CorruptIndexError naming the file.

const tempDir = useTempDirs("tandem-graph-");

async function indexWithGraph(): Promise<{ dir: string; file: string; bytes: Uint8Array }> {
  const dir = await tempDir();
  const index = await HybridIndex.open(dir, { metric: "dot", hnsw: { M: 4 } });
  await index.upsert(Array.from({ length: 40 }, (_, i) => ({ id: `d${i}`, dense: [1 + (i % 7), (i % 5) - 2, (i % 3) * 0.5] })));
  await index.close();
  const { manifest } = parseManifest(await readFile(join(dir, "manifest.json")), "manifest.json");
  const file = manifest.graph!.file;
  return { dir, file, bytes: new Uint8Array(await readFile(join(dir, file))) };
}

describe("a saved graph that does not hold together is refused on open (fault: links followed unchecked)", () => {
  it("any change of its bytes, checksum recomputed, opens an index that takes documents or is a CorruptIndexError naming the graph file", async () => {
    const { dir, file, bytes } = await indexWithGraph();
    const manifestBytes = await readFile(join(dir, "manifest.json"));
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }), async (changes) => {
        const changed = bytes.slice();
        for (const [at, value] of changes) changed[at] = value;
        await writeFile(join(dir, file), changed);
        const { manifest } = parseManifest(manifestBytes, "manifest.json");
        manifest.graph = { ...manifest.graph!, sha256: sha256Hex(changed), bytes: changed.length };
        await writeFile(join(dir, "manifest.json"), serializeManifest(manifest));
        let index: HybridIndex | undefined;
        try {
          index = await HybridIndex.open(dir);
          // Inserting walks the graph from its entry point through every level.
          await index.upsert([{ id: "new", dense: [0.5, 1, -1] }]);
          const { hits } = await index.search({ dense: [1, 0, 0], k: 5, legs: ["dense"] });
          expect(hits.length).toBe(5);
        } catch (err) {
          refused++;
          expect(err).toBeInstanceOf(CorruptIndexError);
          expect((err as Error).message).toContain(file);
        } finally {
          await index?.close();
        }
      }),
      { seed: 5, numRuns: 150 },
    );
    // The property is not vacuous: most changes break the graph.
    expect(refused).toBeGreaterThan(20);
  });
});
