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
  const upperLength = header.upper.reduce((s, [, n]) => s + n, 0);
  if (upperAt + 4 * upperLength !== bytes.length) throw new CorruptIndexError(`${file}: graph size does not match its header`);
  const upperLinks: (Uint32Array | undefined)[] = [];
  let p = upperAt;
  for (const [slot, n] of header.upper) {
    upperLinks[slot] = new Uint32Array(buffer, p, n);
    p += 4 * n;
  }
  return {
    params: header.params,
    snapshot: {
      nodeCount: header.nodeCount,
      entryPoint: header.entryPoint,
      maxLevel: header.maxLevel,
      levels: new Uint8Array(buffer, levelsAt, header.nodeCount),
      links0: new Uint32Array(buffer, links0At, header.links0Length),
      upperLinks,
    },
  };
}
