import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Document, SparseVector } from "../../src/index.js";
import { seededRandom } from "../helpers/random.js";

/**
 * A seeded synthetic corpus with the statistics of SPLADE output (as measured on MS MARCO with
 * BERT's vocabulary), for storage and query benchmarks at any size.
 *
 * The model:
 * - **Vocabulary**: 30,522 tokens (BERT's wordpiece count), named by {@link tokenName}: three
 *   syllables from the token id, so names are stable and read as words in text.
 * - **Head tokens** (the first `HEAD` tokens of a seeded permutation of the vocabulary) appear in a
 *   document independently with their own document frequency: the top eight from 38.5% down to 30.5%,
 *   then a power-law decay — SPLADE's expansion puts a few tokens in a third of all documents.
 * - **Topics** (1,000 by default, popularity Zipf-like): each a distribution over 400 non-head
 *   tokens, picked without replacement by global popularity (so popular tokens belong to many
 *   topics) with Zipf weights in random order. A document draws a primary and a secondary topic;
 *   its other tokens come from the primary topic (65%), the secondary (15%) or the global
 *   popularity tail (20%, which makes document frequencies heavy-tailed down to single documents).
 * - **Sizes and weights**: about 130 distinct tokens per document (normal, sd 25, within 20–400);
 *   weights log-normal around a source-dependent level (topic tokens weigh more than head tokens),
 *   mean about 0.5, clipped to [0.01, 3].
 * - **Queries** come from the same topics: about 50 tokens (mostly the query topic's, some head and
 *   tail tokens), the first drawn (most probable) weighing up to 3, decaying to about 0.1; so a
 *   query's top neighbours share its topic.
 * - **Order**: documents are drawn independently, so topics and head tokens are spread evenly over
 *   the document order (no sorted runs that would flatter block-wise pruning or compression).
 * - **Dense vectors** (optional, 384-d by default): the primary topic's random unit centroid, 0.35 of
 *   the secondary's, and Gaussian noise of norm about 0.9, normalized — about 0.7 cosine to the
 *   centroid, embedding-like rather than i.i.d. (local intrinsic dimensionality ≈ 19 on 5,000
 *   vectors, by bench-data's estimator; real sentence embeddings measure 10–20).
 * - **Text** (optional): the document's eight heaviest token names; **fields**: `year`
 *   (1990–2024, uniform) and `lang` (en 70%, de 20%, fr 10%).
 *
 * Deterministic per seed: documents depend on the seed and their position only through one
 * sequential stream, so the first N documents of a larger corpus are the corpus of size N.
 * Queries come from their own stream, independent of how many documents were drawn.
 */
export const VOCABULARY = 30_522;
const HEAD = 200;
const TOPIC_TOKENS = 400;
const MEAN_NNZ = 130;
const QUERY_NNZ = 50;
const SOURCE_LEVEL = { head: 0.2, primary: 0.5, secondary: 0.41, tail: 0.29 };

export interface SpladeCorpusOptions {
  seed: number;
  /** Number of topics (default 1,000). */
  topics?: number;
  /** Dimension of the dense vectors (default 384). */
  dimension?: number;
}

/** A run of consecutive documents in flat typed arrays (document i's tokens at offsets[i]..offsets[i+1]). */
export interface SpladeBatch {
  /** Position of the first document in the corpus (document ids are `d<position>`). */
  start: number;
  count: number;
  offsets: Uint32Array;
  tokens: Uint16Array;
  weights: Float32Array;
  /** Primary topic of each document. */
  topics: Uint16Array;
  /** Row-major vectors, `dimension` per document, when asked for. */
  dense?: Float32Array;
}

/** Queries, flat like {@link SpladeBatch}. */
export interface SpladeQueries {
  count: number;
  offsets: Uint32Array;
  tokens: Uint16Array;
  weights: Float32Array;
  topics: Uint16Array;
  dense?: Float32Array;
}

const CONSONANTS = "bdfghjklmnprstvz";
const VOWELS = "aeiou";

/** Stable name of token `id`: three consonant-vowel syllables (80³ = 512,000 names, one per id). */
export function tokenName(id: number): string {
  let out = "";
  let rest = id;
  for (let s = 0; s < 3; s++) {
    const syllable = rest % 80;
    rest = Math.floor(rest / 80);
    out += CONSONANTS[Math.floor(syllable / 5)]! + VOWELS[syllable % 5]!;
  }
  return out;
}

let NAMES: string[] | undefined;
function names(): string[] {
  return (NAMES ??= Array.from({ length: VOCABULARY }, (_, id) => tokenName(id)));
}

/** Index of the first entry of `cumulative` (ascending, from `from` to `to`) above `x`. */
function pick(cumulative: Float64Array, from: number, to: number, x: number): number {
  let lo = from;
  let hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo - from;
}

/** Streams documents and queries of one seeded corpus. */
export class SpladeCorpus {
  readonly topicCount: number;
  readonly dimension: number;
  private readonly rand: () => number;
  /** Head tokens and their document frequency. */
  private readonly headTokens: Uint16Array;
  private readonly headDf: Float64Array;
  /** Non-head tokens by global popularity (cumulative), for the tail draws. */
  private readonly tailTokens: Uint16Array;
  private readonly tailCumulative: Float64Array;
  /** Topic t's tokens at [t*TOPIC_TOKENS, (t+1)*TOPIC_TOKENS), with cumulative weights per topic. */
  private readonly topicTokens: Uint16Array;
  private readonly topicCumulative: Float64Array;
  private readonly topicPopularity: Float64Array;
  private readonly centroids: Float32Array;
  /** Marks a document's tokens: stamp[token] === current draw. */
  private readonly stamp = new Uint32Array(VOCABULARY);
  private stampValue = 0;
  private position = 0;
  private spareGauss: number | undefined;

  constructor(private readonly options: SpladeCorpusOptions) {
    this.topicCount = options.topics ?? 1000;
    this.dimension = options.dimension ?? 384;
    const setup = seededRandom(options.seed);
    this.rand = seededRandom(options.seed ^ 0x5bd1e995);
    // A seeded permutation: popularity rank → token id, unrelated to ids.
    const byRank = new Uint16Array(VOCABULARY);
    for (let i = 0; i < VOCABULARY; i++) byRank[i] = i;
    for (let i = VOCABULARY - 1; i > 0; i--) {
      const j = Math.floor(setup() * (i + 1));
      const t = byRank[i]!;
      byRank[i] = byRank[j]!;
      byRank[j] = t;
    }
    this.headTokens = byRank.slice(0, HEAD);
    this.headDf = new Float64Array(HEAD);
    for (let r = 0; r < HEAD; r++) this.headDf[r] = r < 8 ? 0.385 - (0.08 * r) / 7 : 0.3 * Math.pow(r - 6, -0.8);
    this.tailTokens = byRank.slice(HEAD);
    const tailCount = VOCABULARY - HEAD;
    this.tailCumulative = new Float64Array(tailCount);
    let sum = 0;
    for (let r = 0; r < tailCount; r++) this.tailCumulative[r] = sum += Math.pow(r + 50, -1.1);
    for (let r = 0; r < tailCount; r++) this.tailCumulative[r]! /= sum;

    // Topics: tokens without replacement by popularity, Zipf weights over a random order.
    this.topicTokens = new Uint16Array(this.topicCount * TOPIC_TOKENS);
    this.topicCumulative = new Float64Array(this.topicCount * TOPIC_TOKENS);
    // Topics pick tokens from a flatter popularity than the tail draws, so that no tail token is in
    // every topic (its document frequency would then rival the head's).
    const topicChoice = new Float64Array(tailCount);
    let choiceSum = 0;
    for (let r = 0; r < tailCount; r++) topicChoice[r] = choiceSum += Math.pow(r + 300, -1);
    for (let r = 0; r < tailCount; r++) topicChoice[r]! /= choiceSum;
    const taken = new Uint32Array(tailCount);
    for (let t = 0; t < this.topicCount; t++) {
      const base = t * TOPIC_TOKENS;
      for (let j = 0; j < TOPIC_TOKENS; ) {
        const r = pick(topicChoice, 0, tailCount, setup());
        if (taken[r] === t + 1) continue;
        taken[r] = t + 1;
        this.topicTokens[base + j++] = this.tailTokens[r]!;
      }
      // The draw order favours popular tokens; weights go to a random order so that within a topic
      // a rare token may be the most characteristic one.
      for (let j = TOPIC_TOKENS - 1; j > 0; j--) {
        const k = Math.floor(setup() * (j + 1));
        const x = this.topicTokens[base + j]!;
        this.topicTokens[base + j] = this.topicTokens[base + k]!;
        this.topicTokens[base + k] = x;
      }
      let s = 0;
      for (let j = 0; j < TOPIC_TOKENS; j++) this.topicCumulative[base + j] = s += Math.pow(j + 1, -0.9);
      for (let j = 0; j < TOPIC_TOKENS; j++) this.topicCumulative[base + j]! /= s;
    }
    this.topicPopularity = new Float64Array(this.topicCount);
    let p = 0;
    for (let t = 0; t < this.topicCount; t++) this.topicPopularity[t] = p += Math.pow(t + 5, -0.7);
    for (let t = 0; t < this.topicCount; t++) this.topicPopularity[t]! /= p;

    const gauss = () => Math.sqrt(-2 * Math.log(Math.max(setup(), 1e-12))) * Math.cos(2 * Math.PI * setup());
    this.centroids = new Float32Array(this.topicCount * this.dimension);
    for (let t = 0; t < this.topicCount; t++) {
      let norm = 0;
      for (let d = 0; d < this.dimension; d++) {
        const x = gauss();
        this.centroids[t * this.dimension + d] = x;
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      for (let d = 0; d < this.dimension; d++) this.centroids[t * this.dimension + d]! /= norm;
    }
  }

  /** Documents drawn so far. */
  get drawn(): number {
    return this.position;
  }

  /** The next `count` documents, with dense vectors when `dense` is set. */
  nextBatch(count: number, dense = false): SpladeBatch {
    const rand = this.rand;
    const capacity = count * (MEAN_NNZ + 4 * 25);
    let tokens = new Uint16Array(capacity);
    let weights = new Float32Array(capacity);
    const offsets = new Uint32Array(count + 1);
    const topics = new Uint16Array(count);
    const vectors = dense ? new Float32Array(count * this.dimension) : undefined;
    let at = 0;
    for (let i = 0; i < count; i++) {
      const primary = this.drawTopic();
      const secondary = this.drawTopic();
      topics[i] = primary;
      const nnz = Math.max(20, Math.min(400, Math.round(MEAN_NNZ + 25 * this.gauss())));
      if (at + nnz > tokens.length) {
        const grownTokens = new Uint16Array(tokens.length * 2);
        grownTokens.set(tokens);
        tokens = grownTokens;
        const grownWeights = new Float32Array(weights.length * 2);
        grownWeights.set(weights);
        weights = grownWeights;
      }
      const stamp = this.nextStamp();
      let n = 0;
      for (let r = 0; r < HEAD && n < nnz; r++) {
        if (rand() < this.headDf[r]!) {
          const token = this.headTokens[r]!;
          this.stamp[token] = stamp;
          tokens[at + n] = token;
          weights[at + n++] = this.weight(SOURCE_LEVEL.head);
        }
      }
      for (let attempts = 0; n < nnz && attempts < 20 * nnz; attempts++) {
        const u = rand();
        const token = u < 0.65 ? this.topicToken(primary) : u < 0.8 ? this.topicToken(secondary) : this.tailToken();
        if (this.stamp[token] === stamp) continue;
        this.stamp[token] = stamp;
        tokens[at + n] = token;
        weights[at + n++] = this.weight(u < 0.65 ? SOURCE_LEVEL.primary : u < 0.8 ? SOURCE_LEVEL.secondary : SOURCE_LEVEL.tail);
      }
      at += n;
      offsets[i + 1] = at;
      if (vectors) this.vector(vectors, i * this.dimension, primary, secondary, 0.35, 0.9);
    }
    const start = this.position;
    this.position += count;
    return { start, count, offsets, tokens: tokens.slice(0, at), weights: weights.slice(0, at), topics, ...(vectors ? { dense: vectors } : {}) };
  }

  /** `count` queries from their own stream (the same for a seed whatever was drawn before). */
  queries(count: number, dense = false): SpladeQueries {
    const rand = seededRandom(this.options.seed ^ 0x2545f491);
    const tokens = new Uint16Array(count * 2 * QUERY_NNZ);
    const weights = new Float32Array(count * 2 * QUERY_NNZ);
    const offsets = new Uint32Array(count + 1);
    const topics = new Uint16Array(count);
    const vectors = dense ? new Float32Array(count * this.dimension) : undefined;
    let at = 0;
    for (let q = 0; q < count; q++) {
      const topic = pick(this.topicPopularity, 0, this.topicCount, rand());
      topics[q] = topic;
      const nnz = Math.max(10, Math.min(2 * QUERY_NNZ, Math.round(QUERY_NNZ + 10 * (rand() + rand() + rand() - 1.5) * 2)));
      const stamp = this.nextStamp();
      let n = 0;
      for (let attempts = 0; n < nnz && attempts < 20 * nnz; attempts++) {
        const u = rand();
        const token = u < 0.8 ? this.topicToken(topic, rand()) : u < 0.9 ? this.headTokens[Math.floor(rand() * 20)]! : this.tailToken(rand());
        if (this.stamp[token] === stamp) continue;
        this.stamp[token] = stamp;
        tokens[at + n] = token;
        // Early draws are the topic's most probable tokens: they carry the query.
        const level = (u < 0.8 ? 2.9 : 0.6) * Math.exp(-n / 14) + 0.08;
        weights[at + n++] = Math.min(3, Math.max(0.01, level * Math.exp(0.25 * gaussOf(rand))));
      }
      at += n;
      offsets[q + 1] = at;
      if (vectors) this.vector(vectors, q * this.dimension, topic, topic, 0, 0.6, rand);
    }
    return { count, offsets, tokens: tokens.slice(0, at), weights: weights.slice(0, at), topics, ...(vectors ? { dense: vectors } : {}) };
  }

  private nextStamp(): number {
    if (++this.stampValue === 0xffffffff) {
      this.stamp.fill(0);
      this.stampValue = 1;
    }
    return this.stampValue;
  }

  private drawTopic(): number {
    return pick(this.topicPopularity, 0, this.topicCount, this.rand());
  }

  private topicToken(topic: number, u = this.rand()): number {
    const base = topic * TOPIC_TOKENS;
    return this.topicTokens[base + pick(this.topicCumulative, base, base + TOPIC_TOKENS, u)]!;
  }

  private tailToken(u = this.rand()): number {
    return this.tailTokens[pick(this.tailCumulative, 0, this.tailCumulative.length, u)]!;
  }

  /** Log-normal around `level` (mean level·e^{0.18}), clipped to [0.01, 3]. */
  private weight(level: number): number {
    return Math.min(3, Math.max(0.01, level * Math.exp(0.6 * this.gauss())));
  }

  private gauss(): number {
    if (this.spareGauss !== undefined) {
      const g = this.spareGauss;
      this.spareGauss = undefined;
      return g;
    }
    const r = Math.sqrt(-2 * Math.log(Math.max(this.rand(), 1e-12)));
    const a = 2 * Math.PI * this.rand();
    this.spareGauss = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Writes centroid(primary) + mix·centroid(secondary) + noise of norm ≈ `noise`, normalized. */
  private vector(out: Float32Array, base: number, primary: number, secondary: number, mix: number, noise: number, rand?: () => number): void {
    const dim = this.dimension;
    const sd = noise / Math.sqrt(dim);
    const g = rand ? () => gaussOf(rand) : () => this.gauss();
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const x = this.centroids[primary * dim + d]! + mix * this.centroids[secondary * dim + d]! + sd * g();
      out[base + d] = x;
      norm += x * x;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[base + d]! *= inv;
  }
}

function gaussOf(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
}

/** Which parts of a document {@link toDocuments} fills in besides id and sparse. */
export interface DocumentParts {
  dense?: boolean;
  text?: boolean;
  fields?: boolean;
}

const LANGS = ["en", "en", "en", "en", "en", "en", "en", "de", "de", "fr"];

/** A batch as engine documents (`d<position>`), weights rounded to 4 decimals as a JSONL file would hold them. */
export function toDocuments(batch: SpladeBatch, parts: DocumentParts = {}, dimension = 384): Document[] {
  const vocabulary = names();
  const out: Document[] = [];
  for (let i = 0; i < batch.count; i++) {
    const from = batch.offsets[i]!;
    const to = batch.offsets[i + 1]!;
    const sparse: SparseVector = {};
    for (let j = from; j < to; j++) sparse[vocabulary[batch.tokens[j]!]!] = roundWeight(batch.weights[j]!);
    const doc: Document = { id: `d${batch.start + i}`, sparse };
    if (parts.dense && batch.dense) doc.dense = batch.dense.subarray(i * dimension, (i + 1) * dimension);
    if (parts.text) doc.text = heaviest(batch, from, to, 8).map((t) => vocabulary[t]!).join(" ");
    if (parts.fields) {
      // Fields from a hash of the position: independent of the token stream, stable per document.
      const h = Math.imul(batch.start + i + 1, 0x9e3779b1) >>> 0;
      doc.fields = { year: 1990 + (h % 35), lang: LANGS[(h >>> 8) % 10]! };
    }
    out.push(doc);
  }
  return out;
}

/** Query q as a sparse vector of token names. */
export function querySparse(queries: SpladeQueries, q: number): SparseVector {
  const vocabulary = names();
  const sparse: SparseVector = {};
  for (let j = queries.offsets[q]!; j < queries.offsets[q + 1]!; j++) sparse[vocabulary[queries.tokens[j]!]!] = roundWeight(queries.weights[j]!);
  return sparse;
}

/** A weight as {@link toDocuments} stores it: 4 decimals, at least 1e-4. */
export function roundWeight(w: number): number {
  return Math.max(1e-4, Math.round(w * 1e4) / 1e4);
}

function heaviest(batch: SpladeBatch, from: number, to: number, count: number): number[] {
  const order: number[] = [];
  for (let j = from; j < to; j++) order.push(j);
  order.sort((a, b) => batch.weights[b]! - batch.weights[a]! || a - b);
  return order.slice(0, count).map((j) => batch.tokens[j]!);
}

/**
 * Writes `count` documents as JSONL (for `tandem index`), in batches so memory stays bounded
 * whatever the count. Dense vectors are written with 6 decimals.
 */
export async function writeCorpusJsonl(path: string, corpus: SpladeCorpus, count: number, parts: DocumentParts = {}, batchSize = 10_000): Promise<void> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.on("error", reject));
  for (let start = 0; start < count; start += batchSize) {
    const batch = corpus.nextBatch(Math.min(batchSize, count - start), parts.dense === true);
    const lines = toDocuments(batch, parts, corpus.dimension).map((d) => JSON.stringify(d.dense ? { ...d, dense: Array.from(d.dense, (x) => Math.round(x * 1e6) / 1e6) } : d));
    if (!out.write(lines.join("\n") + "\n")) await Promise.race([once(out, "drain"), failed]);
  }
  out.end();
  await Promise.race([once(out, "finish"), failed]);
}

/** Writes queries as JSONL (`q<i>`, sparse, and dense when drawn). */
export async function writeQueriesJsonl(path: string, queries: SpladeQueries, dimension = 384): Promise<void> {
  const lines: string[] = [];
  for (let q = 0; q < queries.count; q++) {
    const query: Record<string, unknown> = { id: `q${q}`, sparse: querySparse(queries, q) };
    if (queries.dense) query.dense = Array.from(queries.dense.subarray(q * dimension, (q + 1) * dimension), (x) => Math.round(x * 1e6) / 1e6);
    lines.push(JSON.stringify(query));
  }
  const out = createWriteStream(path);
  out.end(lines.join("\n") + "\n");
  await once(out, "finish");
}
