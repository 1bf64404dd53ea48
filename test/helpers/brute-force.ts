import { expect } from "vitest";
import type { Document, FieldValue, Filter, Metric } from "../../src/index.js";

/** Reference filter semantics, written independently of the engine's. */
export function referenceMatches(filter: Filter, fields: Record<string, FieldValue> | undefined): boolean {
  const values = (f: string): (string | number | boolean)[] => {
    const v = fields?.[f];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  if ("and" in filter) return filter.and.every((f) => referenceMatches(f, fields));
  if ("or" in filter) return filter.or.some((f) => referenceMatches(f, fields));
  if ("not" in filter) return !referenceMatches(filter.not, fields);
  if ("term" in filter) {
    const [f, want] = Object.entries(filter.term)[0]!;
    return values(f).includes(want);
  }
  if ("terms" in filter) {
    const [f, want] = Object.entries(filter.terms)[0]!;
    return values(f).some((v) => want.includes(v));
  }
  const [f, b] = Object.entries(filter.range)[0]!;
  // Numbers compare with numbers, strings with strings; a bound of another type never matches.
  return values(f).some((v) => {
    if (typeof v === "boolean") return false;
    const ok = (bound: unknown, test: (x: typeof v) => boolean) => bound === undefined || (typeof bound === typeof v && test(bound as typeof v));
    return ok(b.gte, (x) => v >= x) && ok(b.gt, (x) => v > x) && ok(b.lte, (x) => v <= x) && ok(b.lt, (x) => v < x);
  });
}

/** Σ q·d over shared tokens with both sides rounded to float32; undefined if nothing is shared. */
export function referenceSparse(q: Record<string, number>, d: Record<string, number> | undefined): number | undefined {
  if (!d) return undefined;
  let sum = 0;
  let shared = false;
  for (const [t, w] of Object.entries(q)) {
    if (d[t] !== undefined && w > 0) {
      sum += Math.fround(w) * Math.fround(d[t]);
      shared = true;
    }
  }
  return shared ? sum : undefined;
}

export function referenceDense(metric: Metric, q: number[], d: ArrayLike<number> | undefined): number | undefined {
  if (!d) return undefined;
  const qf = Float32Array.from(q);
  const df = Float32Array.from(d);
  let dot = 0;
  let qq = 0;
  let dd = 0;
  let l2 = 0;
  for (let i = 0; i < qf.length; i++) {
    dot += qf[i]! * df[i]!;
    qq += qf[i]! * qf[i]!;
    dd += df[i]! * df[i]!;
    l2 += (qf[i]! - df[i]!) ** 2;
  }
  return metric === "dot" ? dot : metric === "l2" ? -l2 : dot / Math.sqrt(qq * dd);
}

/** Best k by score (desc), ties by id (asc). */
export function referenceTopK(scored: { id: string; score: number }[], k: number): { id: string; score: number }[] {
  return [...scored].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, k);
}

/** Scores every live document with `score` and keeps those matching `filter`. */
export function referenceLeg(
  docs: Map<string, Document>,
  score: (d: Document) => number | undefined,
  filter: Filter | undefined,
): { id: string; score: number }[] {
  const out: { id: string; score: number }[] = [];
  for (const d of docs.values()) {
    if (filter && !referenceMatches(filter, d.fields)) continue;
    const s = score(d);
    if (s !== undefined) out.push({ id: d.id, score: s });
  }
  return out;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * The engine's top-k equals brute force: same length, same scores position by position, each
 * returned id scored as brute force scores it, and ids of equal score ordered by id. Ids may
 * differ only among scores equal within float32 rounding at the cut-off.
 */
export function expectSameTopK(actual: { id: string; score?: number }[], all: { id: string; score: number }[], k: number): void {
  const expected = referenceTopK(all, k);
  expect(actual.length).toBe(expected.length);
  const byId = new Map(all.map((h) => [h.id, h.score]));
  actual.forEach((hit, i) => {
    const ref = byId.get(hit.id);
    expect(ref, `hit ${hit.id} is not a match`).toBeDefined();
    expect(close(hit.score!, ref!), `score of ${hit.id}: ${hit.score} vs ${ref}`).toBe(true);
    expect(close(hit.score!, expected[i]!.score), `rank ${i + 1}: ${hit.score} vs ${expected[i]!.score}`).toBe(true);
    if (i > 0 && hit.score === actual[i - 1]!.score) expect(actual[i - 1]!.id < hit.id).toBe(true);
  });
  const cutoff = expected.length > 0 ? expected[expected.length - 1]!.score : -Infinity;
  const returned = new Set(actual.map((h) => h.id));
  for (const h of expected) if (!close(h.score, cutoff)) expect(returned.has(h.id), `missing ${h.id} (${h.score})`).toBe(true);
}
