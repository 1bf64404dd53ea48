import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HybridIndex, StorageError, type Document } from "../../src/index.js";
import { generateCorpus } from "../helpers/generate.js";
import { fillDisk, mountTmpfs } from "../helpers/tmpfs.js";

/** Real disk-full faults on a 1 MiB tmpfs (skipped where this process may not mount one). */
let mounted: ReturnType<typeof mountTmpfs> = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
});

const listing = async (dir: string) => (await readdir(dir)).sort();
type Maintenance = [string, unknown][];

describe("a full disk: typed error naming the file, nothing lost, nothing left behind", () => {
  it("a commit that does not fit is a StorageError (ENOSPC) naming the segment; the index keeps its committed state", async (ctx) => {
    mounted = mountTmpfs("1m");
    if (!mounted) return ctx.skip();
    const dir = join(mounted.dir, "idx");
    const maintenance: Maintenance = [];
    const index = await HybridIndex.open(dir, { metric: "dot", onMaintenanceError: (err, work) => maintenance.push([work, err]) });
    const { docs } = generateCorpus(3, 60, 16);
    await index.upsert(docs.slice(0, 20));
    const before = await listing(dir);
    fillDisk(join(mounted.dir, "filler"));

    const err = await index.upsert(docs.slice(20)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).errno).toBe("ENOSPC");
    expect((err as StorageError).file).toMatch(new RegExp(`^${dir}/seg-\\d+\\.tseg$`));
    expect((err as Error).message).toBe(`${(err as StorageError).file}: cannot write: no space left on device (ENOSPC)`);
    expect(await listing(dir)).toEqual(before);
    expect((await index.stats()).documents).toBe(20);

    // Closing cannot save the graph either: close still succeeds and says why.
    await index.close();
    expect(maintenance.map(([work, e]) => [work, (e as StorageError).errno])).toEqual([["graph", "ENOSPC"]]);
    const unlocked = before.filter((f) => f !== "write.lock");
    expect(await listing(dir)).toEqual(unlocked);

    // Releasing the lock freed its page: fill that too. A new writer cannot even take the lock, and leaves nothing behind trying.
    fillDisk(join(mounted.dir, "filler-2"));
    await expect(HybridIndex.open(dir)).rejects.toThrow(new StorageError(join(dir, "write.lock"), "ENOSPC", `${join(dir, "write.lock")}: cannot take the write lock: no space left on device (ENOSPC)`));
    expect(await listing(dir)).toEqual(unlocked);

    // Reading needs no space; once there is some again, the same batch commits.
    const reader = await HybridIndex.open(dir, { readOnly: true });
    expect((await reader.stats()).documents).toBe(20);
    await reader.close();
    await rm(join(mounted.dir, "filler"));
    await rm(join(mounted.dir, "filler-2"));
    const writer = await HybridIndex.open(dir);
    await writer.upsert(docs.slice(20));
    expect((await writer.stats()).documents).toBe(60);
    await writer.close();
  });

  it("a commit that fits but whose compaction does not resolves as committed; the compaction failure is reported on its own", async (ctx) => {
    mounted = mountTmpfs("1m");
    if (!mounted) return ctx.skip();
    const dir = join(mounted.dir, "idx");
    const maintenance: Maintenance = [];
    const index = await HybridIndex.open(dir, { metric: "dot", onMaintenanceError: (err, work) => maintenance.push([work, err]) });
    const { docs } = generateCorpus(5, 300, 64);
    const version = (batch: Document[], v: number) => batch.map((d) => ({ ...d, fields: { ...d.fields, version: v } }));
    await index.upsert(docs);
    // 100 of 400 stored versions superseded: below the 30% that triggers a merge.
    await index.upsert(version(docs.slice(0, 100), 2));
    expect((await index.stats()).segments).toBe(2);
    // Room for a 30-document segment, not for a merged one of 300.
    fillDisk(join(mounted.dir, "filler"), 48 * 1024);

    const third = version(docs.slice(100, 130), 3);
    expect(await index.upsert(third)).toEqual({ upserted: 30 });
    expect(maintenance.map(([work, e]) => [work, (e as StorageError).errno])).toEqual([["compaction", "ENOSPC"]]);
    expect((maintenance[0]![1] as Error).message).toMatch(/seg-\d+\.tseg: cannot write: no space left on device \(ENOSPC\)$/);
    for (const d of third) expect((await index.get(d.id))?.fields?.version).toBe(3);
    expect((await index.stats()).segments).toBe(3);
    expect((await listing(dir)).filter((f) => f.startsWith(".") || f.endsWith(".tseg"))).toHaveLength(3);

    // The committed batch is durable: another reader sees it.
    const reader = await HybridIndex.open(dir, { readOnly: true });
    expect((await reader.get(third[0]!.id))?.fields?.version).toBe(3);
    await reader.close();

    // With space again, the next write merges.
    await rm(join(mounted.dir, "filler"));
    await index.upsert(version(docs.slice(130, 131), 4));
    expect((await index.stats()).segments).toBe(1);
    expect(maintenance).toHaveLength(1);
    await index.close();
    expect((await listing(dir)).filter((f) => f.endsWith(".tseg"))).toHaveLength(1);
  });
});
