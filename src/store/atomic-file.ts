import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { storageFailure } from "./storage-failure.js";

/** Temporary files: `.<target>.tmp-<pid>-<n>`, so a later writer can tell whose they were. */
export const TEMP_FILE = /^\.(.+)\.tmp-(\d+)-\d+$/;
let tempCounter = 0;

/**
 * Writes a file so that readers see either the old content or the whole new content: write a
 * temporary file beside it, fsync it, rename it over the target, fsync the directory. On failure
 * the temporary file is removed, the target is untouched, and the error is a StorageError naming
 * the target. @internal
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${tempCounter++}`);
  try {
    await writeAndSync(tmp, data, "w");
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw storageFailure(err, path, "write");
  }
  await syncDirectory(dirname(path));
}

/**
 * Creates `path` with `data` (fsynced) only if no file has that name: an existing file is never
 * overwritten, and `false` says the name was taken. Immutable index files are written this way;
 * no reader opens them before a manifest names them. A failed write removes what it created.
 * @internal
 */
export async function writeNewFile(path: string, data: Uint8Array): Promise<boolean> {
  try {
    await writeAndSync(path, data, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw storageFailure(err, path, "write");
  }
  await syncDirectory(dirname(path));
  return true;
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
export async function syncDirectory(dir: string): Promise<void> {
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
