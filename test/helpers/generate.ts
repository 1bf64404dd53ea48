import type { Document, Filter, Metric } from "../../src/index.js";
import { seededRandom } from "./random.js";

const WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega".split(" ");

export interface GeneratedCorpus {
  docs: Document[];
  queries: { sparse: Record<string, number>; dense: number[]; text: string }[];
}

/**
 * Documents with sparse vectors over a Zipf-like vocabulary (so posting lists differ in length
 * and scores tie sometimes), dense vectors, text and filterable fields.
 */
export function generateCorpus(seed: number, count: number, dimension: number, idPrefix = "d"): GeneratedCorpus {
  const rand = seededRandom(seed);
  const vocab = 300;
  const token = () => `t${Math.floor(vocab * Math.pow(rand(), 2))}`;
  const sparse = (terms: number, quantize: boolean) => {
    const v: Record<string, number> = {};
    for (let i = 0; i < terms; i++) v[token()] = quantize ? Math.ceil(rand() * 4) / 4 : 0.05 + rand() * 2;
    return v;
  };
  const dense = () => Array.from({ length: dimension }, () => rand() * 2 - 1);
  const text = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
  const docs: Document[] = [];
  for (let i = 0; i < count; i++) {
    const doc: Document = { id: `${idPrefix}${i}`, fields: { year: 2000 + Math.floor(rand() * 25), tags: [WORDS[Math.floor(rand() * 6)]!, WORDS[Math.floor(rand() * 6)]!], lang: rand() < 0.7 ? "en" : "de", open: rand() < 0.5 } };
    // Some documents lack a leg, as in real collections. Quantized weights make exact ties common.
    if (rand() < 0.9) doc.sparse = sparse(3 + Math.floor(rand() * 20), i % 3 === 0);
    if (rand() < 0.9) doc.dense = dense();
    if (rand() < 0.9) doc.text = text(5 + Math.floor(rand() * 15));
    docs.push(doc);
  }
  const queries = Array.from({ length: 20 }, () => ({ sparse: sparse(1 + Math.floor(rand() * 6), false), dense: dense(), text: text(3) }));
  return { docs, queries };
}

/** Filters of widely different selectivity. */
export const FILTERS: Filter[] = [
  { term: { lang: "de" } },
  { range: { year: { gte: 2010, lt: 2015 } } },
  { terms: { tags: ["alpha", "gamma"] } },
  { and: [{ term: { open: true } }, { not: { term: { lang: "en" } } }] },
  { or: [{ range: { year: { lte: 2001 } } }, { term: { tags: "zeta" } }] },
  { term: { year: 2003 } },
];

export const METRICS: Metric[] = ["cosine", "dot", "l2"];
