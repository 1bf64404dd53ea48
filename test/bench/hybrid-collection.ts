import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HybridIndex, type Qrels } from "../../src/index.js";
import type { LabelledQuery } from "../../src/eval/calibrate.js";
import { Bm25Encoder } from "../../plugins/encoders/index.js";
import { flexSearchTextIndex } from "../../plugins/flexsearch/index.js";
import { readBeirCorpus, readBeirSplit } from "./beir-collection.js";
import { BenchDenseVectors } from "./bench-dense-vectors.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
export const SCIFACT = join(ROOT, "fixtures", "scifact");
const CACHE_DIR = join(ROOT, ".cache", "bench-vectors");
const MODEL_DIR = join(ROOT, ".cache", "models", "all-MiniLM-L6-v2");

/** A BEIR folder indexed with three legs (BM25 sparse, MiniLM dense, FlexSearch text), as the fusion benchmark does. */
export interface HybridCollection {
  name: string;
  index: HybridIndex;
  documents: number;
  /** A split's judged queries with every leg's input, and their judgements. */
  split(name: string): Promise<{ queries: LabelledQuery[]; qrels: Qrels }>;
  close(): Promise<void>;
}

export async function openHybridCollection(folder: string): Promise<HybridCollection> {
  const corpus = await readBeirCorpus(folder);
  const vectors = await BenchDenseVectors.open(corpus.name, folder, CACHE_DIR, MODEL_DIR);
  const dir = await mkdtemp(join(tmpdir(), "tandem-bench-hybrid-"));
  const texts = corpus.documents.map((d) => d.text);
  const bm25 = Bm25Encoder.fit(texts);
  const sparse = await bm25.encodeDocuments(texts);
  const dense = await vectors.documents(corpus.file, corpus.documents);
  const index = await HybridIndex.open(dir, { textIndex: flexSearchTextIndex() });
  await index.upsert(corpus.documents.map((d, i) => ({ id: d.id, text: d.text, sparse: sparse[i], dense: dense.get(d.id) })));
  return {
    name: corpus.name,
    index,
    documents: corpus.documents.length,
    async split(name) {
      const split = await readBeirSplit(folder, name);
      const vectorsOf = await vectors.queries(split.queriesFile, name, split.queries);
      const queries = split.queries
        .filter((q) => split.qrels.has(q.id))
        .map((q): LabelledQuery => ({ id: q.id, query: { text: q.text, sparse: bm25.encodeQuerySync(q.text), dense: vectorsOf.get(q.id), exact: true } }));
      return { queries, qrels: split.qrels };
    },
    async close() {
      await index.close();
      await vectors.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
