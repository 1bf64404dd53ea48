import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseQrels, type Qrels } from "../../src/index.js";
import { fromBeirRecord, readJsonl, readText } from "../../src/cli/read-input.js";

/** A document or query of a BEIR folder: its id and its text (a title is put before the text). */
export interface TextRecord {
  id: string;
  text: string;
}

/** A BEIR folder's documents. */
export interface BeirCorpus {
  /** The folder's name, e.g. "scifact". */
  name: string;
  folder: string;
  file: string;
  documents: TextRecord[];
}

/** One split of a BEIR folder: the judgements and every query of the file they refer to. */
export interface BeirSplit {
  split: string;
  queriesFile: string;
  /** Every query in the queries file, judged or not, in file order. */
  queries: TextRecord[];
  qrelsFile: string;
  qrels: Qrels;
}

async function readRecords(file: string): Promise<TextRecord[]> {
  return (await readJsonl(file)).map(({ value, where }) => {
    const record = fromBeirRecord(value);
    const id = record.id;
    if (typeof id !== "string" && typeof id !== "number") throw new Error(`${where}: a record without a string or number "_id" or "id"`);
    return { id: String(id), text: typeof record.text === "string" ? record.text : "" };
  });
}

export async function readBeirCorpus(folder: string): Promise<BeirCorpus> {
  const file = join(folder, "corpus.jsonl");
  return { name: basename(resolve(folder)), folder, file, documents: await readRecords(file) };
}

/**
 * A split's queries and qrels: `qrels/<split>.tsv` with `queries.jsonl`, as BEIR lays them out,
 * or `extra/qrels-<split>.tsv` with `extra/queries-<split>.jsonl` where a folder keeps a split's
 * queries apart (SciFact's train claims in fixtures/scifact/extra).
 */
export async function readBeirSplit(folder: string, split: string): Promise<BeirSplit> {
  const beirQrels = join(folder, "qrels", `${split}.tsv`);
  const extraQrels = join(folder, "extra", `qrels-${split}.tsv`);
  const qrelsFile = existsSync(beirQrels) || !existsSync(extraQrels) ? beirQrels : extraQrels;
  const extraQueries = join(folder, "extra", `queries-${split}.jsonl`);
  const queriesFile = existsSync(extraQueries) ? extraQueries : join(folder, "queries.jsonl");
  return { split, queriesFile, queries: await readRecords(queriesFile), qrelsFile, qrels: parseQrels(await readText(qrelsFile), qrelsFile) };
}
