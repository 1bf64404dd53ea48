import { SIMD_KERNEL_BASE64, SIMD_KERNEL_SHARED_BASE64 } from "./simd-kernel-binary.js";

/**
 * Dot product and squared L2 distance over float32 rows held in one buffer. Offsets and lengths
 * are in floats; offsets are multiples of 8 and rows zero-padded to a multiple of 8. The SIMD
 * kernel (WebAssembly 128-bit SIMD, on by default in Node ≥ 16 and current browsers) accumulates in
 * float32 lanes; the portable kernel is plain JavaScript. @internal
 */
export interface DistanceKernel {
  readonly kind: "simd" | "js";
  /**
   * The WebAssembly memory when it is shared (a SharedArrayBuffer underneath): other threads
   * attach kernels to it (`createDistanceKernel("simd", { memory })`) and read the same rows.
   */
  readonly sharedMemory: WebAssembly.Memory | undefined;
  /** The buffer rows live in; replaced when `reserve` grows it. */
  floats: Float32Array;
  /** The same buffer as 32-bit words, for lists of row byte offsets. */
  words: Uint32Array;
  /** The same buffer as bytes (int8 code rows), 16-bit integers (quantized queries) and 32-bit integers (their dot products). */
  bytes: Uint8Array;
  int16: Int16Array;
  int32: Int32Array;
  /** Makes room for `count` floats, keeping the contents. */
  reserve(count: number): void;
  dot(a: number, b: number, n: number): number;
  squaredL2(a: number, b: number, n: number): number;
  /**
   * For each of `count` rows whose byte offsets are listed at word index `rows`, writes
   * dot(q, row) (or the squared L2 distance) to float index `out` onwards.
   */
  dotMany(q: number, rows: number, count: number, n: number, out: number): void;
  squaredL2Many(q: number, rows: number, count: number, n: number, out: number): void;
  /**
   * Dot product of an int16 query row with a uint8 code row, exact in 32-bit integers. Offsets
   * here are in bytes (16-byte aligned) and `n`, the code count, is a multiple of 32.
   */
  dotCodes(q: number, c: number, n: number): number;
  /** `dotCodes` for each of `count` code rows whose byte offsets are listed at byte `rows`; int32 results from byte `out`. */
  dotCodesMany(q: number, rows: number, count: number, n: number, out: number): void;
}

type ManyExport = (q: number, rows: number, count: number, n: number, out: number) => void;
type PairExport = (a: number, b: number, n: number) => number;

const PAGE_FLOATS = 65536 / 4;

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

class SimdKernel implements DistanceKernel {
  readonly kind = "simd";
  readonly sharedMemory: WebAssembly.Memory | undefined;
  floats!: Float32Array;
  words!: Uint32Array;
  bytes!: Uint8Array;
  int16!: Int16Array;
  int32!: Int32Array;
  readonly dotCodes: PairExport;
  readonly dotCodesMany: ManyExport;
  private readonly memory: WebAssembly.Memory;
  private readonly dotExport: PairExport;
  private readonly l2Export: PairExport;
  private readonly dotManyExport: ManyExport;
  private readonly l2ManyExport: ManyExport;

  constructor(instance: WebAssembly.Instance, shared: boolean) {
    const exports = instance.exports as {
      memory: WebAssembly.Memory;
      dot: PairExport;
      squaredL2: PairExport;
      dotMany: ManyExport;
      squaredL2Many: ManyExport;
      dotCodes: PairExport;
      dotCodesMany: ManyExport;
    };
    this.memory = exports.memory;
    this.sharedMemory = shared ? exports.memory : undefined;
    this.dotExport = exports.dot;
    this.l2Export = exports.squaredL2;
    this.dotManyExport = exports.dotMany;
    this.l2ManyExport = exports.squaredL2Many;
    this.dotCodes = exports.dotCodes;
    this.dotCodesMany = exports.dotCodesMany;
    this.refreshViews();
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    this.floats = new Float32Array(buffer);
    this.words = new Uint32Array(buffer);
    this.bytes = new Uint8Array(buffer);
    this.int16 = new Int16Array(buffer);
    this.int32 = new Int32Array(buffer);
  }

  reserve(count: number): void {
    if (count <= this.floats.length) return;
    const pages = Math.ceil((Math.max(count, this.floats.length * 2) - this.floats.length) / PAGE_FLOATS);
    this.memory.grow(pages);
    this.refreshViews();
  }

  dot(a: number, b: number, n: number): number {
    return this.dotExport(a * 4, b * 4, n);
  }

  squaredL2(a: number, b: number, n: number): number {
    return this.l2Export(a * 4, b * 4, n);
  }

  dotMany(q: number, rows: number, count: number, n: number, out: number): void {
    this.dotManyExport(q * 4, rows * 4, count, n, out * 4);
  }

  squaredL2Many(q: number, rows: number, count: number, n: number, out: number): void {
    this.l2ManyExport(q * 4, rows * 4, count, n, out * 4);
  }
}

class JsKernel implements DistanceKernel {
  readonly kind = "js";
  readonly sharedMemory = undefined;
  floats = new Float32Array(1024);
  words = new Uint32Array(this.floats.buffer);
  bytes = new Uint8Array(this.floats.buffer);
  int16 = new Int16Array(this.floats.buffer);
  int32 = new Int32Array(this.floats.buffer);

  reserve(count: number): void {
    if (count <= this.floats.length) return;
    const grown = new Float32Array(Math.max(count, this.floats.length * 2));
    grown.set(this.floats);
    this.floats = grown;
    this.words = new Uint32Array(grown.buffer);
    this.bytes = new Uint8Array(grown.buffer);
    this.int16 = new Int16Array(grown.buffer);
    this.int32 = new Int32Array(grown.buffer);
  }

  dotCodes(q: number, c: number, n: number): number {
    const codes = this.bytes;
    const query = this.int16;
    const qi = q >> 1;
    let s0 = 0;
    let s1 = 0;
    for (let i = 0; i < n; i += 2) {
      s0 += query[qi + i]! * codes[c + i]!;
      s1 += query[qi + i + 1]! * codes[c + i + 1]!;
    }
    return s0 + s1;
  }

  dotCodesMany(q: number, rows: number, count: number, n: number, out: number): void {
    for (let i = 0; i < count; i++) this.int32[(out >> 2) + i] = this.dotCodes(q, this.words[(rows >> 2) + i]!, n);
  }

  dotMany(q: number, rows: number, count: number, n: number, out: number): void {
    for (let i = 0; i < count; i++) this.floats[out + i] = this.dot(q, this.words[rows + i]! / 4, n);
  }

  squaredL2Many(q: number, rows: number, count: number, n: number, out: number): void {
    for (let i = 0; i < count; i++) this.floats[out + i] = this.squaredL2(q, this.words[rows + i]! / 4, n);
  }

  dot(a: number, b: number, n: number): number {
    const f = this.floats;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i += 4) {
      s0 += f[a + i]! * f[b + i]!;
      s1 += f[a + i + 1]! * f[b + i + 1]!;
      s2 += f[a + i + 2]! * f[b + i + 2]!;
      s3 += f[a + i + 3]! * f[b + i + 3]!;
    }
    return s0 + s1 + s2 + s3;
  }

  squaredL2(a: number, b: number, n: number): number {
    const f = this.floats;
    let s0 = 0;
    let s1 = 0;
    for (let i = 0; i < n; i += 2) {
      const d0 = f[a + i]! - f[b + i]!;
      const d1 = f[a + i + 1]! - f[b + i + 1]!;
      s0 += d0 * d0;
      s1 += d1 * d1;
    }
    return s0 + s1;
  }
}

let simdModule: WebAssembly.Module | null | undefined;
let sharedModule: WebAssembly.Module | null | undefined;
/** Largest shared memory: 65,536 pages of 64 KiB, all a 32-bit WebAssembly memory addresses (reserved, not allocated). */
const MAX_PAGES = 65536;

function compile(base64: string): WebAssembly.Module | null {
  const bytes = decodeBase64(base64);
  return typeof WebAssembly !== "undefined" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
}

/** A new shared memory, or null where the runtime has no shared memory (SharedArrayBuffer off, as in a page not cross-origin isolated). */
function newSharedMemory(): WebAssembly.Memory | null {
  if (typeof SharedArrayBuffer === "undefined") return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    return memory.buffer instanceof SharedArrayBuffer ? memory : null;
  } catch {
    return null;
  }
}

/**
 * A SIMD kernel where the runtime supports WebAssembly SIMD, else the portable one. `shared`:
 * true puts the rows in a new shared memory where the runtime has one (else a private one, as
 * without it: check `sharedMemory`); a memory from another kernel's `sharedMemory` attaches to it.
 */
export function createDistanceKernel(prefer: "simd" | "js" = "simd", options: { shared?: boolean | WebAssembly.Memory } = {}): DistanceKernel {
  if (prefer === "simd") {
    // Compiled once per process: a module is immutable, each store gets its own instance and memory.
    if (simdModule === undefined) simdModule = compile(SIMD_KERNEL_BASE64);
    if (simdModule) {
      const shared = options.shared;
      if (shared !== undefined && shared !== false) {
        if (sharedModule === undefined) sharedModule = compile(SIMD_KERNEL_SHARED_BASE64);
        const memory = shared === true ? newSharedMemory() : shared;
        if (sharedModule && memory) return new SimdKernel(new WebAssembly.Instance(sharedModule, { env: { memory } }), true);
        if (shared !== true) throw new RangeError("createDistanceKernel: this runtime cannot attach to a shared WebAssembly memory");
      }
      return new SimdKernel(new WebAssembly.Instance(simdModule), false);
    }
  }
  return new JsKernel();
}
