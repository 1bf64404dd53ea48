import type { ResolvedFusion } from "../../src/fusion/fuse.js";
import type { FusionOptions } from "../../src/index.js";

/** Every fusion method, with every normalizer of `convex`. */
export const FUSION_METHODS: FusionOptions[] = [
  { method: "rrf" },
  { method: "convex", normalize: "minmax" },
  { method: "convex", normalize: "zscore" },
  { method: "convex", normalize: "tmm" },
  { method: "convex", normalize: "l2" },
  { method: "convex", normalize: "none" },
  { method: "dbsf" },
];

/** Resolved fusion settings for calling `fuse` directly: RRF, constant 60, weights 1, with `o` on top. */
export const resolvedFusion = (o: Partial<ResolvedFusion> = {}): ResolvedFusion => ({
  method: "rrf",
  rankConstant: 60,
  weights: { sparse: 1, dense: 1, text: 1 },
  normalize: "minmax",
  completion: true,
  ...o,
});
