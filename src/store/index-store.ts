import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { CorruptIndexError, NotAnIndexError } from "../errors.js";
import { getOwn } from "../own-property.js";
import { syncDirectory, TEMP_FILE, writeFileAtomic, writeNewFile } from "./atomic-file.js";
import { sha256Hex } from "./checksum.js";
import { fileGeneration, FORMAT_VERSION, INDEX_FORMAT, MANIFEST_FILE, parseManifest, serializeManifest, type Manifest } from "./manifest.js";
import type { FloatRows } from "../dense/float-rows.js";
import { decodeSegment, encodeSegment, type SegmentContent } from "./segment-codec.js";
import { SegmentFloatRows } from "./segment-float-rows.js";
import { storageFailure } from "./storage-failure.js";
import { isLockFile, WriteLock } from "./write-lock.js";
import { processAlive } from "./process-alive.js";

export interface StoreOpenOptions {
  readOnly: boolean;
  /** Configuration for a new index (ignored when the index exists). */
  config: Manifest["config"];
}

/** A segment as read on open; `rows` reads its dense rows back when the index quantizes vectors. */
export type LoadedSegment = SegmentContent & { rows?: FloatRows };

/**
 * How many times a read starts over because a writer replaced the manifest and removed a file the
 * previous one named. Each retry needs a new commit meanwhile, so this only bounds starvation.
 */
const MAX_READ_ATTEMPTS = 100;

const padGeneration = (generation: number) => String(generation).padStart(8, "0");

/** A system error's own path when it has one (the file it failed on), else `fallback`. */
const failure = (err: unknown, fallback: string, action: Parameters<typeof storageFailure>[2]) =>
  storageFailure(err, (err as NodeJS.ErrnoException | undefined)?.path ?? fallback, action);

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";

/**
 * The on-disk index: a manifest listing immutable segment files, each with its SHA-256.
 * A commit writes a new segment, then swaps the manifest atomically, so a crash at any point
 * leaves the previous manifest and every file it names intact.
 *
 * New files never take an existing name: each is created exclusively, with a generation above the
 * manifest's and above every generation already named in the directory. Readers see one committed
 * state: when a file the manifest named vanishes (a writer swapped the manifest and removed it),
 * the read starts over from the new manifest. @internal
 */
export class IndexStore {
  /** New files get generations above this (the highest seen in the manifest or the directory). */
  private generationFloor: number;

  private constructor(
    readonly dir: string,
    private manifest: Manifest,
    private readonly lock: WriteLock | null,
    private graph: { bytes: Uint8Array; nodes: number; file: string } | undefined,
  ) {
    this.generationFloor = manifest.generation;
  }

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
    const info = await stat(dir).catch((err) => {
      if (isMissing(err)) return null;
      throw failure(err, dir, "read");
    });
    if (info && !info.isDirectory()) throw new NotAnIndexError(`${dir}: not a directory, so not a Tandem index`);
    if (!info) {
      if (options.readOnly) throw new NotAnIndexError(`${dir}: no index here (the directory does not exist)`);
      await mkdir(dir, { recursive: true }).catch((err) => {
        throw failure(err, dir, "create");
      });
    }
    const manifestPath = join(dir, MANIFEST_FILE);
    const hasManifest = () => stat(manifestPath).then(() => true, (err) => (isMissing(err) ? false : Promise.reject(failure(err, manifestPath, "read"))));
    if (!(await hasManifest())) {
      const entries = (await readdir(dir).catch((err) => Promise.reject(failure(err, dir, "read")))).filter((name) => !isLockFile(name) && !name.startsWith("."));
      // Checked again after listing: a writer may have created the index meanwhile.
      if (!(await hasManifest())) {
        if (entries.length > 0) {
          throw new NotAnIndexError(`${dir}: not a Tandem index (no ${MANIFEST_FILE}, and the directory holds other files: ${entries.slice(0, 3).join(", ")})`);
        }
        if (options.readOnly) throw new NotAnIndexError(`${dir}: no index here (no ${MANIFEST_FILE})`);
      }
    }
    const lock = options.readOnly ? null : await WriteLock.acquire(dir);
    try {
      // Checked again under the lock: another writer may have created the index meanwhile.
      if (lock && !(await hasManifest())) {
        const manifest: Manifest = {
          format: INDEX_FORMAT,
          formatVersion: FORMAT_VERSION,
          generation: 0,
          config: options.config,
          segments: [],
          updatedAt: new Date().toISOString(),
        };
        await writeFileAtomic(manifestPath, serializeManifest(manifest));
        return { store: new IndexStore(dir, manifest, lock, undefined), segments: [] };
      }
      const { manifest, verified, segments, graph } = await IndexStore.load(dir);
      const store = new IndexStore(dir, manifest, lock, graph);
      if (lock) {
        // Only a manifest whose checksum held can say what is unreferenced.
        if (verified) await store.removeUnreferenced();
        await store.raiseGenerationFloor();
      }
      return { store, segments };
    } catch (err) {
      await lock?.release();
      throw failure(err, dir, "read");
    }
  }

  /** The saved graph's bytes (checksum verified, read with the segments) and how many slots it covers, if one is saved. */
  loadGraph(): { bytes: Uint8Array; nodes: number; file: string } | undefined {
    const graph = this.graph;
    this.graph = undefined;
    return graph;
  }

  /** Saves the graph and points the manifest at it; the previous graph file is removed. */
  async saveGraph(bytes: Uint8Array, nodes: number): Promise<void> {
    const { generation, file } = await this.createFile((g) => `graph-${padGeneration(g)}.hnsw`, bytes);
    const old = this.manifest.graph;
    await this.swapManifestOrRemove({ ...this.manifest, generation, graph: { file, sha256: sha256Hex(bytes), bytes: bytes.length, nodes } }, file);
    if (old) await this.remove([old.file]);
  }

  /**
   * An attachment's bytes (checksum verified), or undefined when there is none by that name.
   * A read-only index opened before a writer replaced the attachment reads the replacement.
   */
  async loadAttachment(name: string): Promise<Uint8Array | undefined> {
    const manifestPath = join(this.dir, MANIFEST_FILE);
    let manifest = this.manifest;
    for (let attempt = 0; ; attempt++) {
      const entry = manifest.attachments && getOwn(manifest.attachments, name);
      if (!entry) return undefined;
      const file = join(this.dir, entry.file);
      try {
        const bytes = await readFile(file);
        verify(bytes, entry, file);
        return bytes;
      } catch (err) {
        if (!isMissing(err)) throw failure(err, file, "read");
        if (this.lock === null && attempt < MAX_READ_ATTEMPTS) {
          // Generations only grow, so a different one means a writer has committed since.
          const current = parseManifest(await readFile(manifestPath).catch((e) => Promise.reject(failure(e, manifestPath, "read"))), manifestPath).manifest;
          if (current.generation !== manifest.generation) {
            manifest = current;
            continue;
          }
        }
        throw new CorruptIndexError(`${file}: attachment "${name}" named in ${MANIFEST_FILE} is missing`);
      }
    }
  }

  /** Stores an attachment under `name`, replacing any previous one, in one manifest swap. */
  async saveAttachment(name: string, bytes: Uint8Array): Promise<void> {
    const { generation, file } = await this.createFile((g) => `att-${name}-${padGeneration(g)}.bin`, bytes);
    const old = this.manifest.attachments && getOwn(this.manifest.attachments, name);
    const attachments = { ...this.manifest.attachments, [name]: { file, sha256: sha256Hex(bytes), bytes: bytes.length } };
    await this.swapManifestOrRemove({ ...this.manifest, generation, attachments }, file);
    if (old) await this.remove([old.file]);
  }

  /**
   * Reads manifest, segments and the saved graph as one committed state. When a file the
   * manifest names is missing and the manifest has changed since it was read, a writer committed
   * and removed it meanwhile: the read starts over. Missing under an unchanged manifest, it is
   * damage. A quantized index keeps each segment open (opened before it is read, so the rows read
   * back later are those of the bytes verified now).
   */
  private static async load(dir: string) {
    const manifestPath = join(dir, MANIFEST_FILE);
    for (let attempt = 0; ; attempt++) {
      const manifestBytes = await readFile(manifestPath);
      const { manifest, verified } = parseManifest(manifestBytes, manifestPath);
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
        let graph: { bytes: Uint8Array; nodes: number; file: string } | undefined;
        if (manifest.graph) {
          const file = join(dir, manifest.graph.file);
          const bytes = await readFile(file);
          verify(bytes, manifest.graph, file);
          graph = { bytes, nodes: manifest.graph.nodes, file };
        }
        return { manifest, verified, segments, graph };
      } catch (err) {
        for (const segment of segments) segment.rows?.close();
        if (!isMissing(err)) throw err;
        const now = await readFile(manifestPath).catch(() => undefined);
        if (now && !now.equals(manifestBytes) && attempt < MAX_READ_ATTEMPTS) continue;
        const missing = (err as NodeJS.ErrnoException).path ?? dir;
        throw new CorruptIndexError(`${missing}: a file named in ${MANIFEST_FILE} is missing`);
      }
    }
  }

  /**
   * Writes one segment and makes it visible by swapping the manifest. For a quantized index,
   * returns the segment's dense rows to read back (when it has any); the caller owns them.
   */
  async commit(content: SegmentContent, config: Manifest["config"]): Promise<FloatRows | undefined> {
    const { generation, entry, rows } = await this.writeSegment(content);
    await this.swapManifestOrRemove({ ...this.manifest, generation, config, segments: [...this.manifest.segments, entry] }, entry.file, rows);
    return rows;
  }

  /** Replaces every segment by one holding just the live documents, then removes the old files. */
  async rewrite(docs: SegmentContent["docs"], config: Manifest["config"]): Promise<FloatRows | undefined> {
    const { generation, entry, rows } = await this.writeSegment({ docs, deletes: [] });
    const old = [...this.manifest.segments, ...(this.manifest.graph ? [this.manifest.graph] : [])].map((f) => f.file);
    // Compaction renumbers slots, so the saved graph no longer applies.
    await this.swapManifestOrRemove({ ...this.manifest, generation, config, segments: [entry], graph: undefined }, entry.file, rows);
    await this.remove(old);
    return rows;
  }

  async close(): Promise<void> {
    this.graph = undefined;
    await this.lock?.release();
  }

  get hasGraph(): boolean {
    return this.manifest.graph !== undefined;
  }

  private async writeSegment(content: SegmentContent) {
    const { bytes, ...layout } = encodeSegment(content);
    const { generation, file } = await this.createFile((g) => `seg-${padGeneration(g)}.tseg`, bytes);
    const path = join(this.dir, file);
    const hasDense = content.docs.some((d) => d.dense);
    let rows: FloatRows | undefined;
    try {
      rows = this.config.quantization === "int8" && hasDense ? SegmentFloatRows.open(path, layout) : undefined;
    } catch (err) {
      await this.remove([file]);
      throw failure(err, path, "read");
    }
    const entry = { file, sha256: sha256Hex(bytes), bytes: bytes.length, docs: content.docs.length, deletes: content.deletes.length };
    return { generation, entry, rows };
  }

  /** Creates a new file under the next generation whose name is free; an existing file is never overwritten. */
  private async createFile(name: (generation: number) => string, bytes: Uint8Array): Promise<{ generation: number; file: string }> {
    for (;;) {
      const generation = Math.max(this.manifest.generation, this.generationFloor) + 1;
      const file = name(generation);
      this.generationFloor = generation;
      if (await writeNewFile(join(this.dir, file), bytes)) return { generation, file };
    }
  }

  /**
   * Swaps the manifest; if that fails, the new file is not part of the index: it is removed, and
   * its rows (never handed over) are closed.
   */
  private async swapManifestOrRemove(next: Manifest, file: string, rows?: FloatRows): Promise<void> {
    try {
      await this.swapManifest(next);
    } catch (err) {
      rows?.close();
      await this.remove([file]);
      throw err;
    }
  }

  private async swapManifest(next: Manifest): Promise<void> {
    next.updatedAt = new Date().toISOString();
    next.formatVersion = FORMAT_VERSION;
    await writeFileAtomic(join(this.dir, MANIFEST_FILE), serializeManifest(next));
    this.manifest = next;
  }

  /** Removes files no manifest names any more; one left behind is removed by the next writer's open. */
  private async remove(files: string[]): Promise<void> {
    for (const file of files) await unlink(join(this.dir, file)).catch(() => undefined);
    await syncDirectory(this.dir);
  }

  /**
   * What a crashed writer left behind: the store's own files (by their naming) that the verified
   * manifest does not name, and its own temporary files of processes that no longer run.
   * Anything else in the directory is not ours to remove.
   */
  private async removeUnreferenced(): Promise<void> {
    const attachments = Object.values(this.manifest.attachments ?? {}).map((a) => a.file);
    const referenced = new Set([MANIFEST_FILE, ...this.manifest.segments.map((s) => s.file), this.manifest.graph?.file, ...attachments]);
    const orphans: string[] = [];
    for (const name of await readdir(this.dir)) {
      const temp = TEMP_FILE.exec(name);
      const ownTemp = temp !== null && (temp[1] === MANIFEST_FILE || fileGeneration(temp[1]!) !== undefined) && (Number(temp[2]) === process.pid || !processAlive(Number(temp[2])));
      if ((fileGeneration(name) !== undefined && !referenced.has(name)) || ownTemp) orphans.push(name);
    }
    if (orphans.length > 0) await this.remove(orphans);
  }

  /** Files the manifest does not name may still hold a generation (e.g. an older build's manifest was rolled back); new names go above them. */
  private async raiseGenerationFloor(): Promise<void> {
    for (const name of await readdir(this.dir)) this.generationFloor = Math.max(this.generationFloor, fileGeneration(name) ?? 0);
  }
}

function verify(bytes: Uint8Array, entry: { bytes: number; sha256: string }, file: string): void {
  if (bytes.length !== entry.bytes || sha256Hex(bytes) !== entry.sha256) {
    throw new CorruptIndexError(`${file}: checksum mismatch (the file is damaged or was changed outside Tandem)`);
  }
}
