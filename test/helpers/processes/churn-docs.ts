import type { Document } from "../../../src/index.js";

/** The documents of committed state `round` in the reader/writer race tests: d0…d9, all of that round. */
export const CHURN_DOCS = 10;

export function churnDocs(round: number): Document[] {
  return Array.from({ length: CHURN_DOCS }, (_, i) => ({
    id: `d${i}`,
    sparse: { a: 1 + ((round * 7 + i) % 5), b: 1 + ((round + 3 * i) % 4) },
    dense: [Math.cos(round + i), Math.sin(2 * round + i), (i % 3) - 1, (round % 7) / 7],
    fields: { round },
  }));
}
