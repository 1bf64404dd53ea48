import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A small tmpfs, so a test can run out of disk space for real. Needs the right to mount (root):
 * returns null where mounting is impossible, and the test skips.
 */
export function mountTmpfs(size: string): { dir: string; unmount: () => void } | null {
  const dir = mkdtempSync(join(tmpdir(), "tandem-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    unmount: () => {
      execFileSync("umount", [dir], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bytes still free on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Fills the file system holding `dir` with `file`, leaving about `leave` bytes free (0: none at all). */
export function fillDisk(file: string, leave = 0): void {
  const fd = openSync(file, "w");
  try {
    const chunk = Buffer.alloc(4096);
    for (let want = freeBytes(dirname(file)) - leave; want > 0; want -= chunk.length) {
      try {
        writeSync(fd, chunk, 0, Math.min(chunk.length, want));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOSPC") return;
        throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
}
