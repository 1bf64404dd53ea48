import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rename, rmdir, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { IndexLockedError } from "../errors.js";
import { storageFailure } from "./storage-failure.js";
import { processAlive } from "./process-alive.js";

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
 * a timer that a long synchronous graph build would starve. @internal
 */
export class WriteLock {
  private released = false;

  private constructor(
    private readonly path: string,
    private readonly owner: string,
  ) {}

  static async acquire(dir: string): Promise<WriteLock> {
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
          return new WriteLock(path, owner);
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

  /** Gives the lock up; a no-op the second time. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await removeLockDirectory(this.path, this.owner);
  }
}

/** True for the names the lock uses in an index directory (the lock and lock directories being prepared). */
export function isLockFile(name: string): boolean {
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
