import type { DenseQuantization, Metric } from "../../types.js";
import { encodeDocuments, encodeOptions } from "../text-encoders.js";
import { openIndex } from "../open-index.js";
import { BACKEND_OPTIONS, numberOption, type ParsedValues } from "../options.js";
import { fromBeirRecord, readJsonl, resolveBeirPath } from "../read-input.js";
import { UsageError } from "../usage-error.js";
import type { Command } from "./command.js";

export const indexCommand: Command = {
  name: "index",
  summary: "create an index or upsert documents into it",
  usage: `tandem index <docs.jsonl | beir-folder> --index <dir> [--metric cosine|dot|l2]

Reads one document per line ({"id","text","sparse","dense","fields"}; BEIR's "_id"/"title" too)
and upserts them all in one atomic commit. A bad line rejects the whole file: nothing is stored.
  --metric cosine|dot|l2   dense metric of a new index (default cosine)
  --encode-sparse bm25     give documents without "sparse" BM25 weights from their text (fitted on
                           the first batch indexed this way, then stored with the index and reused)
  --encode-sparse <dir>    ...or SPLADE weights from a masked-LM model directory (transformers.js)
  --encode-dense <dir>     give documents without "dense" a sentence embedding from a model directory
  --m N                    HNSW links per node of a new index (default 16)
  --ef-construction N      HNSW build candidate list size of a new index (default 200)
  --quantization none|int8 dense vectors of a new index in memory as float32 (default) or int8
                           codes (a quarter of the memory; the ef best are rescored exactly)
  --quiet                  no progress bar (it is shown on stderr only when stderr is a terminal)`,
  options: { ...BACKEND_OPTIONS, metric: { type: "string" }, m: { type: "string" }, "ef-construction": { type: "string" }, quantization: { type: "string" }, "encode-sparse": { type: "string" }, "encode-dense": { type: "string" }, quiet: { type: "boolean" } },
  async run(values: ParsedValues, positionals: string[], _out, warn) {
    const [input, ...extra] = positionals;
    if (!input) throw new UsageError("index: missing <docs.jsonl>");
    if (extra.length > 0) throw new UsageError(`index: unexpected argument "${extra[0]}"`);
    const metric = values.metric as string | undefined;
    if (metric !== undefined && !["cosine", "dot", "l2"].includes(metric)) throw new UsageError(`--metric: expected cosine, dot or l2, got "${metric}"`);
    const quantization = values.quantization as string | undefined;
    if (quantization !== undefined && !["none", "int8"].includes(quantization)) throw new UsageError(`--quantization: expected none or int8, got "${quantization}"`);
    const encode = encodeOptions(values);
    const started = performance.now();
    const records = await readJsonl(await resolveBeirPath(input, "corpus"));
    const hnsw = { M: numberOption(values, "m", true), efConstruction: numberOption(values, "ef-construction", true) };
    const index = await openIndex(values, { readOnly: false, metric: metric as Metric | undefined, hnsw, quantization: quantization as DenseQuantization | undefined, warn });
    try {
      const docs = records.map((r) => fromBeirRecord(r.value));
      const saveModel = await encodeDocuments(index, docs, encode, { quiet: values.quiet === true });
      const { upserted } = await index.upsert(docs as never, { where: (i) => records[i]!.where });
      await saveModel?.();
      const stats = await index.stats();
      return { upserted, documents: stats.documents, dimension: stats.dimension, metric: stats.metric, took_ms: elapsed(started) };
    } finally {
      await index.close();
    }
  },
};

export function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
