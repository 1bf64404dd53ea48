import type { HnswIndex } from "./hnsw-index.js";
import type { DenseVectors } from "./vector-store.js";

type GraphSnapshot = ReturnType<HnswIndex["snapshot"]>;

/**
 * The graph without the nodes `remap` drops (−1), renumbered by `remap` (old slot → new slot,
 * ascending), built from the old links without inserting anything again. A node that linked to
 * dropped nodes keeps its other links and fills the free places with the closest of its dropped
 * neighbours' surviving neighbours (two hops), as hnswlib repairs links around deleted elements;
 * so a deleted node's neighbourhood stays connected through the nodes it linked. Similarities are
 * `store`'s, in the old numbering. Levels are kept; a dropped entry point is replaced by a
 * surviving node of the highest level (the lowest slot among them).
 *
 * Cost: one similarity per two-hop candidate of each node that lost links — about a tenth of the
 * work of inserting every node again (each insertion searches efConstruction candidates).
 * @internal
 */
export function compactGraph(graph: GraphSnapshot, M: number, store: DenseVectors, remap: Int32Array): GraphSnapshot {
  const stride0 = 2 * M + 1;
  const strideUpper = M + 1;
  let nodeCount = 0;
  for (let u = 0; u < graph.nodeCount; u++) if (remap[u]! >= 0) nodeCount++;
  const kept = (n: number) => remap[n]! >= 0;
  const levels = new Uint8Array(nodeCount);
  const links0 = new Uint32Array(nodeCount * stride0);
  const upperLinks: (Uint32Array | undefined)[] = [];
  const linkList = (node: number, level: number): [Uint32Array, number] =>
    level === 0 ? [graph.links0, node * stride0] : [graph.upperLinks[node]!, (level - 1) * strideUpper];
  const seen = new Set<number>();
  let entryPoint = -1;
  let maxLevel = -1;
  for (let u = 0; u < graph.nodeCount; u++) {
    const r = remap[u]!;
    if (r < 0) continue;
    const level = graph.levels[u]!;
    levels[r] = level;
    if (!store.has(u)) continue;
    if (level > maxLevel) {
      maxLevel = level;
      entryPoint = r;
    }
    if (level > 0) upperLinks[r] = new Uint32Array(level * strideUpper);
    for (let l = 0; l <= level; l++) {
      const [links, base] = linkList(u, l);
      const max = l === 0 ? 2 * M : M;
      const count = links[base]!;
      const out: number[] = [];
      const dropped: number[] = [];
      for (let i = 1; i <= count; i++) {
        const n = links[base + i]!;
        if (kept(n)) out.push(n);
        else dropped.push(n);
      }
      if (dropped.length > 0 && out.length < max) fillFromTwoHops(u, l, out, dropped, max, store, kept, linkList, seen);
      const [target, at] = l === 0 ? [links0, r * stride0] : [upperLinks[r]!, (l - 1) * strideUpper];
      target[at] = out.length;
      for (let i = 0; i < out.length; i++) target[at + 1 + i] = remap[out[i]!]!;
    }
  }
  if (graph.entryPoint >= 0 && kept(graph.entryPoint) && graph.levels[graph.entryPoint] === maxLevel) entryPoint = remap[graph.entryPoint]!;
  return { nodeCount, entryPoint, maxLevel, levels, links0, upperLinks };
}

/** Adds to `out` the closest surviving neighbours of the dropped neighbours, up to `max` links. */
function fillFromTwoHops(
  u: number,
  level: number,
  out: number[],
  dropped: number[],
  max: number,
  store: DenseVectors,
  kept: (n: number) => boolean,
  linkList: (node: number, level: number) => [Uint32Array, number],
  seen: Set<number>,
): void {
  seen.clear();
  seen.add(u);
  for (const n of out) seen.add(n);
  const candidates: number[] = [];
  for (const v of dropped) {
    const [links, base] = linkList(v, level);
    const count = links[base]!;
    for (let j = 1; j <= count; j++) {
      const w = links[base + j]!;
      if (!seen.has(w) && kept(w) && store.has(w)) {
        seen.add(w);
        candidates.push(w);
      }
    }
  }
  if (candidates.length === 0) return;
  const scores = candidates.map((w) => store.similarityBetween(u, w));
  const order = candidates.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || candidates[a]! - candidates[b]!);
  for (const i of order) {
    if (out.length >= max) break;
    out.push(candidates[i]!);
  }
}
