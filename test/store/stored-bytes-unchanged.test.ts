import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HybridIndex, MemoryStorage, type Document } from "../../src/index.js";
import { seededRandom } from "../helpers/random.js";

/** A MemoryStorage that remembers the SHA-256 of every file as written, to find bytes changed afterwards. */
class WatchedStorage extends MemoryStorage {
  readonly written = new Map<string, string>();

  override async writeNew(name: string, data: Uint8Array): Promise<boolean> {
    const done = await super.writeNew(name, data);
    if (done) this.written.set(name, bytesToHex(sha256(data)));
    return done;
  }

  override async replace(name: string, data: Uint8Array | string): Promise<void> {
    await super.replace(name, data);
    this.written.set(name, bytesToHex(sha256(typeof data === "string" ? new TextEncoder().encode(data) : data)));
  }

  /** Files whose bytes differ from what was written. */
  async changed(): Promise<string[]> {
    const out: string[] = [];
    for (const name of await this.list()) {
      const bytes = (await this.read(name))!;
      if (bytesToHex(sha256(bytes)) !== this.written.get(name)) out.push(name);
    }
    return out;
  }
}

// Readers and writers of an in-memory storage share the stored bytes, so any decoder that lays
// typed arrays over them and later writes through those arrays would change files behind their
// checksums (a Node storage reads fresh bytes each time and hides such a fault).
describe("stored bytes stay as written while writers and readers work on them", () => {
  it("after upserts, deletes, merges, compactions and reads of every leg, every file is unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const rand = seededRandom(seed);
        const storage = new WatchedStorage(`watched-${seed}`);
        const writer = await HybridIndex.open(storage, {});
        const doc = (i: number): Document => ({
          id: `d${i}`,
          text: `word${i % 7} word${i % 3} shared`,
          sparse: { [`t${i % 11}`]: 1 + rand(), common: rand() + 0.1 },
          dense: Array.from({ length: 6 }, () => rand() - 0.5),
          fields: { n: i % 5 },
        });
        let next = 0;
        const readers: HybridIndex[] = [];
        for (let step = 0; step < 8; step++) {
          const action = rand();
          if (action < 0.55) {
            const count = 5 + Math.floor(rand() * 60);
            await writer.upsert(Array.from({ length: count }, () => doc(next++)));
          } else {
            const ids = Array.from({ length: Math.floor(rand() * next * 0.6) }, () => `d${Math.floor(rand() * next)}`);
            await writer.delete(ids);
          }
          const reader = await HybridIndex.open(storage, { readOnly: true });
          readers.push(reader);
          for (const index of [writer, ...readers]) {
            const probe = doc(Math.floor(rand() * Math.max(next, 1)));
            await index.search({ text: probe.text, sparse: probe.sparse, dense: probe.dense, k: 5, filter: { range: { n: { gte: 1 } } } });
          }
          expect(await storage.changed()).toEqual([]);
        }
        for (const reader of readers) await reader.close();
        await writer.close();
        expect(await storage.changed()).toEqual([]);
      }),
      { numRuns: 12, seed: 20261129 },
    );
  });
});
