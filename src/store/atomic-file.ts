import { open, rename, unlink } from "node:fs/promises";
import { dirname, join, basename } from "node:path";

/**
 * Writes a file so that readers see either the old content or the whole new content: write a
 * temporary file beside it, fsync it, rename it over the target, fsync the directory.
 * @internal
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
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
