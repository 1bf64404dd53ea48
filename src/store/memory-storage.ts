import { IndexLockedError } from "../errors.js";
import type { Storage, StorageFile, StorageLock } from "./storage.js";

/**
 * A {@link Storage} in memory: a map of file names to bytes, gone with the process. For tests,
 * browsers and edge runtimes, and indexes that need no persistence. Reopening the same
 * `MemoryStorage` opens the same index; its write lock holds within this JavaScript realm.
 * Checksums use the portable SHA-256 (slower than Node's native one; a subclass may define
 * `sha256`).
 *
 * ```ts
 * const storage = new MemoryStorage();
 * const index = await HybridIndex.open(storage, { metric: "cosine" });
 * ```
 */
export class MemoryStorage implements Storage {
  private readonly files = new Map<string, Uint8Array>();
  private holder: MemoryLock | null = null;

  /** @param name Names the storage in messages (`memory:<name>/manifest.json`). Default `memory`. */
  constructor(readonly name = "memory") {}

  get location(): string {
    return `memory:${this.name}`;
  }

  pathOf(name: string): string {
    return `${this.location}/${name}`;
  }

  /** Always ready: an empty storage is an empty directory (a reader finds no index in it). */
  async prepare(): Promise<void> {}

  /** The stored bytes themselves, not a copy (see {@link Storage.read}). */
  async read(name: string): Promise<Uint8Array | undefined> {
    return this.files.get(name);
  }

  async openFile(name: string): Promise<StorageFile | undefined> {
    const bytes = this.files.get(name);
    return bytes && new MemoryFile(bytes);
  }

  async exists(name: string): Promise<boolean> {
    return this.files.has(name);
  }

  async list(): Promise<string[]> {
    return [...this.files.keys()];
  }

  async writeNew(name: string, data: Uint8Array): Promise<boolean> {
    if (this.files.has(name)) return false;
    this.files.set(name, copy(data));
    return true;
  }

  async replace(name: string, data: Uint8Array | string): Promise<void> {
    this.files.set(name, typeof data === "string" ? new TextEncoder().encode(data) : copy(data));
  }

  async remove(names: readonly string[]): Promise<void> {
    for (const name of names) this.files.delete(name);
  }

  async lock(): Promise<StorageLock> {
    if (this.holder) throw new IndexLockedError(`${this.location}: index is open for writing (by another index of this process)`);
    const lock = new MemoryLock(() => {
      if (this.holder === lock) this.holder = null;
    });
    this.holder = lock;
    return lock;
  }
}

/**
 * Stored bytes own their buffer, exactly sized, so decoders lay typed arrays over them without a
 * copy; the caller's array may change after the write without changing the file.
 */
function copy(data: Uint8Array): Uint8Array {
  return new Uint8Array(data);
}

/** Reads the bytes it was opened on: a file removed or replaced later is still read as it was. */
class MemoryFile implements StorageFile {
  constructor(private bytes: Uint8Array | null) {}

  async readAll(): Promise<Uint8Array> {
    return this.open();
  }

  read(position: number, into: Uint8Array): number {
    const bytes = this.open();
    const part = bytes.subarray(Math.min(position, bytes.length), Math.min(position + into.length, bytes.length));
    into.set(part);
    return part.length;
  }

  close(): void {
    this.bytes = null;
  }

  private open(): Uint8Array {
    if (this.bytes === null) throw new Error("memory file: read after close");
    return this.bytes;
  }
}

class MemoryLock implements StorageLock {
  constructor(private readonly onRelease: () => void) {}

  async release(): Promise<void> {
    this.onRelease();
  }
}
