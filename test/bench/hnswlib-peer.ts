import { createRequire } from "node:module";

/** What the benchmarks use of hnswlib-node's `HierarchicalNSW` (C++ hnswlib, the peer measured against). */
export interface HnswlibIndex {
  initIndex(max: number, M: number, efConstruction: number, seed: number): void;
  addPoint(point: number[], label: number): void;
  setEf(ef: number): void;
  searchKnn(q: number[], k: number, filter?: (label: number) => boolean): { neighbors: number[] };
  writeIndexSync(file: string): void;
}

/** Neighbours per query the benchmarks ask for. */
export const K = 10;
/** The ef sweep both engines run. */
export const EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256];

/** hnswlib-node's index class, or undefined when the native addon is not installed. */
export function loadHnswlib(): (new (space: string, dim: number) => HnswlibIndex) | undefined {
  try {
    return createRequire(import.meta.url)("hnswlib-node").HierarchicalNSW;
  } catch {
    return undefined;
  }
}
