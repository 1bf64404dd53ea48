/**
 * Where an index keeps its files: a flat set of named byte files, with the few operations the
 * index's crash safety rests on. Tandem has two: the Node.js one, used when
 * {@link HybridIndex.open} is given a directory path, and {@link MemoryStorage}. A storage is a
 * handle to a place, not an open index: the same place may be opened by several indexes (one
 * writer, any number of readers). Implement it to keep an index elsewhere (e.g. a browser's
 * origin-private file system); the guarantees each method states are what crash safety needs.
 *
 * Names are plain file names (no separators). Unless a method says otherwise, a failure to read
 * or write is a {@link StorageError} naming the file.
 */
export interface Storage {
  /** Where the index lives, as messages name it: a directory path, or `memory:<name>`. */
  readonly location: string;

  /** How messages name the file `name`, e.g. `/data/idx/manifest.json`. */
  pathOf(name: string): string;

  /**
   * Makes sure an index can be kept here before anything is read: with `create`, a place that
   * does not exist yet is created (a writer's open).
   *
   * @throws {@link NotAnIndexError} when the place does not exist and `create` is false, or when
   *   it cannot hold an index (e.g. the path is a file).
   */
  prepare(create: boolean): Promise<void>;

  /**
   * The whole content of `name`, or undefined when there is no such file. The bytes may be the
   * storage's own (files are immutable once written): the caller must not modify them.
   */
  read(name: string): Promise<Uint8Array | undefined>;

  /**
   * Opens `name` for positional reads, or undefined when there is no such file. The handle keeps
   * reading the content it opened even after the file is removed or replaced.
   */
  openFile(name: string): Promise<StorageFile | undefined>;

  /** Whether a file `name` exists. */
  exists(name: string): Promise<boolean>;

  /** Every file name, in no particular order, except the storage's own bookkeeping (its lock, temporary files). */
  list(): Promise<string[]>;

  /**
   * Creates `name` holding `data` only if no file has that name, durably (on return it survives a
   * crash). Returns false, writing nothing, when the name is taken. A failed write leaves no file.
   */
  writeNew(name: string, data: Uint8Array): Promise<boolean>;

  /**
   * Replaces (or creates) `name` with `data` atomically and durably: a reader, or the index after a
   * crash, sees either the whole old content or the whole new content. A failed replace leaves the
   * old content.
   */
  replace(name: string, data: Uint8Array | string): Promise<void>;

  /** Removes the files, durably; a name with no file is skipped. */
  remove(names: readonly string[]): Promise<void>;

  /**
   * Takes the place's write lock: one holder at a time, across every process that can reach the
   * place. A lock left by a holder that no longer runs is taken over.
   *
   * @throws {@link IndexLockedError} when a live holder has it.
   */
  lock(): Promise<StorageLock>;

  /**
   * Removes what interrupted `replace` calls left behind (e.g. temporary files of a crashed
   * process) for the targets `owns` accepts. Called by a writer holding the lock. A storage
   * whose `replace` leaves nothing behind has none.
   */
  removeLeftovers?(owns: (name: string) => boolean): Promise<void>;

  /**
   * SHA-256 of `data` as lowercase hex, when the storage has a faster one than the portable
   * implementation used otherwise (opening an index hashes every byte of it).
   */
  sha256?(data: Uint8Array): string;

  /**
   * The whole content of `name` (as {@link Storage.read}) with the SHA-256 of exactly those bytes
   * as lowercase hex, or undefined when there is no such file: for a storage that can hash while
   * it reads (opening an index reads and hashes every byte of it; doing both at once takes about
   * the time of the slower one instead of their sum). Absent, the index reads, then hashes.
   */
  readHashed?(name: string): Promise<HashedRead | undefined>;
}

/** A file opened for positional reads (see {@link Storage.openFile}). Reads are synchronous: searches read rows back in their hot path. */
export interface StorageFile {
  /** The whole content (not to be modified, as {@link Storage.read}'s). */
  readAll(): Promise<Uint8Array>;
  /** The whole content with its SHA-256 (see {@link Storage.readHashed}); optional. */
  readAllHashed?(): Promise<HashedRead>;
  /** Reads into `into` from byte `position`; returns how many bytes were read (fewer at the end of the file). */
  read(position: number, into: Uint8Array): number;
  /** Releases the handle; a no-op the second time. */
  close(): void;
}

/** A file's content read together with its checksum (see {@link Storage.readHashed}). */
export interface HashedRead {
  /** The whole content (not to be modified, as {@link Storage.read}'s). */
  bytes: Uint8Array;
  /** SHA-256 of exactly `bytes`, as lowercase hex. */
  sha256: string;
}

/** A held write lock (see {@link Storage.lock}). */
export interface StorageLock {
  /** Gives the lock up; a no-op the second time. */
  release(): Promise<void>;
}
