import { writeFile } from "node:fs/promises";
import { parseQrels } from "../../eval/qrels.js";
import { collectTuningQueries, tune, tunedSearchConfig, TUNE_GRID } from "../../eval/tune.js";
import { encodeOptions, queryEncoders } from "../text-encoders.js";
import { openIndex } from "../open-index.js";
import { BACKEND_OPTIONS, numberOption, SEARCH_HELP, SEARCH_OPTIONS, searchDefaults } from "../options.js";
import { readQueries } from "../read-queries.js";
import { readText, resolveBeirPath } from "../read-input.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";

export const tuneCommand: Command = {
  name: "tune",
  usage: `tandem tune --index <dir> --queries <q.jsonl | beir-folder> --qrels <qrels.tsv | beir-folder> --out <config.json> [options]

Searches the fusion method (rrf, convex, dbsf), convex's normalizer (minmax, zscore, tmm, l2), the
dense weight (0.5 to 2.5 in steps of 0.25; sparse stays 1), the text weight (0, 0.05, 0.1, 0.2, 0.3,
0.5, 1), the RRF constant (5, 10, 20, 40, 60, 100) and the window (--candidates-grid, default
100,200,300) by nDCG@10 on the judged queries. Each leg is retrieved once per query at the largest
window and every configuration is fused in process with the search pipeline's own code. Prints every
configuration's mean nDCG@10 with a 95% bootstrap confidence interval (1000 resamples of the
queries), and a --folds-fold cross-validation of two ways of choosing (each fold held out while the
others choose): the best mean, or the best mean over a configuration's neighbours in the weight grid
(--selection smoothed). Writes the configuration the better of the two picks over all queries (or
the one --selection names) to --out, which search, eval and calibrate take with --config.
  --out <config.json>        where to write the chosen configuration (required)
  --folds N                  cross-validation folds (default 5)
  --candidates-grid A,B      fusion windows to try (default 100,200,300; eval needs at least 100)
  --selection auto|best|smoothed   how to choose (default auto: as cross-validation prefers)
  --top N                    configurations to print (default 20; 0 for all)

${SEARCH_HELP}`,
  options: {
    ...BACKEND_OPTIONS,
    ...SEARCH_OPTIONS,
    queries: { type: "string" },
    qrels: { type: "string" },
    out: { type: "string" },
    folds: { type: "string" },
    "candidates-grid": { type: "string" },
    selection: { type: "string" },
    top: { type: "string" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`tune: unexpected argument "${positionals[0]}"`);
    const queriesPath = values.queries as string | undefined;
    const qrelsPath = values.qrels as string | undefined;
    const out = values.out as string | undefined;
    if (!queriesPath || !qrelsPath || !out) throw new UsageError("tune: --queries <file>, --qrels <file> and --out <config.json> are required");
    const folds = numberOption(values, "folds", true) ?? 5;
    if (folds < 2 || folds > 100) throw new UsageError(`--folds: expected an integer from 2 to 100, got ${folds}`);
    const top = numberOption(values, "top", true) ?? 20;
    const grid = typeof values["candidates-grid"] === "string" ? values["candidates-grid"].split(",").map((s) => Number(s.trim())) : [...TUNE_GRID.candidates];
    const selection = (values.selection as string | undefined) ?? "auto";
    if (selection !== "auto" && selection !== "best" && selection !== "smoothed") throw new UsageError(`--selection: expected auto, best or smoothed, got "${selection}"`);
    if (grid.length === 0 || grid.some((c) => !Number.isInteger(c) || c < 10 || c > 10_000)) {
      throw new UsageError(`--candidates-grid: expected integers from 10 to 10000 separated by commas, got "${String(values["candidates-grid"])}"`);
    }
    const defaults = searchDefaults(values);
    const qrelsFile = await resolveBeirPath(qrelsPath, "qrels");
    const qrels = parseQrels(await readText(qrelsFile), qrelsFile);
    const index = await openIndex(values, { readOnly: true });
    try {
      const queries = (await readQueries(queriesPath, defaults, index, await queryEncoders(index, encodeOptions(values)), { quiet: values.quiet === true })).filter((q) => qrels.has(q.id));
      if (queries.length < folds) throw new UsageError(`tune: ${queries.length} judged queries, fewer than --folds ${folds}`);
      const collected = await collectTuningQueries(index, queries, qrels, Math.max(...grid));
      const result = tune(collected, { folds, candidates: grid, selection });
      const config = tunedSearchConfig(result);
      await writeFile(out, `${JSON.stringify(config, null, 2)}\n`);
      const shown = top === 0 ? result.configs : result.configs.slice(0, top);
      return {
        out,
        chosen: { label: result.chosen.label, ndcg10: result.chosen.mean, ci95: result.chosen.ci, fusion: config.fusion, candidates: config.candidates },
        selection: result.selection,
        crossValidation: result.crossValidation,
        queries: result.queries,
        legs: result.legs,
        configurations: result.configs.length,
        top: shown.map((c) => ({ label: c.label, ndcg10: c.mean, ci95: c.ci })),
      };
    } finally {
      await index.close();
    }
  },
};
