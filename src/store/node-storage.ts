import { createHash, randomBytes } from "node:crypto";
import { closeSync, fstat as fstatCallback, openSync, read as readCallback, readFileSync, readSync } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { getSystemErrorMap } from "node:util";
import { IndexLockedError, NotAnIndexError, StorageError, TandemError } from "../errors.js";
import type { HashedRead, Storage, StorageFile, StorageLock } from "./storage.js";

/**
 * The Node.js {@link Storage}: an index is a directory of files. `writeNew` and `replace` fsync
 * the file and the directory before returning; `replace` writes a temporary file beside the
 * target, fsyncs it and renames it over the target. The write lock is a directory holding its
 * owner's pid, shared by every process on the machine; a lock whose process is gone is taken over.
 * Checksums use Node's native SHA-256. `HybridIndex.open(path)` opens an index through it; no
 * other module of the core imports it, so a browser bundle leaves it out. @internal
 */
export class NodeStorage implements Storage {
  /**
   * @param dir The index's directory (created by a writer's open when absent).
   * @param readChunk Bytes per read of a hashed read (tests make it small to cross chunk boundaries).
   */
  constructor(
    readonly dir: string,
    private readonly readChunk = HASHED_READ_CHUNK,
  ) {}

  get location(): string {
    return this.dir;
  }

  pathOf(name: string): string {
    return join(this.dir, name);
  }

  async prepare(create: boolean): Promise<void> {
    const info = await stat(this.dir).catch((err) => {
      if (isMissing(err)) return null;
      throw storageFailure(err, this.dir, "read");
    });
    if (info && !info.isDirectory()) throw new NotAnIndexError(`${this.dir}: not a directory, so not a Tandem index`);
    if (info) return;
    if (!create) throw new NotAnIndexError(`${this.dir}: no index here (the directory does not exist)`);
    await mkdir(this.dir, { recursive: true }).catch((err) => {
      throw storageFailure(err, this.dir, "create");
    });
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(name);
    try {
      return plain(await readFile(path));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw storageFailure(err, path, "read");
    }
  }

  async readHashed(name: string): Promise<HashedRead | undefined> {
    const path = this.pathOf(name);
    let handle;
    try {
      handle = await open(path, "r");
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw storageFailure(err, path, "read");
    }
    try {
      const { size } = await handle.stat();
      return await readHashed(size, this.readChunk, (into, position) => handle.read(into, 0, into.length, position).then((r) => r.bytesRead));
    } catch (err) {
      throw storageFailure(err, path, "read");
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async openFile(name: string): Promise<StorageFile | undefined> {
    const path = this.pathOf(name);
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw storageFailure(err, path, "read");
    }
    return new NodeFile(path, fd, this.readChunk);
  }

  async exists(name: string): Promise<boolean> {
    const path = this.pathOf(name);
    return stat(path).then(
      () => true,
      (err) => (isMissing(err) ? false : Promise.reject(storageFailure(err, path, "read"))),
    );
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch((err) => Promise.reject(storageFailure(err, this.dir, "read")));
    return names.filter((name) => !isLockFile(name) && !TEMP_FILE.test(name));
  }

  async writeNew(name: string, data: Uint8Array): Promise<boolean> {
    const path = this.pathOf(name);
    try {
      await writeAndSync(path, data, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw storageFailure(err, path, "write");
    }
    await syncDirectory(this.dir);
    return true;
  }

  async replace(name: string, data: Uint8Array | string): Promise<void> {
    const path = this.pathOf(name);
    const tmp = this.pathOf(`.${name}.tmp-${process.pid}-${tempCounter++}`);
    try {
      await writeAndSync(tmp, data, "w");
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw storageFailure(err, path, "write");
    }
    await syncDirectory(this.dir);
  }

  async remove(names: readonly string[]): Promise<void> {
    let failure: Error | undefined;
    for (const name of names) {
      await unlink(this.pathOf(name)).catch((err) => {
        if (!isMissing(err)) failure ??= storageFailure(err, this.pathOf(name), "remove");
      });
    }
    await syncDirectory(this.dir);
    if (failure) throw failure;
  }

  lock(): Promise<StorageLock> {
    return DirectoryLock.acquire(this.dir);
  }

  /** Temporary files of `replace` whose process no longer runs (or is this one, which holds the lock and is not writing them). */
  async removeLeftovers(owns: (name: string) => boolean): Promise<void> {
    const names = await readdir(this.dir).catch((err) => Promise.reject(storageFailure(err, this.dir, "read")));
    const leftovers = names.filter((name) => {
      const temp = TEMP_FILE.exec(name);
      return temp !== null && owns(temp[1]!) && (Number(temp[2]) === process.pid || !processAlive(Number(temp[2])));
    });
    if (leftovers.length > 0) await this.remove(leftovers);
  }

  sha256(data: Uint8Array): string {
    return createHash("sha256").update(data).digest("hex");
  }
}

/** Temporary files: `.<target>.tmp-<pid>-<n>`, so a later writer can tell whose they were. */
const TEMP_FILE = /^\.(.+)\.tmp-(\d+)-\d+$/;
let tempCounter = 0;

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";

/**
 * Bytes per read of a hashed read, and how many reads are in flight ahead of the hashing: reads
 * run in libuv's thread pool (in parallel, positional) while this thread hashes, in order, the
 * chunks already read; a small window keeps the pool busy without queueing a whole file's reads.
 */
const HASHED_READ_CHUNK = 1024 * 1024;
const READS_AHEAD = 16;

/**
 * Reads `size` bytes with `readAt` (positional reads, several in flight) while hashing them, so the
 * whole takes about the longer of reading and hashing rather than their sum. The bytes fill their
 * own buffer from offset 0, so typed-array views can be laid over them uncopied. A file that ends
 * early comes back short (its checksum then fails).
 */
async function readHashed(size: number, chunk: number, readAt: (into: Uint8Array, position: number) => Promise<number>): Promise<HashedRead> {
  const bytes = new Uint8Array(size);
  const hash = createHash("sha256");
  /** Fills bytes [from, to), reading again after a short read; resolves to the end actually read (short only at the end of the file). */
  const fill = async (from: number, to: number): Promise<number> => {
    let at = from;
    while (at < to) {
      const count = await readAt(bytes.subarray(at, to), at);
      if (count === 0) break;
      at += count;
    }
    return at;
  };
  const pending: Promise<number>[] = [];
  let issued = 0;
  const issue = () => {
    while (pending.length < READS_AHEAD && issued < size) {
      const from = issued;
      issued = Math.min(size, issued + chunk);
      pending.push(fill(from, issued));
    }
  };
  issue();
  let hashed = 0;
  try {
    while (pending.length > 0) {
      const end = await pending.shift()!;
      issue();
      hash.update(bytes.subarray(hashed, end));
      if (end < Math.min(size, hashed + chunk)) {
        hashed = end;
        break;
      }
      hashed = end;
    }
  } finally {
    // Reads still in flight after a failure or a short file finish into bytes nobody keeps.
    await Promise.allSettled(pending);
  }
  return { bytes: hashed === size ? bytes : bytes.subarray(0, hashed), sha256: hash.digest("hex") };
}

/** A Buffer's bytes as a plain Uint8Array (no Buffer methods leak into the core). */
const plain = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);

/** An open file descriptor; an open file survives its removal by another process. */
class NodeFile implements StorageFile {
  private fd: number | null;

  constructor(
    private readonly path: string,
    fd: number,
    private readonly readChunk: number,
  ) {
    this.fd = fd;
  }

  async readAll(): Promise<Uint8Array> {
    try {
      return plain(readFileSync(this.open()));
    } catch (err) {
      throw storageFailure(err, this.path, "read");
    }
  }

  async readAllHashed(): Promise<HashedRead> {
    const fd = this.open();
    try {
      const { size } = await new Promise<{ size: number }>((resolve, reject) => fstatCallback(fd, (err, stats) => (err ? reject(err) : resolve(stats))));
      return await readHashed(size, this.readChunk, (into, position) => new Promise((resolve, reject) => readCallback(fd, into, 0, into.length, position, (err, n) => (err ? reject(err) : resolve(n)))));
    } catch (err) {
      throw storageFailure(err, this.path, "read");
    }
  }

  read(position: number, into: Uint8Array): number {
    const fd = this.open();
    try {
      return readSync(fd, into, 0, into.length, position);
    } catch (err) {
      throw storageFailure(err, this.path, "read");
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): number {
    if (this.fd === null) throw new Error(`${this.path}: read after close`);
    return this.fd;
  }
}

async function writeAndSync(path: string, data: Uint8Array | string, flags: "w" | "wx"): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw err;
  }
  try {
    await handle.close();
  } catch (err) {
    await unlink(path).catch(() => undefined);
    throw err;
  }
}

/** Makes a rename or unlink in `dir` durable. Some platforms cannot fsync a directory; that is not an error. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Directory fsync is unsupported on some file systems (and on Windows).
  } finally {
    await handle?.close();
  }
}

/**
 * Turns a system error from the file system into a StorageError naming `file` and what was being
 * done ("cannot write: no space left on device (ENOSPC)"); typed errors pass through unchanged.
 * @internal
 */
export function storageFailure(err: unknown, file: string, action: "read" | "write" | "create" | "remove" | "lock"): Error {
  if (err instanceof TandemError || !isSystemError(err)) return err as Error;
  const description = (typeof err.errno === "number" ? getSystemErrorMap().get(err.errno)?.[1] : undefined) ?? err.message.replace(/^[A-Z]+: /, "").replace(/,.*$/, "");
  const verb = action === "lock" ? "take the write lock" : action;
  return new StorageError(file, err.code, `${file}: cannot ${verb}: ${description} (${err.code})`, { cause: err });
}

/** Whether `err` is a system error (an `E…` code, as Node's fs and net give). @internal */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string" && /^E[A-Z0-9]+$/.test((err as NodeJS.ErrnoException).code!);
}

/**
 * Whether a process with this pid runs on this machine. EPERM means it exists but belongs to
 * another user, so it counts as alive.
 */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const LOCK = "write.lock";
/** `owner-<pid>-<token>` inside the lock directory; the token makes every acquisition's name unique. */
const OWNER = /^owner-(\d+)-[0-9a-f]+$/;
/** A lock directory being prepared: `.write.lock-<pid>-<token>`. */
const STAGING = /^\.write\.lock-(\d+)-[0-9a-f]+$/;
/** Takeovers in a row before giving up: each needs another process to have taken and dropped the lock meanwhile. */
const MAX_ATTEMPTS = 50;

interface OwnerInfo {
  pid: number;
  host: string;
}

const ignore = (...codes: string[]) => (err: NodeJS.ErrnoException) => {
  if (!codes.includes(err.code ?? "")) throw err;
  return undefined;
};

/**
 * One writer per index directory. The lock is a directory, `write.lock`, holding one file named
 * after its owner (`owner-<pid>-<token>`, with the pid and host inside). It appears whole: the
 * writer prepares `.write.lock-<pid>-<token>/owner-…` and renames it to `write.lock`, which the file
 * system does atomically and only where no `write.lock` exists or an empty one does.
 *
 * A lock whose owner no longer runs (a pid on this host that is gone) is taken over without a
 * race: the taker unlinks that owner's file — a name no live holder has — then removes the
 * directory only if it is empty, and competes again like any writer. A live holder's lock is
 * never empty, so it can be neither removed nor replaced. No timers, no staleness by age: a writer
 * busy for minutes in synchronous work keeps its lock. Readers never lock.
 *
 * This is not the library `proper-lockfile`, whose takeover (stat, rmdir, mkdir on an always-empty
 * directory) can remove a lock another process has just taken, and whose staleness by mtime needs
 * a timer that a long synchronous graph build would starve.
 */
class DirectoryLock implements StorageLock {
  private released = false;

  private constructor(
    private readonly path: string,
    private readonly owner: string,
  ) {}

  static async acquire(dir: string): Promise<DirectoryLock> {
    const path = join(dir, LOCK);
    const token = randomBytes(8).toString("hex");
    const owner = `owner-${process.pid}-${token}`;
    const staging = join(dir, `.write.lock-${process.pid}-${token}`);
    try {
      await mkdir(staging);
      await writeFile(join(staging, owner), JSON.stringify({ pid: process.pid, host: hostname() } satisfies OwnerInfo));
    } catch (err) {
      await removeLockDirectory(staging, owner);
      throw storageFailure(err, path, "lock");
    }
    let acquired = false;
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        try {
          await rename(staging, path);
          acquired = true;
          await removeDeadStaging(dir);
          return new DirectoryLock(path, owner);
        } catch (err) {
          // Linux says ENOTEMPTY for a held lock (EEXIST elsewhere), ENOTDIR for a lock file of an older build.
          if (!["ENOTEMPTY", "EEXIST", "ENOTDIR", "EISDIR"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
        }
        await removeIfDead(dir, path);
      }
      throw new IndexLockedError(`${dir}: could not take the write lock (other writers kept taking it)`);
    } catch (err) {
      throw storageFailure(err, path, "lock");
    } finally {
      if (!acquired) await removeLockDirectory(staging, owner);
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await removeLockDirectory(this.path, this.owner);
  }
}

/** True for the names the lock uses in an index directory (the lock and lock directories being prepared). */
function isLockFile(name: string): boolean {
  return name === LOCK || STAGING.test(name);
}

/** Removes our owner file, then the directory if it is empty (someone else's complete lock may have replaced it). */
async function removeLockDirectory(path: string, owner: string): Promise<void> {
  await unlink(join(path, owner)).catch(() => undefined);
  await rmdir(path).catch(() => undefined);
}

/** Throws IndexLockedError while the lock's owner runs; otherwise removes the dead owner's lock. */
async function removeIfDead(dir: string, path: string): Promise<void> {
  const info = await lstat(path).catch(ignore("ENOENT"));
  if (!info) return;
  if (!info.isDirectory()) {
    // A lock file written by an older build: its content is the owner's pid.
    const text = await readFile(path, "utf8").catch(ignore("ENOENT", "EISDIR"));
    if (text === undefined) return;
    const pid = Number.parseInt(text, 10);
    if (Number.isInteger(pid) && processAlive(pid)) throw locked(dir, pid, hostname());
    // unlink refuses a directory, so a lock that replaced this file meanwhile is left alone.
    await unlink(path).catch(ignore("ENOENT", "EISDIR", "EPERM"));
    return;
  }
  const names = await readdir(path).catch(ignore("ENOENT", "ENOTDIR"));
  if (!names) return;
  const owner = names.find((name) => OWNER.test(name));
  if (owner) {
    const pid = Number(OWNER.exec(owner)![1]);
    const text = await readFile(join(path, owner), "utf8").catch(ignore("ENOENT"));
    if (text === undefined) return;
    const host = ownerHost(text);
    if (host !== hostname() || processAlive(pid)) throw locked(dir, pid, host);
    await unlink(join(path, owner)).catch(ignore("ENOENT"));
  }
  // Empty now (or left empty by a writer that died releasing it): free to take.
  await rmdir(path).catch(ignore("ENOENT", "ENOTEMPTY", "EEXIST"));
}

function ownerHost(text: string): string {
  try {
    const host = (JSON.parse(text) as Partial<OwnerInfo>).host;
    return typeof host === "string" ? host : hostname();
  } catch {
    return hostname();
  }
}

function locked(dir: string, pid: number, host: string): IndexLockedError {
  if (host !== hostname()) {
    return new IndexLockedError(`${dir}: index is open for writing by process ${pid} on host ${host} (if that process is gone, remove ${join(dir, LOCK)})`);
  }
  return new IndexLockedError(`${dir}: index is open for writing by process ${pid}${pid === process.pid ? " (this process)" : ""}`);
}

/** Lock directories that dead processes were preparing. */
async function removeDeadStaging(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const match = STAGING.exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    const path = join(dir, name);
    for (const inner of await readdir(path).catch(() => [] as string[])) if (OWNER.test(inner)) await unlink(join(path, inner)).catch(() => undefined);
    await rmdir(path).catch(() => undefined);
  }
}
