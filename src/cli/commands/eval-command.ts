import type { SearchIndex } from "../../engine/search-index.js";
import { evaluateRun, type EvaluationSummary } from "../../eval/evaluate-run.js";
import { parseQrels, type Qrels } from "../../eval/qrels.js";
import type { FusionMethod, LegName, SearchQuery } from "../../types.js";
import { encodeOptions, queryEncoders } from "../text-encoders.js";
import { openIndex } from "../open-index.js";
import { BACKEND_OPTIONS, checkPageWindow, SEARCH_HELP, SEARCH_OPTIONS, searchDefaults } from "../options.js";
import { readQueries, type QueryLine } from "../read-queries.js";
import { readText, resolveBeirPath } from "../read-input.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";

/** Hits per query an evaluation retrieves: enough for recall@100. */
const EVAL_DEPTH = 100;

export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate queries against relevance judgements (nDCG@10, Recall@100, MRR@10, MAP)",
  usage: `tandem eval --index <dir> --queries <q.jsonl | beir-folder> --qrels <qrels.tsv | beir-folder> [options]

Runs the queries that have judgements (retrieving at least 100 hits each) and prints one JSON
object: {"ndcg@10","recall@100","mrr@10","map","queries"}. Metrics follow trec_eval; a judged
query with no hits scores 0.
  --compare                  add "legs" (each leg alone) and "fusion" (rrf, convex, dbsf)

${SEARCH_HELP}`,
  options: { ...BACKEND_OPTIONS, ...SEARCH_OPTIONS, queries: { type: "string" }, qrels: { type: "string" }, compare: { type: "boolean" } },
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`eval: unexpected argument "${positionals[0]}"`);
    const queriesPath = values.queries as string | undefined;
    const qrelsPath = values.qrels as string | undefined;
    if (!queriesPath || !qrelsPath) throw new UsageError("eval: --queries <file> and --qrels <file> are required");
    const qrelsFile = await resolveBeirPath(qrelsPath, "qrels");
    const qrels = parseQrels(await readText(qrelsFile), qrelsFile);
    const defaults = searchDefaults(values);
    defaults.k = Math.max(defaults.k ?? 10, EVAL_DEPTH);
    checkPageWindow(defaults.from ?? 0, defaults.k, defaults.candidates, `eval (recall@100, --k ${defaults.k}${defaults.from ? `, --from ${defaults.from}` : ""})`);
    const encode = encodeOptions(values);
    const index = await openIndex(values, { readOnly: true });
    try {
      const queries = (await readQueries(queriesPath, defaults, index, await queryEncoders(index, encode), { quiet: values.quiet === true })).filter((q) => qrels.has(q.id));
      const summary: Record<string, unknown> = { ...(await evaluate(index, queries, qrels, {})) };
      if (values.compare === true) {
        const legs: Partial<Record<LegName, EvaluationSummary>> = {};
        for (const leg of ["sparse", "dense", "text"] as LegName[]) {
          const runnable = queries.filter((q) => legHasData(q.query, leg));
          if (runnable.length > 0) legs[leg] = await evaluate(index, runnable, qrels, { legs: [leg] });
        }
        const fusion: Partial<Record<FusionMethod, EvaluationSummary>> = {};
        for (const method of ["rrf", "convex", "dbsf"] as FusionMethod[]) {
          fusion[method] = await evaluate(index, queries, qrels, { fusion: { ...defaults.fusion, method } });
        }
        summary.legs = legs;
        summary.fusion = fusion;
      }
      return summary;
    } finally {
      await index.close();
    }
  },
};

function legHasData(q: SearchQuery, leg: LegName): boolean {
  if (q.legs && !q.legs.includes(leg)) return false;
  if (leg === "sparse") return q.sparse !== undefined && q.sparse !== null;
  if (leg === "dense") return q.dense !== undefined && q.dense !== null;
  return typeof q.text === "string" && q.text.trim() !== "";
}

/** Runs every query with `override` applied and scores the run. */
export async function evaluate(index: SearchIndex, queries: QueryLine[], qrels: Qrels, override: Partial<SearchQuery>): Promise<EvaluationSummary> {
  const run = new Map<string, string[]>();
  for (const q of queries) {
    const result = await index.search({ ...q.query, ...override });
    run.set(q.id, result.hits.map((h) => h.id));
  }
  const judged = new Map([...qrels].filter(([qid]) => run.has(qid)));
  return evaluateRun(run, judged);
}
