import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateCorpus } from "../helpers/generate.js";
import { fillDisk, mountTmpfs } from "../helpers/tmpfs.js";
import { jsonl, tandem } from "../helpers/cli.js";

// The CLI runs on a 1 MiB tmpfs that really fills up (skipped where mounting is impossible).

let mounted: ReturnType<typeof mountTmpfs> = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
});

describe("tandem on a full disk", () => {
  it("exits 1 with one line naming the file and 'no space left on device', leaving the index as it was", async (ctx) => {
    mounted = mountTmpfs("1m");
    if (!mounted) return ctx.skip();
    const work = mounted.dir;
    const { docs } = generateCorpus(8, 200, 16);
    await writeFile(join(work, "first.jsonl"), jsonl(docs.slice(0, 20)));
    await writeFile(join(work, "rest.jsonl"), jsonl(docs.slice(20)));
    expect(tandem(["index", "first.jsonl", "--index", "idx", "--metric", "dot"], work).code).toBe(0);
    const before = (await readdir(join(work, "idx"))).sort();

    // Room for the lock, not for the segment.
    fillDisk(join(work, "filler"), 8 * 1024);
    const full = tandem(["index", "rest.jsonl", "--index", "idx"], work);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/^tandem: idx\/seg-\d+\.tseg: cannot write: no space left on device \(ENOSPC\)\n$/);
    expect(full.stdout).toBe("");
    expect((await readdir(join(work, "idx"))).sort()).toEqual(before);

    // No room at all: the lock cannot be taken, and says so the same way.
    fillDisk(join(work, "filler-2"));
    const noLock = tandem(["index", "rest.jsonl", "--index", "idx"], work);
    expect(noLock.code).toBe(1);
    expect(noLock.stderr).toBe("tandem: idx/write.lock: cannot take the write lock: no space left on device (ENOSPC)\n");
    expect((await readdir(join(work, "idx"))).sort()).toEqual(before);
    expect(JSON.parse(tandem(["info", "--index", "idx"], work).stdout)).toMatchObject({ documents: 20 });
  });

  it("a batch committed whose merge does not fit: exit 0, the batch stored, a warning line per failed housekeeping step on stderr", async (ctx) => {
    mounted = mountTmpfs("1m");
    if (!mounted) return ctx.skip();
    const work = mounted.dir;
    const { docs } = generateCorpus(5, 300, 64);
    const version = (from: number, to: number, v: number) => jsonl(docs.slice(from, to).map((d) => ({ ...d, fields: { ...d.fields, version: v } })));
    await writeFile(join(work, "all.jsonl"), jsonl(docs));
    await writeFile(join(work, "v2.jsonl"), version(0, 100, 2));
    await writeFile(join(work, "v3.jsonl"), version(100, 130, 3));
    expect(tandem(["index", "all.jsonl", "--index", "idx"], work).code).toBe(0);
    expect(tandem(["index", "v2.jsonl", "--index", "idx"], work).code).toBe(0);
    fillDisk(join(work, "filler"), 48 * 1024);

    const r = tandem(["index", "v3.jsonl", "--index", "idx"], work);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ upserted: 30, documents: 300 });
    const lines = r.stderr.split("\n").filter(Boolean);
    // The merge, and then saving the grown graph on close: each failure on its own line, no stack trace.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^tandem: warning: merging segments after the commit failed: idx\/seg-\d+\.tseg: cannot write: no space left on device \(ENOSPC\) \(the documents are stored; /);
    expect(lines[1]).toMatch(/^tandem: warning: saving the dense graph failed: idx\/graph-\d+\.hnsw: cannot write: no space left on device \(ENOSPC\) \(the documents are stored; /);
    await rm(join(work, "filler"));
    expect(JSON.parse(tandem(["info", "--index", "idx"], work).stdout)).toMatchObject({ documents: 300, segments: 3 });
  });
});
