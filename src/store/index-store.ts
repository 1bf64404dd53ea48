import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { CorruptIndexError, NotAnIndexError } from "../errors.js";
import { getOwn } from "../own-property.js";
import { syncDirectory, writeFileAtomic } from "./atomic-file.js";
import { sha256Hex } from "./checksum.js";
import { ATTACHMENT_FILE, FORMAT_VERSION, INDEX_FORMAT, MANIFEST_FILE, parseManifest, type Manifest } from "./manifest.js";
import type { FloatRows } from "../dense/float-rows.js";
import { decodeSegment, encodeSegment, type SegmentContent } from "./segment-codec.js";
import { SegmentFloatRows } from "./segment-float-rows.js";
import { isLockFile, WriteLock } from "./write-lock.js";

export interface StoreOpenOptions {
  readOnly: boolean;
  /** Configuration for a new index (ignored when the index exists). */
  config: Manifest["config"];
}

/** A segment as read on open; `rows` reads its dense rows back when the index quantizes vectors. */
export type LoadedSegment = SegmentContent & { rows?: FloatRows };

const SEGMENT_FILE = /^seg-\d+\.tseg$/;
const GRAPH_FILE = /^graph-\d+\.hnsw$/;

/**
 * The on-disk index: a manifest listing immutable segment files, each with its SHA-256.
 * A commit writes a new segment, then swaps the manifest atomically, so a crash at any point
 * leaves the previous manifest and every file it names intact. @internal
 */
export class IndexStore {
  private constructor(
    readonly dir: string,
    private manifest: Manifest,
    private readonly lock: WriteLock | null,
  ) {}

  get config(): Manifest["config"] {
    return this.manifest.config;
  }

  get generation(): number {
    return this.manifest.generation;
  }

  get segmentCount(): number {
    return this.manifest.segments.length;
  }

  /** Opens (or, when writable, creates) the index in `dir` and reads every segment. */
  static async open(dir: string, options: StoreOpenOptions): Promise<{ store: IndexStore; segments: LoadedSegment[] }> {
    const info = await stat(dir).catch(() => null);
    if (info && !info.isDirectory()) throw new NotAnIndexError(`${dir}: not a directory, so not a Tandem index`);
    if (!info) {
      if (options.readOnly) throw new NotAnIndexError(`${dir}: no index here (the directory does not exist)`);
      await mkdir(dir, { recursive: true });
    }
    const hasManifest = await stat(join(dir, MANIFEST_FILE)).then(() => true, () => false);
    if (!hasManifest) {
      const entries = (await readdir(dir)).filter((name) => !isLockFile(name) && !name.startsWith("."));
      if (entries.length > 0) {
        throw new NotAnIndexError(`${dir}: not a Tandem index (no ${MANIFEST_FILE}, and the directory holds other files: ${entries.slice(0, 3).join(", ")})`);
      }
      if (options.readOnly) throw new NotAnIndexError(`${dir}: no index here (no ${MANIFEST_FILE})`);
    }
    const lock = options.readOnly ? null : await WriteLock.acquire(dir);
    try {
      if (!hasManifest) {
        const manifest: Manifest = {
          format: INDEX_FORMAT,
          formatVersion: FORMAT_VERSION,
          generation: 0,
          config: options.config,
          segments: [],
          updatedAt: new Date().toISOString(),
        };
        await writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
        return { store: new IndexStore(dir, manifest, lock), segments: [] };
      }
      const { manifest, segments } = await IndexStore.load(dir);
      const store = new IndexStore(dir, manifest, lock);
      if (lock) await store.removeUnreferenced();
      return { store, segments };
    } catch (err) {
      await lock?.release();
      throw err;
    }
  }

  /** The saved graph's bytes (checksum verified) and how many slots it covers, if one is saved. */
  async loadGraph(): Promise<{ bytes: Uint8Array; nodes: number; file: string } | undefined> {
    const entry = this.manifest.graph;
    if (!entry) return undefined;
    const file = join(this.dir, entry.file);
    const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new CorruptIndexError(`${file}: the graph named in ${MANIFEST_FILE} is missing`);
      throw err;
    });
    verify(bytes, entry, file);
    return { bytes, nodes: entry.nodes, file };
  }

  /** Saves the graph and points the manifest at it; the previous graph file is removed. */
  async saveGraph(bytes: Uint8Array, nodes: number): Promise<void> {
    const generation = this.manifest.generation + 1;
    const file = `graph-${String(generation).padStart(8, "0")}.hnsw`;
    await writeFileAtomic(join(this.dir, file), bytes);
    const old = this.manifest.graph;
    await this.swapManifest({ ...this.manifest, generation, graph: { file, sha256: sha256Hex(bytes), bytes: bytes.length, nodes } });
    if (old) await unlink(join(this.dir, old.file)).catch(() => undefined);
  }

  /** An attachment's bytes (checksum verified), or undefined when there is none by that name. */
  async loadAttachment(name: string): Promise<Uint8Array | undefined> {
    const entry = this.manifest.attachments && getOwn(this.manifest.attachments, name);
    if (!entry) return undefined;
    const file = join(this.dir, entry.file);
    const bytes = await readFile(file);
    verify(bytes, entry, file);
    return bytes;
  }

  /** Stores an attachment under `name`, replacing any previous one, in one manifest swap. */
  async saveAttachment(name: string, bytes: Uint8Array): Promise<void> {
    const generation = this.manifest.generation + 1;
    const file = `att-${name}-${String(generation).padStart(8, "0")}.bin`;
    await writeFileAtomic(join(this.dir, file), bytes);
    const old = this.manifest.attachments && getOwn(this.manifest.attachments, name);
    const attachments = { ...this.manifest.attachments, [name]: { file, sha256: sha256Hex(bytes), bytes: bytes.length } };
    await this.swapManifest({ ...this.manifest, generation, attachments });
    if (old) await unlink(join(this.dir, old.file)).catch(() => undefined);
  }

  /**
   * Reads manifest and segments; retries when a concurrent compaction removed a file mid-read.
   * A quantized index keeps each segment open (opened before it is read, so the rows read back
   * later are those of the bytes verified now).
   */
  private static async load(dir: string): Promise<{ manifest: Manifest; segments: LoadedSegment[] }> {
    for (let attempt = 0; ; attempt++) {
      const path = join(dir, MANIFEST_FILE);
      const manifest = parseManifest(await readFile(path, "utf8"), path);
      const keepRows = manifest.config.quantization === "int8";
      const segments: LoadedSegment[] = [];
      try {
        for (const entry of manifest.segments) {
          const file = join(dir, entry.file);
          if (!keepRows) {
            const bytes = await readFile(file);
            verify(bytes, entry, file);
            segments.push(decodeSegment(bytes, file));
            continue;
          }
          const fd = openSync(file, "r");
          let bytes: Uint8Array;
          try {
            bytes = readFileSync(fd);
            verify(bytes, entry, file);
          } catch (err) {
            closeSync(fd);
            throw err;
          }
          const segment = decodeSegment(bytes, file);
          if (segment.docs.some((d) => d.dense)) segments.push({ ...segment, rows: new SegmentFloatRows(file, fd, segment) });
          else {
            closeSync(fd);
            segments.push(segment);
          }
        }
        return { manifest, segments };
      } catch (err) {
        for (const segment of segments) segment.rows?.close();
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        if (attempt >= 3) throw new CorruptIndexError(`${dir}: a segment named in ${MANIFEST_FILE} is missing: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Writes one segment and makes it visible by swapping the manifest. For a quantized index,
   * returns the segment's dense rows to read back (when it has any); the caller owns them.
   */
  async commit(content: SegmentContent, config: Manifest["config"]): Promise<FloatRows | undefined> {
    const generation = this.manifest.generation + 1;
    const { entry, rows } = await this.writeSegment(generation, content);
    await this.swapManifestOwning({ ...this.manifest, generation, config, segments: [...this.manifest.segments, entry] }, rows);
    return rows;
  }

  /** Replaces every segment by one holding just the live documents, then removes the old files. */
  async rewrite(docs: SegmentContent["docs"], config: Manifest["config"]): Promise<FloatRows | undefined> {
    const generation = this.manifest.generation + 1;
    const { entry, rows } = await this.writeSegment(generation, { docs, deletes: [] });
    const old = [...this.manifest.segments, ...(this.manifest.graph ? [this.manifest.graph] : [])];
    // Compaction renumbers slots, so the saved graph no longer applies.
    await this.swapManifestOwning({ ...this.manifest, generation, config, segments: [entry], graph: undefined }, rows);
    for (const s of old) await unlink(join(this.dir, s.file)).catch(() => undefined);
    await syncDirectory(this.dir);
    return rows;
  }

  async close(): Promise<void> {
    await this.lock?.release();
  }

  get hasGraph(): boolean {
    return this.manifest.graph !== undefined;
  }

  private async writeSegment(generation: number, content: SegmentContent) {
    const file = `seg-${String(generation).padStart(8, "0")}.tseg`;
    const { bytes, ...layout } = encodeSegment(content);
    const path = join(this.dir, file);
    await writeFileAtomic(path, bytes);
    const hasDense = content.docs.some((d) => d.dense);
    const rows = this.config.quantization === "int8" && hasDense ? SegmentFloatRows.open(path, layout) : undefined;
    const entry = { file, sha256: sha256Hex(bytes), bytes: bytes.length, docs: content.docs.length, deletes: content.deletes.length };
    return { entry, rows };
  }

  /** Swaps the manifest; if that fails, the new segment's rows will never be handed over, so they are closed. */
  private async swapManifestOwning(next: Manifest, rows: FloatRows | undefined): Promise<void> {
    try {
      await this.swapManifest(next);
    } catch (err) {
      rows?.close();
      throw err;
    }
  }

  private async swapManifest(next: Manifest): Promise<void> {
    next.updatedAt = new Date().toISOString();
    next.formatVersion = FORMAT_VERSION;
    await writeFileAtomic(join(this.dir, MANIFEST_FILE), JSON.stringify(next, null, 2));
    this.manifest = next;
  }

  /** Segment and temporary files a crashed writer left behind. */
  private async removeUnreferenced(): Promise<void> {
    const attachments = Object.values(this.manifest.attachments ?? {}).map((a) => a.file);
    const referenced = new Set([...this.manifest.segments.map((s) => s.file), this.manifest.graph?.file, ...attachments]);
    for (const name of await readdir(this.dir)) {
      const orphanSegment = (SEGMENT_FILE.test(name) || GRAPH_FILE.test(name) || ATTACHMENT_FILE.test(name)) && !referenced.has(name);
      const tempFile = name.startsWith(".") && name.includes(".tmp-");
      if (orphanSegment || tempFile) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }
}

function verify(bytes: Uint8Array, entry: { bytes: number; sha256: string }, file: string): void {
  if (bytes.length !== entry.bytes || sha256Hex(bytes) !== entry.sha256) {
    throw new CorruptIndexError(`${file}: checksum mismatch (the file is damaged or was changed outside Tandem)`);
  }
}
