import { InvalidInputError } from "../errors.js";
import type { SearchIndex } from "../engine/search-index.js";
import type { SearchQuery } from "../types.js";
import { buildQuery, type searchDefaults } from "./options.js";
import { fromBeirRecord, readJsonl, resolveBeirPath } from "./read-input.js";
import type { ProgressOptions } from "./progress.js";
import { encodeQueries, type TextEncoders } from "./text-encoders.js";

export interface QueryLine {
  id: string;
  query: SearchQuery;
  where: string;
}

/**
 * Reads a queries file (or BEIR folder) and checks every query against the index before any
 * runs, so a bad line fails the command before it prints anything.
 */
export async function readQueries(
  path: string,
  defaults: ReturnType<typeof searchDefaults>,
  index: SearchIndex,
  encoders: TextEncoders = {},
  progress: ProgressOptions = { quiet: true },
): Promise<QueryLine[]> {
  const records = await readJsonl(await resolveBeirPath(path, "queries"));
  const seen = new Map<string, string>();
  const lines = records.map(({ value, where }) => {
    const record = fromBeirRecord(value);
    const id = typeof record.id === "number" ? String(record.id) : record.id;
    if (typeof id !== "string" || id === "") throw new InvalidInputError(`${where}: "id" must be a non-empty string`);
    const first = seen.get(id);
    if (first) throw new InvalidInputError(`${where}: duplicate query id "${id}" (first at ${first})`);
    seen.set(id, where);
    return { id, query: buildQuery(record, defaults, where), where };
  });
  await encodeQueries(lines.map((l) => l.query), encoders, progress);
  for (const { query, where } of lines) index.validateQuery(query, where);
  return lines;
}
