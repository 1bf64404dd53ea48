import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { IndexLockedError } from "../errors.js";

const LOCK_FILE = "write.lock";

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One writer per index directory: a lock file holding the writer's pid. A lock left by a process
 * that no longer runs is taken over. Readers never lock. @internal
 */
export class WriteLock {
  private constructor(private readonly path: string) {}

  static async acquire(dir: string): Promise<WriteLock> {
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, "wx");
        await handle.writeFile(String(process.pid));
        await handle.close();
        return new WriteLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const pid = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
        if (Number.isInteger(pid) && processAlive(pid)) {
          throw new IndexLockedError(`${dir}: index is open for writing by process ${pid}${pid === process.pid ? " (this process)" : ""}`);
        }
        await unlink(path).catch(() => undefined);
      }
    }
    throw new IndexLockedError(`${dir}: could not take the write lock`);
  }

  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}

export function isLockFile(name: string): boolean {
  return name === LOCK_FILE;
}
