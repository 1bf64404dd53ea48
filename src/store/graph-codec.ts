import { CorruptIndexError } from "../errors.js";
import type { HnswIndex, HnswParams } from "../dense/hnsw-index.js";

type GraphSnapshot = ReturnType<HnswIndex["snapshot"]>;

/**
 * The HNSW graph on disk, so opening an index does not rebuild it. Layout, little-endian:
 *   "TANDHNSW" | u32 version | u32 header length | header JSON | pad to 4 |
 *   u8[nodes] levels, pad to 4 | u32[nodes × (2M + 1)] level-0 links | u32[…] upper links
 * @internal
 */
const MAGIC = "TANDHNSW";
const GRAPH_VERSION = 1;
const pad4 = (n: number) => (n + 3) & ~3;

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
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const levelsAt = pad4(16 + headerBytes.length);
  const links0At = levelsAt + pad4(s.nodeCount);
  const upperAt = links0At + 4 * s.links0.length;
  const buffer = new ArrayBuffer(upperAt + 4 * upperLength);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, GRAPH_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  bytes.set(headerBytes, 16);
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
  const corrupt = (problem: string): never => {
    throw new CorruptIndexError(`${file}: ${problem}`);
  };
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  const view = new DataView(buffer);
  if (bytes.length < 16 || new TextDecoder().decode(new Uint8Array(buffer, 0, 8)) !== MAGIC) corrupt("not a Tandem graph file (bad magic)");
  const version = view.getUint32(8, true);
  if (version !== GRAPH_VERSION) corrupt(`graph version ${version} is not supported (expected ${GRAPH_VERSION})`);
  const headerLength = view.getUint32(12, true);
  let header: GraphHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 16, headerLength))) as GraphHeader;
  } catch {
    return corrupt("graph header is not valid JSON");
  }
  const levelsAt = pad4(16 + headerLength);
  const links0At = levelsAt + pad4(header.nodeCount);
  const upperAt = links0At + 4 * header.links0Length;
  const upperLength = header.upper.reduce((s, [, n]) => s + n, 0);
  if (upperAt + 4 * upperLength !== bytes.length) corrupt("graph size does not match its header");
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
