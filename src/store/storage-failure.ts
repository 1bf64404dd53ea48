import { getSystemErrorMap } from "node:util";
import { StorageError, TandemError } from "../errors.js";

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

export function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string" && /^E[A-Z0-9]+$/.test((err as NodeJS.ErrnoException).code!);
}
