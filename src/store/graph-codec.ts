import { CorruptIndexError } from "../errors.js";
import { allocateBinaryFile, openBinaryFile, pad4 } from "./binary-file.js";
import type { HnswIndex, HnswParams } from "../legs/dense/hnsw-index.js";

type GraphSnapshot = ReturnType<HnswIndex["snapshot"]>;

/**
 * The HNSW graph on disk, so opening an index does not rebuild it. Body after the shared header
 * (binary-file.ts), little-endian:
 *   u8[nodes] levels, pad to 4 | u32[nodes × (2M + 1)] level-0 links | u32[…] upper links
 * @internal
 */
const MAGIC = "TANDHNSW";
const GRAPH_VERSION = 1;

interface GraphHeader {
  params: HnswParams;
  nodeCount: number;
  entryPoint: number;
  maxLevel: number;
  links0Length: number;
  /** [slot, length] of each upper-level link list, in order. */
  upper: [number, number][];
}

export function encodeGraph(params: HnswParams, s: GraphSnapshot): Uint8Array {
  const upper: [number, number][] = [];
  let upperLength = 0;
  s.upperLinks.forEach((links, slot) => {
    if (links && slot < s.nodeCount) {
      upper.push([slot, links.length]);
      upperLength += links.length;
    }
  });
  const header: GraphHeader = { params, nodeCount: s.nodeCount, entryPoint: s.entryPoint, maxLevel: s.maxLevel, links0Length: s.links0.length, upper };
  const levelsBytes = pad4(s.nodeCount);
  const { buffer, bytes, bodyAt } = allocateBinaryFile(MAGIC, GRAPH_VERSION, header, levelsBytes + 4 * (s.links0.length + upperLength));
  const levelsAt = bodyAt;
  const links0At = levelsAt + levelsBytes;
  const upperAt = links0At + 4 * s.links0.length;
  bytes.set(s.levels.subarray(0, s.nodeCount), levelsAt);
  new Uint32Array(buffer, links0At, s.links0.length).set(s.links0);
  const upperView = new Uint32Array(buffer, upperAt, upperLength);
  let p = 0;
  for (const [slot] of upper) {
    upperView.set(s.upperLinks[slot]!, p);
    p += s.upperLinks[slot]!.length;
  }
  return bytes;
}

export function decodeGraph(bytes: Uint8Array, file: string): { params: HnswParams; snapshot: GraphSnapshot } {
  const { header, buffer, bodyAt } = openBinaryFile<GraphHeader>(bytes, MAGIC, GRAPH_VERSION, file, "graph file");
  const levelsAt = bodyAt;
  const links0At = levelsAt + pad4(header.nodeCount);
  const upperAt = links0At + 4 * header.links0Length;
  const bad = (problem: string) => new CorruptIndexError(`${file}: ${problem}`);
  const { nodeCount, entryPoint, maxLevel, links0Length, upper, params } = header;
  const M = params?.M;
  if (!isCount(nodeCount) || !isCount(links0Length) || !isCount(M) || M < 1 || !Array.isArray(upper)) throw bad("graph header is not valid");
  if (!upper.every((u) => Array.isArray(u) && isCount(u[0]) && isCount(u[1]))) throw bad("graph header is not valid");
  const upperLength = upper.reduce((s, [, n]) => s + n, 0);
  if (upperAt + 4 * upperLength !== bytes.length) throw bad("graph size does not match its header");
  const levels = new Uint8Array(buffer, levelsAt, nodeCount);
  const links0 = new Uint32Array(buffer, links0At, links0Length);
  const upperLinks: (Uint32Array | undefined)[] = [];
  let p = upperAt;
  for (const [slot, n] of upper) {
    if (slot >= nodeCount || upperLinks[slot] !== undefined) throw bad(`upper links of node ${slot} do not belong to the graph`);
    upperLinks[slot] = new Uint32Array(buffer, p, n);
    p += 4 * n;
  }
  const problem = graphProblem(M, nodeCount, entryPoint, maxLevel, levels, links0, upperLinks);
  if (problem) throw bad(problem);
  return { params, snapshot: { nodeCount, entryPoint, maxLevel, levels, links0, upperLinks } };
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * What makes a decoded graph unsafe to search, or undefined. A search follows every link without
 * bounds checks, so a graph file whose checksum holds but whose links leave the graph (a writer's
 * bug, a file edited with its checksum recomputed) must be refused on open, not crash a query.
 */
function graphProblem(
  M: number,
  nodeCount: number,
  entryPoint: number,
  maxLevel: number,
  levels: Uint8Array,
  links0: Uint32Array,
  upperLinks: (Uint32Array | undefined)[],
): string | undefined {
  const stride0 = 2 * M + 1;
  if (links0.length !== nodeCount * stride0) return `level-0 links hold ${links0.length} numbers, not ${nodeCount} nodes × ${stride0}`;
  if (!Number.isInteger(maxLevel) || !Number.isInteger(entryPoint) || entryPoint < -1 || entryPoint >= nodeCount) return `entry point ${entryPoint} is not a node`;
  if (entryPoint === -1 ? maxLevel !== -1 : levels[entryPoint] !== maxLevel) return `entry point ${entryPoint} is not on the top level ${maxLevel}`;
  for (let node = 0; node < nodeCount; node++) {
    const level = levels[node]!;
    if (level > maxLevel) return `node ${node} is above the top level`;
    const upper = upperLinks[node];
    if ((level > 0) !== (upper !== undefined) || (upper && upper.length !== level * (M + 1))) return `upper links of node ${node} do not match its level ${level}`;
    for (let l = 0; l <= level; l++) {
      const links = l === 0 ? links0 : upper!;
      const base = l === 0 ? node * stride0 : (l - 1) * (M + 1);
      const count = links[base]!;
      if (count > (l === 0 ? 2 * M : M)) return `node ${node} has ${count} links on level ${l}`;
      for (let i = 1; i <= count; i++) {
        const n = links[base + i]!;
        if (n >= nodeCount || levels[n]! < l) return `node ${node} links to ${n}, not a node of level ${l}`;
      }
    }
  }
  return undefined;
}
