import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { HybridIndex, InvalidDocumentError, InvalidQueryError, TandemError, type Document, type Metric, type SearchQuery } from "../../src/index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

// Fault kind: input valid in float64 but not in float32. Validation used to run on doubles while
// storage and arithmetic run on float32, so a weight of 1e39 was stored as Infinity, a vector of
// 1e20s had an infinite norm (cosine 0), one of 1e-30s a zero norm (cosine NaN or Infinity,
// ranked first), and a weight of 1e-46 was a 0-scoring match in memory but gone after reopening.

const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 2 ** -126;
const F32_MIN_SUBNORMAL = 2 ** -149;
const nextUp = (x: number) => x * (1 + 2 ** -52);

/** float32 edge values and the limits' neighbourhoods, in double precision (either sign is drawn). */
const INSIDE = [0, F32_MIN_SUBNORMAL, 2 ** -140, F32_MIN_NORMAL, 1e-30, 1e-23, 1e-20, 1.1e-19, 0.5, 1, 3, 1e15, 1e17, 7e17, 1e18];
const OUTSIDE = [F32_MIN_NORMAL - F32_MIN_SUBNORMAL, 1e-46, 1e-40, nextUp(1e18), 1e19, 2e19, 1e20, F32_MAX, 3.5e38, 1e39, Number.MAX_VALUE, Infinity, NaN];
const signed = (values: number[]) => fc.constantFrom(...values).chain((v) => fc.constantFrom(v, -v));
const edge = fc.oneof(
  { weight: 8, arbitrary: signed(INSIDE) },
  { weight: 2, arbitrary: signed(OUTSIDE) },
  { weight: 1, arbitrary: fc.float() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 3, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
);
const TOKENS = ["a", "b", "c", "d"];
// Mostly positive weights: a negative one refuses the whole vector.
const sparseVector = fc.dictionary(fc.constantFrom(...TOKENS), fc.oneof({ weight: 4, arbitrary: edge.map(Math.abs) }, { weight: 1, arbitrary: edge }), { minKeys: 1, maxKeys: 4 });
const DIM = 3;
const denseVector = fc.array(edge, { minLength: DIM, maxLength: DIM });

const f32 = (v: number) => Math.fround(v);

/** Exact leg scores from the float32 values, in double precision, and how much float32 accumulation may differ from them. */
function referenceSparse(q: Record<string, number>, d: Record<string, number> | undefined): { score: number; tolerance: number } | undefined {
  if (!d) return undefined;
  let sum = 0;
  let shared = false;
  for (const t of Object.keys(q)) {
    if (Object.hasOwn(d, t) && q[t]! > 0) {
      sum += f32(q[t]!) * d[t]!;
      shared = true;
    }
  }
  return shared ? { score: sum, tolerance: 2 ** -23 * Math.abs(sum) + 2 ** -149 } : undefined;
}

function referenceDense(metric: Metric, q: ArrayLike<number>, d: ArrayLike<number> | undefined): { score: number; tolerance: number } | undefined {
  if (!d) return undefined;
  let dot = 0;
  let abs = 0;
  let qq = 0;
  let dd = 0;
  let l2 = 0;
  for (let i = 0; i < q.length; i++) {
    const a = f32(q[i]!);
    const b = d[i]!;
    dot += a * b;
    abs += Math.abs(a * b);
    qq += a * a;
    dd += b * b;
    l2 += (a - b) ** 2;
  }
  // Products below float32's subnormal range are lost by the float32 kernel: 2^-150 each at most.
  const lost = q.length * 2 ** -150;
  if (metric === "dot") return { score: dot, tolerance: 1e-5 * abs + lost };
  if (metric === "l2") return { score: -l2, tolerance: 1e-5 * l2 + lost };
  return { score: dot / Math.sqrt(qq * dd), tolerance: 1e-5 + lost / Math.sqrt(qq * dd) };
}

const newDir = useTempDirs("tandem-float32-");
const opened: HybridIndex[] = [];
// Registered after the temporary directories' cleanup, so it runs first (after-hooks run as a stack).
afterEach(async () => {
  for (const index of opened.splice(0)) await index.close();
});

describe("input valid in float64 but not in float32", () => {
  it("refuses what float32 cannot hold or compute with, naming document, token or dimension (the reported cases)", async () => {
    const index = await HybridIndex.open(await newDir(), { metric: "cosine" });
    opened.push(index);
    await index.upsert([{ id: "keep", sparse: { a: 1 }, dense: [1, 1, 0] }]);
    const refused = async (doc: Document, message: RegExp) => {
      const error = await index.upsert([doc]).then(() => undefined, (e: unknown) => e);
      expect(error, `${JSON.stringify(doc)} should be refused`).toBeInstanceOf(InvalidDocumentError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(`(document "${doc.id}")`);
    };
    await refused({ id: "huge-weight", sparse: { a: 1e39 } }, /sparse weight of "a" is 1e\+39/);
    await refused({ id: "tiny-weight", sparse: { a: 1e-46, b: 1 } }, /sparse weight of "a" is 1e-46/);
    await refused({ id: "huge-dense", dense: [1e20, 1e20, 0] }, /dense\[0\] is 100000000000000000000/);
    await refused({ id: "big-norm", dense: [9e17, 9e17, 0] }, /"dense" has norm 12727922\d*, above the largest allowed norm 1e\+18/);
    await refused({ id: "underflow", dense: [1e-30, 1e-30, 1e-30] }, /too small for cosine in float32/);
    await refused({ id: "underflow-2", dense: [1e-23, 0, 0] }, /too small for cosine in float32/);
    // Nothing of the refused documents was stored.
    expect((await index.stats()).documents).toBe(1);
    for (const id of ["huge-weight", "tiny-weight", "huge-dense", "underflow"]) expect(await index.get(id)).toBeUndefined();

    const query = async (q: SearchQuery, message: RegExp) => {
      const error = await index.search(q).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidQueryError);
      expect((error as Error).message).toMatch(message);
    };
    await query({ sparse: { a: 1e39 } }, /^query: sparse weight of "a" is 1e\+39/);
    await query({ dense: [1e-30, 1e-30, 1e-30] }, /^query: dense vector has norm .* too small for cosine/);
    await query({ dense: [2e19, 2e19, 0] }, /^query: dense\[0\] is 20000000000000000000/);

    // The largest accepted values still score exactly: cosine of [1e17, 1e17, 0] with [1, 1, 0] is 1.
    await index.upsert([{ id: "large", dense: [1e17, 1e17, 0] }, { id: "small", dense: [2e-19, 2e-19, 0] }]);
    const { hits } = await index.search({ dense: [1, 1, 0], exact: true });
    for (const hit of hits) expect(hit.score).toBeCloseTo(1, 6);
    expect(hits.map((h) => h.id).sort()).toEqual(["keep", "large", "small"]);
  });

  it("a weight that rounds to 0 in float32 is refused alike in memory and after reopening", async () => {
    const dir = await newDir();
    let index = await HybridIndex.open(dir);
    await expect(index.upsert([{ id: "w", sparse: { a: 1e-46, b: 1 } }])).rejects.toThrow(InvalidDocumentError);
    await index.upsert([{ id: "w", sparse: { a: 0, b: 1 } }]);
    const inMemory = [await index.get("w"), await index.search({ sparse: { a: 1 } })];
    await index.close();
    index = await HybridIndex.open(dir);
    opened.push(index);
    expect([await index.get("w"), await index.search({ sparse: { a: 1 } })]).toEqual(inMemory);
    expect(inMemory[1]).toEqual({ hits: [], legs: ["sparse"], sparseExact: true });
  });

  for (const metric of ["cosine", "dot", "l2"] as const) {
    it(`${metric}: any float32 edge value is refused with a typed error or stored so that every score is finite and exact, in memory and after reopening`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ sparse: sparseVector, dense: denseVector }, { requiredKeys: [] }), { minLength: 1, maxLength: 6 }),
          fc.array(fc.record({ sparse: sparseVector, dense: denseVector }, { requiredKeys: [] }), { minLength: 1, maxLength: 3 }),
          async (docs, queries) => {
            const dir = await newDir();
            let index = await HybridIndex.open(dir, { metric, dimension: DIM });
            const stored = new Map<string, Document>();
            for (const [i, doc] of docs.entries()) {
              const id = `d${i}`;
              try {
                await index.upsert([{ id, ...doc }]);
              } catch (e) {
                expect(e).toBeInstanceOf(InvalidDocumentError);
                // The message names the document and where in it: a token or a dimension, or the vector's norm.
                expect((e as Error).message).toMatch(new RegExp(`^docs\\[0\\]: (sparse weight of "[a-d]"|dense\\[\\d\\]|"dense" has norm|"sparse" has norm|dense vector).*\\(document "${id}"\\)$`));
                continue;
              }
              stored.set(id, (await index.get(id))!);
            }
            expect((await index.stats()).documents).toBe(stored.size);
            for (const doc of stored.values()) {
              for (const w of Object.values(doc.sparse ?? {})) expect(Number.isFinite(w) && w >= F32_MIN_NORMAL && w <= 1e18 && w === f32(w)).toBe(true);
              for (const v of doc.dense ?? []) expect(Number.isFinite(v) && Math.abs(v) <= 1e18).toBe(true);
            }
            const answers = async () => {
              const out: unknown[] = [];
              for (const q of queries) {
                for (const leg of ["sparse", "dense"] as const) {
                  if (!q[leg]) continue;
                  let result;
                  try {
                    result = await index.search({ [leg]: q[leg], exact: true, k: 10 });
                  } catch (e) {
                    expect(e).toBeInstanceOf(InvalidQueryError);
                    expect((e as Error).message).toMatch(/^query: (sparse weight of "[a-d]"|dense\[\d\]|"dense" has norm|"sparse" has norm|dense vector)/);
                    out.push("refused");
                    continue;
                  }
                  for (const hit of result.hits) {
                    const doc = stored.get(hit.id)!;
                    const ref = leg === "sparse" ? referenceSparse(q.sparse!, doc.sparse) : referenceDense(metric, q.dense!, doc.dense);
                    expect(ref, `${hit.id} is not a ${leg} match`).toBeDefined();
                    expect(Number.isFinite(hit.score), `score ${hit.score}`).toBe(true);
                    expect(Math.abs(hit.score - ref!.score), `${leg} ${metric} score of ${hit.id}: ${hit.score} vs ${ref!.score}`).toBeLessThanOrEqual(ref!.tolerance);
                  }
                  out.push(result);
                }
              }
              return out;
            };
            const before = await answers();
            const documents = [...stored.keys()].map((id) => index.get(id));
            const inMemory = await Promise.all(documents);
            await index.close();
            index = await HybridIndex.open(dir);
            try {
              expect(await Promise.all([...stored.keys()].map((id) => index.get(id)))).toEqual(inMemory);
              expect(await answers()).toEqual(before);
            } finally {
              await index.close();
            }
          },
        ),
        { numRuns: 100, seed: 20250 + metric.length },
      );
    });
  }

  it("every accepted weight and component is a float32 in range; every refused one is outside it (validation alone, many values)", async () => {
    const index = await HybridIndex.open(await newDir(), { metric: "cosine", dimension: DIM });
    opened.push(index);
    fc.assert(
      fc.property(edge, (v) => {
        const error = (query: SearchQuery) => {
          try {
            index.validateQuery(query);
            return undefined;
          } catch (e) {
            expect(e).toBeInstanceOf(TandemError);
            return e as Error;
          }
        };
        const sparse = error({ sparse: { a: v, b: 1 } });
        const representable = Number.isFinite(v) && (v === 0 || (v > 0 && v <= 1e18 && f32(v) >= F32_MIN_NORMAL));
        expect(sparse === undefined, `sparse weight ${v}: ${sparse?.message}`).toBe(representable);
        const dense = error({ dense: [v, 1, 0] });
        expect(dense === undefined, `dense component ${v}: ${dense?.message}`).toBe(Number.isFinite(v) && Math.abs(v) <= 1e18 && Math.hypot(f32(v), 1) <= 1e18);
      }),
      { numRuns: 2000, seed: 4242 },
    );
  });
});
