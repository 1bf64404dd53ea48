import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MemoryStorage, type Storage } from "../../src/index.js";
import { useTempDirs } from "./temp-dirs.js";

/** Where an index is kept in a test: a directory (Node storage) or a MemoryStorage. */
export interface StorageKind {
  name: "node" | "memory";
  /** A new, empty place for an index, to pass to HybridIndex.open. */
  fresh(): Promise<string | Storage>;
  /** The bytes of file `name` of the index at `location`. */
  readFile(location: string | Storage, name: string): Promise<Uint8Array>;
}

/**
 * Both storages, for tests that run the same engine checks over each (`describe.each`). The Node
 * storage's directories are removed after each test.
 */
export function useStorages(prefix: string): StorageKind[] {
  const tempDir = useTempDirs(prefix);
  let count = 0;
  return [
    { name: "node", fresh: tempDir, readFile: (dir, name) => readFile(join(dir as string, name)) },
    {
      name: "memory",
      fresh: async () => new MemoryStorage(`${prefix}${count++}`),
      readFile: async (storage, name) => {
        const bytes = await (storage as Storage).read(name);
        if (!bytes) throw new Error(`${(storage as Storage).pathOf(name)}: no such file`);
        return bytes;
      },
    },
  ];
}
