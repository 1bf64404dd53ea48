import fc from "fast-check";

/** An object that contains itself. */
export function circular(): Record<string, unknown> {
  const o: Record<string, unknown> = { term: { a: 1 } };
  o.self = o;
  o.and = [o];
  return o;
}

/** A null-prototype object with these properties. */
export function nullProto<T extends object>(props: T): T {
  return Object.assign(Object.create(null) as T, props);
}

/** Arrays nested `depth` deep. */
export function deepArray(depth: number): unknown[] {
  let v: unknown[] = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** `values` with the element at `at` removed, leaving a hole. */
function holey(values: unknown[], at: number): unknown[] {
  const out = values.slice();
  // eslint-disable-next-line @typescript-eslint/no-array-delete -- the hole is the point: a sparse array is one of the hostile values
  delete out[at];
  return out;
}

/**
 * Values only JavaScript has (BigInt, Symbol, functions, circular and null-prototype objects,
 * boxed values, Maps, typed arrays, sparse arrays, very deep arrays) beside everything JSON has.
 */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.anything({
      withBigInt: true,
      withNullPrototype: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
      withDate: true,
      withObjectString: true,
      maxDepth: 3,
    }),
    weight: 6,
  },
  {
    arbitrary: fc.constantFrom<unknown>(
      Symbol("s"),
      10n,
      () => "a function",
      class Thing {},
      circular(),
      nullProto({ a: 1 }),
      deepArray(10_000),
      new Float64Array([1, 2]),
      holey([1, 2, 3], 1),
      Number.NaN,
      -0,
      "",
      "\u0000",
      Object.create({ id: "inherited", sparse: { a: 1 } }),
    ),
    weight: 2,
  },
);

/** Either a value of `valid`, or a hostile one. */
export const orHostile = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof(valid, hostile);
