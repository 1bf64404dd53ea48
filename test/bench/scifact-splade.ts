import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Document, SparseVector } from "../../src/index.js";
import type { SparseBenchCorpus } from "./sparse-bench-corpus.js";

function readJsonlGz(path: string): Promise<{ id: string; sparse: SparseVector }[]> {
  return readFile(path).then((bytes) =>
    gunzipSync(bytes)
      .toString("utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as { id: string; sparse: SparseVector }),
  );
}

/**
 * SciFact's stored SPLADE vectors (fixtures/scifact/vectors: splade-tiny over the 5,183 abstracts
 * and the test claims) as a benchmark collection: the first `queries` claims, wordpieces numbered
 * in order of first appearance.
 */
export async function sciFactSplade(vectors: string, queries: number): Promise<SparseBenchCorpus> {
  const docs = await readJsonlGz(join(vectors, "splade-corpus.jsonl.gz"));
  const claims = await readJsonlGz(join(vectors, "splade-queries.jsonl.gz"));
  const ids = new Map<string, number>();
  const names: string[] = [];
  const offsets = new Uint32Array(docs.length + 1);
  let postings = 0;
  for (const d of docs) postings += Object.keys(d.sparse).length;
  const tokens = new Uint16Array(postings);
  const weights = new Float32Array(postings);
  let at = 0;
  for (const [i, d] of docs.entries()) {
    for (const [term, weight] of Object.entries(d.sparse)) {
      let id = ids.get(term);
      if (id === undefined) {
        id = names.length;
        ids.set(term, id);
        names.push(term);
      }
      tokens[at] = id;
      weights[at++] = weight;
    }
    offsets[i + 1] = at;
  }
  if (names.length > 65_536) throw new Error(`SciFact SPLADE vocabulary of ${names.length} wordpieces exceeds 16-bit token ids`);
  const documents: Document[] = docs.map((d) => ({ id: d.id, sparse: d.sparse }));
  return {
    name: `SciFact SPLADE (splade-tiny), ${docs.length.toLocaleString("en")} documents`,
    documents: docs.length,
    vocabulary: names.length,
    termName: (id) => names[id]!,
    docId: (position) => docs[position]!.id,
    *batches() {
      yield { offsets, tokens, weights, docs: documents };
    },
    queries: claims.slice(0, queries).map((c) => c.sparse),
  };
}
