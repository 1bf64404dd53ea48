import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { HybridIndex } from "../../src/index.js";
import { generateCorpus } from "../helpers/generate.js";

// explain says where score completion got its scores; the embedded engine reads its own stores.
it("explain reports the completion path: stored when a candidate was completed, none otherwise", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tandem-completion-path-"));
  const index = await HybridIndex.open(dir);
  try {
    const { docs, queries } = generateCorpus(15, 200, 8);
    await index.upsert(docs);
    const q = queries[0]!;
    const convex = await index.search({ sparse: q.sparse, dense: q.dense, k: 10, candidates: 10, explain: true });
    expect(convex.hits.some((h) => h.legs.sparse?.completed || h.legs.dense?.completed)).toBe(true);
    expect(convex.completion).toBe("stored");
    expect((await index.search({ sparse: q.sparse, dense: q.dense, k: 10, candidates: 10, fusion: { method: "rrf" }, explain: true })).completion).toBe("none");
    expect((await index.search({ sparse: q.sparse, k: 10, explain: true })).completion).toBe("none");
    expect((await index.search({ sparse: q.sparse, dense: q.dense, k: 10 })).completion).toBeUndefined();
  } finally {
    await index.close();
    await rm(dir, { recursive: true, force: true });
  }
});
