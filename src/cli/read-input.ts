import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { InvalidInputError } from "../errors.js";

/** One parsed JSONL record and where it came from (`file:line`). */
export interface JsonlRecord {
  value: Record<string, unknown>;
  where: string;
  /** 1-based line number. */
  line: number;
}

/** Reads a JSONL file; a line that is not a JSON object fails with `file:line: …`. Blank lines are skipped. */
export async function readJsonl(path: string): Promise<JsonlRecord[]> {
  const out: JsonlRecord[] = [];
  for await (const record of streamJsonl(path)) out.push(record);
  return out;
}

/**
 * Reads a JSONL file one record at a time, holding one line: for files of any size. Fails as
 * {@link readJsonl} does; `bytesRead` reports how far the file has been read, for progress.
 */
export async function* streamJsonl(path: string, bytesRead?: (bytes: number) => void): AsyncGenerator<JsonlRecord> {
  await assertReadableFile(path);
  const input = createReadStream(path, "utf8");
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (let line of lines) {
      n++;
      bytesRead?.(input.bytesRead);
      if (n === 1) line = withoutBom(line);
      if (line.trim() === "") continue;
      const where = `${path}:${n}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new InvalidInputError(`${where}: malformed JSON (${(err as Error).message})`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new InvalidInputError(`${where}: expected a JSON object, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
      }
      yield { value: value as Record<string, unknown>, where, line: n };
    }
  } finally {
    // A consumer that stops early (an error in a document) must not leave the file open.
    lines.close();
    input.destroy();
  }
}

/** Size of a file in bytes (0 when it cannot be read: the reader then reports the problem). */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

/** Reads a text file, turning a missing or unreadable file into an input error; a leading byte-order mark is dropped. */
export async function readText(path: string): Promise<string> {
  await assertReadableFile(path);
  return withoutBom(await readFile(path, "utf8"));
}

/**
 * Text without a leading U+FEFF: editors on Windows (Notepad, Excel's "UTF-8" export) start
 * UTF-8 files with a byte-order mark, which is not part of the first line's JSON or TSV.
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

async function assertReadableFile(path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new InvalidInputError(`${path}: no such file`);
  if (!info.isFile()) throw new InvalidInputError(`${path}: not a file`);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/**
 * Resolves a corpus, queries or qrels argument: a file as given, or a BEIR folder
 * (`corpus.jsonl`, `queries.jsonl`, `qrels/test.tsv`).
 */
export async function resolveBeirPath(path: string, kind: "corpus" | "queries" | "qrels"): Promise<string> {
  if (!(await isDirectory(path))) return path;
  const inner = kind === "corpus" ? "corpus.jsonl" : kind === "queries" ? "queries.jsonl" : join("qrels", "test.tsv");
  const resolved = join(path, inner);
  if (!(await stat(resolved).catch(() => null))) throw new InvalidInputError(`${path}: a folder, but not a BEIR folder (no ${inner})`);
  return resolved;
}

/**
 * Accepts BEIR records beside Tandem's: `_id` stands for `id`, and a `title` is put before the text.
 */
export function fromBeirRecord(value: Record<string, unknown>): Record<string, unknown> {
  if (value.id !== undefined || value._id === undefined) return value;
  const { _id, title, text, ...rest } = value;
  const joined = [title, text].filter((t) => typeof t === "string" && t !== "").join(" ");
  return { ...rest, id: _id, text: joined === "" ? text : joined };
}
