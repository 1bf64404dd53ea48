import { CorruptIndexError, NotAnIndexError } from "../errors.js";
import { getOwn } from "../own-property.js";
import { sha256Hex } from "./checksum.js";
import {
  fileGeneration,
  FORMAT_VERSION,
  INDEX_FORMAT,
  LAST_LOG_FORMAT_VERSION,
  MANIFEST_FILE,
  parseManifest,
  serializeManifest,
  type FileEntry,
  type Manifest,
  type SegmentEntry,
} from "./manifest.js";
import type { FloatRows } from "../legs/dense/float-rows.js";
import { decodeLogSegment, type LogSegment } from "./log-segment-codec.js";
import { decodeDeletions, encodeDeletions } from "./deletions-codec.js";
import { decodeSegment, encodeSegment, type DenseRowsLayout, type SegmentData } from "./segment-codec.js";
import { SegmentFloatRows } from "./segment-float-rows.js";
import type { Storage, StorageFile, StorageLock } from "./storage.js";

export interface StoreOpenOptions {
  readOnly: boolean;
  /** Configuration for a new index (ignored when the index exists). */
  config: Manifest["config"];
}

/** A segment as read on open: its data, its deletions, and (quantized index) its dense rows to read back. */
export interface OpenedSegment {
  file: string;
  data: SegmentData & DenseRowsLayout;
  /** Local numbers of its deleted documents, ascending. */
  deleted: Uint32Array;
  rows?: FloatRows;
}

/** What a commit changes: a new segment, and each existing segment whose deletions grew, with all of them. */
export interface CommitChange {
  segment?: SegmentData;
  deletions: { file: string; deleted: Uint32Array }[];
}

/**
 * How many times a read starts over because a writer replaced the manifest and removed a file the
 * previous one named. Each retry needs a new commit meanwhile, so this only bounds starvation.
 */
const MAX_READ_ATTEMPTS = 100;

const padGeneration = (generation: number) => String(generation).padStart(8, "0");

/** A file the manifest names is not in the storage (removed by a writer's commit, or lost). */
class MissingFile extends Error {
  constructor(readonly path: string) {
    super(`${path}: missing`);
  }
}

/** Whether `name` is one of the store's own files, so a leftover of it is the store's to remove. */
const isStoreFile = (name: string) => name === MANIFEST_FILE || fileGeneration(name) !== undefined;

/**
 * The stored index: a manifest listing immutable segment files, each with its SHA-256, in a
 * {@link Storage} (which does every read and write).
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
    readonly storage: Storage,
    private manifest: Manifest,
    private readonly lock: StorageLock | null,
    private graph: { bytes: Uint8Array; nodes: number; file: string } | undefined,
  ) {
    this.generationFloor = manifest.generation;
  }

  /** Where the index lives, as messages name it. */
  get location(): string {
    return this.storage.location;
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

  /** The segments' file names and document counts (deleted included), oldest first. */
  get segments(): { file: string; docs: number }[] {
    return this.manifest.segments.map((s) => ({ file: s.file, docs: s.docs }));
  }

  /**
   * Opens (or, when writable, creates) the index in `storage` and reads every segment. An index of
   * format version 1 or 2 (segments that are logs of commits) comes back as `log`, its commits in
   * order, for the caller to upgrade; `segments` is then empty.
   */
  static async open(storage: Storage, options: StoreOpenOptions): Promise<{ store: IndexStore; segments: OpenedSegment[]; log?: LogSegment[] }> {
    await storage.prepare(!options.readOnly);
    const where = storage.location;
    if (!(await storage.exists(MANIFEST_FILE))) {
      // Hidden files (an editor's, the storage's own) are not index content.
      const entries = (await storage.list()).filter((name) => !name.startsWith("."));
      // Checked again after listing: a writer may have created the index meanwhile.
      if (!(await storage.exists(MANIFEST_FILE))) {
        if (entries.length > 0) {
          throw new NotAnIndexError(`${where}: not a Tandem index (no ${MANIFEST_FILE}, and the directory holds other files: ${entries.slice(0, 3).join(", ")})`);
        }
        if (options.readOnly) throw new NotAnIndexError(`${where}: no index here (no ${MANIFEST_FILE})`);
      }
    }
    const lock = options.readOnly ? null : await storage.lock();
    try {
      // Checked again under the lock: another writer may have created the index meanwhile.
      if (lock && !(await storage.exists(MANIFEST_FILE))) {
        const manifest: Manifest = {
          format: INDEX_FORMAT,
          formatVersion: FORMAT_VERSION,
          generation: 0,
          config: options.config,
          segments: [],
          updatedAt: new Date().toISOString(),
        };
        await storage.replace(MANIFEST_FILE, serializeManifest(manifest, hasher(storage)));
        return { store: new IndexStore(storage, manifest, lock, undefined), segments: [] };
      }
      const { manifest, verified, segments, log, graph } = await IndexStore.load(storage);
      const store = new IndexStore(storage, manifest, lock, graph);
      if (lock) {
        // Only a manifest whose checksum held can say what is unreferenced.
        if (verified) await store.removeUnreferenced();
        await store.raiseGenerationFloor();
      }
      return { store, segments, log };
    } catch (err) {
      await lock?.release();
      throw err;
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
    await this.swapManifestOrRemove({ ...this.manifest, generation, graph: { file, sha256: this.sha256(bytes), bytes: bytes.length, nodes } }, file);
    if (old) await this.remove([old.file]);
  }

  /**
   * An attachment's bytes (checksum verified), or undefined when there is none by that name.
   * A read-only index opened before a writer replaced the attachment reads the replacement.
   */
  async loadAttachment(name: string): Promise<Uint8Array | undefined> {
    let manifest = this.manifest;
    for (let attempt = 0; ; attempt++) {
      const entry = manifest.attachments && getOwn(manifest.attachments, name);
      if (!entry) return undefined;
      const bytes = await this.storage.read(entry.file);
      if (bytes) {
        verify(bytes, entry, this.storage.pathOf(entry.file), hasher(this.storage));
        // A copy the caller owns: the storage's bytes may be its own.
        return bytes.slice();
      }
      if (this.lock === null && attempt < MAX_READ_ATTEMPTS) {
        // Generations only grow, so a different one means a writer has committed since.
        const current = parseManifest(await readManifest(this.storage), this.storage.pathOf(MANIFEST_FILE), hasher(this.storage)).manifest;
        if (current.generation !== manifest.generation) {
          manifest = current;
          continue;
        }
      }
      throw new CorruptIndexError(`${this.storage.pathOf(entry.file)}: attachment "${name}" named in ${MANIFEST_FILE} is missing`);
    }
  }

  /** Stores an attachment under `name`, replacing any previous one, in one manifest swap. */
  async saveAttachment(name: string, bytes: Uint8Array): Promise<void> {
    const { generation, file } = await this.createFile((g) => `att-${name}-${padGeneration(g)}.bin`, bytes);
    const old = this.manifest.attachments && getOwn(this.manifest.attachments, name);
    const attachments = { ...this.manifest.attachments, [name]: { file, sha256: this.sha256(bytes), bytes: bytes.length } };
    await this.swapManifestOrRemove({ ...this.manifest, generation, attachments }, file);
    if (old) await this.remove([old.file]);
  }

  /**
   * Reads manifest, segments (with their deletions) and the saved graph as one committed state.
   * When a file the manifest names is missing and the manifest has changed since it was read, a
   * writer committed and removed it meanwhile: the read starts over. Missing under an unchanged
   * manifest, it is damage. A quantized index keeps each segment with dense rows open (opened
   * before it is read, so the rows read back later are those of the bytes verified now).
   */
  private static async load(storage: Storage) {
    const manifestPath = storage.pathOf(MANIFEST_FILE);
    const hash = hasher(storage);
    for (let attempt = 0; ; attempt++) {
      const manifestBytes = await readManifest(storage);
      const { manifest, verified } = parseManifest(manifestBytes, manifestPath, hash);
      const keepRows = manifest.config.quantization === "int8";
      const segments: OpenedSegment[] = [];
      try {
        let log: LogSegment[] | undefined;
        if (manifest.formatVersion <= LAST_LOG_FORMAT_VERSION) {
          log = [];
          for (const entry of manifest.segments) log.push(decodeLogSegment(await readVerified(storage, entry), storage.pathOf(entry.file)));
        } else {
          for (const entry of manifest.segments) segments.push(await IndexStore.loadSegment(storage, entry, keepRows));
        }
        let graph: { bytes: Uint8Array; nodes: number; file: string } | undefined;
        if (manifest.graph) graph = { bytes: await readVerified(storage, manifest.graph), nodes: manifest.graph.nodes, file: storage.pathOf(manifest.graph.file) };
        return { manifest, verified, segments, log, graph };
      } catch (err) {
        for (const segment of segments) segment.rows?.close();
        if (!(err instanceof MissingFile)) throw err;
        const now = await storage.read(MANIFEST_FILE);
        if (now && !sameBytes(now, manifestBytes) && attempt < MAX_READ_ATTEMPTS) continue;
        throw new CorruptIndexError(`${err.path}: a file named in ${MANIFEST_FILE} is missing`);
      }
    }
  }

  private static async loadSegment(storage: Storage, entry: SegmentEntry, keepRows: boolean): Promise<OpenedSegment> {
    const file = storage.pathOf(entry.file);
    let handle: StorageFile | undefined;
    let bytes: Uint8Array;
    if (keepRows) {
      handle = await storage.openFile(entry.file);
      if (!handle) throw new MissingFile(file);
      try {
        if (handle.readAllHashed) {
          const read = await handle.readAllHashed();
          bytes = read.bytes;
          checkDigest(bytes.length, read.sha256, entry, file);
        } else {
          bytes = await handle.readAll();
          verify(bytes, entry, file, hasher(storage));
        }
      } catch (err) {
        handle.close();
        throw err;
      }
    } else {
      bytes = await readVerified(storage, entry);
    }
    try {
      const data = decodeSegment(bytes, file);
      if (data.docCount !== entry.docs) throw new CorruptIndexError(`${file}: holds ${data.docCount} documents, the manifest says ${entry.docs}`);
      const deleted = entry.deletions ? decodeDeletions(await readVerified(storage, entry.deletions), entry.file, data.docCount, storage.pathOf(entry.deletions.file)) : new Uint32Array(0);
      if (deleted.length !== (entry.deletions?.count ?? 0)) throw new CorruptIndexError(`${storage.pathOf(entry.deletions!.file)}: holds ${deleted.length} deletions, the manifest says ${entry.deletions!.count}`);
      const rows = handle !== undefined && data.dense.denseRows.length > 0 ? new SegmentFloatRows(file, handle, data) : undefined;
      if (handle !== undefined && !rows) handle.close();
      return { file: entry.file, data, deleted, rows };
    } catch (err) {
      handle?.close();
      throw err;
    }
  }

  /**
   * Writes what a commit adds — a new segment, new deletions files — and makes it visible in one
   * manifest swap; deletions files it replaces are removed after. Returns the new segment's file
   * name and, for a quantized index, its dense rows to read back (the caller owns them).
   */
  async commit(change: CommitChange, config: Manifest["config"]): Promise<{ file?: string; rows?: FloatRows }> {
    const written: string[] = [];
    let rows: FloatRows | undefined;
    try {
      let added: SegmentEntry | undefined;
      if (change.segment) {
        const segment = await this.writeSegment(change.segment);
        written.push(segment.entry.file);
        added = segment.entry;
        rows = segment.rows;
      }
      const replaced: string[] = [];
      const segments: SegmentEntry[] = [];
      for (const entry of this.manifest.segments) {
        const update = change.deletions.find((d) => d.file === entry.file);
        if (!update) {
          segments.push(entry);
          continue;
        }
        const deletions = await this.writeDeletions(update.deleted, entry.file, entry.docs);
        written.push(deletions.file);
        if (entry.deletions) replaced.push(entry.deletions.file);
        segments.push({ ...entry, deletions });
      }
      if (added) segments.push(added);
      await this.swapManifest({ ...this.manifest, generation: this.generationFloor, config, segments });
      await this.remove(replaced);
      return { file: added?.file, rows };
    } catch (err) {
      rows?.close();
      await this.remove(written);
      throw err;
    }
  }

  /**
   * Replaces the adjacent segments `files` by `merged` (with `deleted`, its deletions), in one
   * manifest swap, then removes their files. `graph` replaces the saved graph in the same swap
   * (a compaction renumbers slots); absent, the saved graph stays. Returns the merged segment's
   * file and, for a quantized index, its dense rows (the caller owns them).
   */
  async replace(files: readonly string[], merged: SegmentData, deleted: Uint32Array, graph?: { bytes: Uint8Array; nodes: number }): Promise<{ file: string; rows?: FloatRows }> {
    const segments = this.manifest.segments;
    const start = segments.findIndex((s) => s.file === files[0]);
    if (start < 0 || files.some((f, i) => segments[start + i]?.file !== f)) throw new RangeError(`replace: ${files.join(", ")} are not adjacent segments of the index`);
    const written: string[] = [];
    let rows: FloatRows | undefined;
    try {
      const segment = await this.writeSegment(merged);
      written.push(segment.entry.file);
      rows = segment.rows;
      let entry: SegmentEntry = segment.entry;
      if (deleted.length > 0) {
        const deletions = await this.writeDeletions(deleted, entry.file, merged.docCount);
        written.push(deletions.file);
        entry = { ...entry, deletions };
      }
      let graphEntry = this.manifest.graph;
      if (graph) {
        const saved = await this.createFile((g) => `graph-${padGeneration(g)}.hnsw`, graph.bytes);
        written.push(saved.file);
        graphEntry = { file: saved.file, sha256: this.sha256(graph.bytes), bytes: graph.bytes.length, nodes: graph.nodes };
      }
      const old = segments.slice(start, start + files.length).flatMap((s) => [s.file, ...(s.deletions ? [s.deletions.file] : [])]);
      if (graph && this.manifest.graph) old.push(this.manifest.graph.file);
      const next = [...segments.slice(0, start), entry, ...segments.slice(start + files.length)];
      await this.swapManifest({ ...this.manifest, generation: this.generationFloor, segments: next, graph: graphEntry });
      await this.remove(old);
      return { file: entry.file, rows };
    } catch (err) {
      rows?.close();
      await this.remove(written);
      throw err;
    }
  }

  /**
   * Replaces an index of the log format (versions 1–2) by one segment of `upgraded`, its live
   * documents, in one manifest swap of the current format; the old files and graph are removed.
   */
  async upgrade(upgraded: SegmentData): Promise<{ file: string; rows?: FloatRows }> {
    const old = [...this.manifest.segments.map((s) => s.file), ...(this.manifest.graph ? [this.manifest.graph.file] : [])];
    const { entry, rows } = await this.writeSegment(upgraded);
    try {
      await this.swapManifest({ ...this.manifest, generation: this.generationFloor, segments: [entry], graph: undefined });
    } catch (err) {
      rows?.close();
      await this.remove([entry.file]);
      throw err;
    }
    await this.remove(old);
    return { file: entry.file, rows };
  }

  async close(): Promise<void> {
    this.graph = undefined;
    await this.lock?.release();
  }

  get hasGraph(): boolean {
    return this.manifest.graph !== undefined;
  }

  private async writeSegment(data: SegmentData): Promise<{ entry: SegmentEntry; rows?: FloatRows }> {
    const { bytes, ...layout } = encodeSegment(data);
    const { file } = await this.createFile((g) => `seg-${padGeneration(g)}.tseg`, bytes);
    let rows: FloatRows | undefined;
    try {
      rows = this.config.quantization === "int8" && data.dense.denseRows.length > 0 ? await this.openRows(file, layout) : undefined;
    } catch (err) {
      await this.remove([file]);
      throw err;
    }
    return { entry: { file, sha256: this.sha256(bytes), bytes: bytes.length, docs: data.docCount }, rows };
  }

  private async openRows(file: string, layout: DenseRowsLayout): Promise<FloatRows> {
    const handle = await this.storage.openFile(file);
    if (!handle) throw new CorruptIndexError(`${this.storage.pathOf(file)}: missing right after it was written`);
    return new SegmentFloatRows(this.storage.pathOf(file), handle, layout);
  }

  private async writeDeletions(deleted: Uint32Array, segment: string, docCount: number): Promise<FileEntry & { count: number }> {
    const bytes = encodeDeletions(deleted, segment, docCount);
    const { file } = await this.createFile((g) => `del-${padGeneration(g)}.del`, bytes);
    return { file, sha256: this.sha256(bytes), bytes: bytes.length, count: deleted.length };
  }

  /** Creates a new file under the next generation whose name is free; an existing file is never overwritten. */
  private async createFile(name: (generation: number) => string, bytes: Uint8Array): Promise<{ generation: number; file: string }> {
    for (;;) {
      const generation = Math.max(this.manifest.generation, this.generationFloor) + 1;
      const file = name(generation);
      this.generationFloor = generation;
      if (await this.storage.writeNew(file, bytes)) return { generation, file };
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
    await this.storage.replace(MANIFEST_FILE, serializeManifest(next, hasher(this.storage)));
    this.manifest = next;
  }

  /** Removes files no manifest names any more; one left behind is removed by the next writer's open. */
  private async remove(files: string[]): Promise<void> {
    await this.storage.remove(files).catch(() => undefined);
  }

  private sha256(bytes: Uint8Array): string {
    return hasher(this.storage)(bytes);
  }

  /**
   * What a crashed writer left behind: the store's own files (by their naming) that the verified
   * manifest does not name, and what its interrupted manifest swaps left in the storage.
   * Anything else in the storage is not ours to remove.
   */
  private async removeUnreferenced(): Promise<void> {
    const attachments = Object.values(this.manifest.attachments ?? {}).map((a) => a.file);
    const deletions = this.manifest.segments.flatMap((s) => (s.deletions ? [s.deletions.file] : []));
    const referenced = new Set([MANIFEST_FILE, ...this.manifest.segments.map((s) => s.file), ...deletions, this.manifest.graph?.file, ...attachments]);
    const orphans = (await this.storage.list()).filter((name) => fileGeneration(name) !== undefined && !referenced.has(name));
    if (orphans.length > 0) await this.remove(orphans);
    await this.storage.removeLeftovers?.(isStoreFile).catch(() => undefined);
  }

  /** Files the manifest does not name may still hold a generation (e.g. an older build's manifest was rolled back); new names go above them. */
  private async raiseGenerationFloor(): Promise<void> {
    for (const name of await this.storage.list()) this.generationFloor = Math.max(this.generationFloor, fileGeneration(name) ?? 0);
  }
}

/** The storage's SHA-256 when it has a faster one, else the portable one. */
function hasher(storage: Storage): (bytes: Uint8Array) => string {
  return storage.sha256 ? (bytes) => storage.sha256!(bytes) : sha256Hex;
}

async function readManifest(storage: Storage): Promise<Uint8Array> {
  const bytes = await storage.read(MANIFEST_FILE);
  if (!bytes) throw new CorruptIndexError(`${storage.pathOf(MANIFEST_FILE)}: missing (the index was removed while being opened)`);
  return bytes;
}

/** A file the manifest names, read and checked against its size and SHA-256. */
async function readVerified(storage: Storage, entry: FileEntry): Promise<Uint8Array> {
  const file = storage.pathOf(entry.file);
  if (storage.readHashed) {
    const read = await storage.readHashed(entry.file);
    if (!read) throw new MissingFile(file);
    checkDigest(read.bytes.length, read.sha256, entry, file);
    return read.bytes;
  }
  const bytes = await storage.read(entry.file);
  if (!bytes) throw new MissingFile(file);
  verify(bytes, entry, file, hasher(storage));
  return bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function verify(bytes: Uint8Array, entry: { bytes: number; sha256: string }, file: string, sha256: (bytes: Uint8Array) => string): void {
  checkDigest(bytes.length, bytes.length === entry.bytes ? sha256(bytes) : "", entry, file);
}

/** Refuses a file whose size or SHA-256 (as read) is not the one the manifest recorded. */
function checkDigest(length: number, sha256: string, entry: { bytes: number; sha256: string }, file: string): void {
  if (length !== entry.bytes || sha256 !== entry.sha256) {
    throw new CorruptIndexError(`${file}: checksum mismatch (the file is damaged or was changed outside Tandem)`);
  }
}
