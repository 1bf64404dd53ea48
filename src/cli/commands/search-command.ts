import { encodeOptions, queryEncoders } from "../text-encoders.js";
import { openIndex } from "../open-index.js";
import { BACKEND_OPTIONS, SEARCH_HELP, SEARCH_OPTIONS, searchDefaults } from "../options.js";
import { readQueries } from "../read-queries.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";
import { elapsed } from "../elapsed.js";

export const searchCommand: Command = {
  name: "search",
  usage: `tandem search --index <dir> --queries <queries.jsonl | beir-folder> [options]

Each query line: {"id","text","sparse","dense","filter"} (unknown keys ignored). Prints, per query:
{"query":"q1","hits":[{"id":"d7","score":0.0325,"legs":{"sparse":{"score":12.5,"rank":1}}}],"took_ms":1.9}

${SEARCH_HELP}
  --explain-ids a,b          explain these ids too, retrieved or not ("why not this document?"):
                             adds "explainIds" to each line (implies --explain)`,
  options: { ...BACKEND_OPTIONS, ...SEARCH_OPTIONS, queries: { type: "string" }, "explain-ids": { type: "string" } },
  async run(values, positionals, out) {
    if (positionals.length > 0) throw new UsageError(`search: unexpected argument "${positionals[0]}"`);
    const queriesPath = values.queries as string | undefined;
    if (!queriesPath) throw new UsageError("search: --queries <file> is required");
    const defaults = searchDefaults(values);
    const explainIds = values["explain-ids"];
    if (typeof explainIds === "string") defaults.explain = { ids: parseExplainIds(explainIds) };
    const encode = encodeOptions(values);
    const index = await openIndex(values, { readOnly: true });
    try {
      const queries = await readQueries(queriesPath, defaults, index, await queryEncoders(index, encode), { quiet: values.quiet === true });
      for (const q of queries) {
        const started = performance.now();
        const result = await index.search(q.query);
        const line: Record<string, unknown> = { query: q.id, hits: result.hits, took_ms: elapsed(started) };
        if (result.dropped) line.dropped = result.dropped;
        if (result.completion) line.completion = result.completion;
        if (result.explainIds) line.explainIds = result.explainIds;
        // Shown with the explanation, and whenever pruning made the sparse leg approximate.
        if (result.sparseExact !== undefined && (q.query.explain || !result.sparseExact)) line.sparseExact = result.sparseExact;
        out(JSON.stringify(line));
      }
    } finally {
      await index.close();
    }
    return undefined;
  },
};

/** `--explain-ids a,b`: comma-separated, non-empty document ids. */
function parseExplainIds(list: string): string[] {
  const ids = list.split(",");
  const empty = ids.findIndex((id) => id === "");
  if (empty >= 0) throw new UsageError(`--explain-ids: id ${empty + 1} of "${list}" is empty (give ids separated by commas, e.g. d1,d7)`);
  return ids;
}
