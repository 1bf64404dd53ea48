import { CorruptIndexError } from "../errors.js";

/**
 * The layout every Tandem binary file shares, little-endian:
 *   8-byte magic | u32 version | u32 header length | header JSON | pad to 4 | body
 * The body starts 4-byte aligned so typed-array views can be laid over it. @internal
 */
export const pad4 = (n: number) => (n + 3) & ~3;

/** Allocates a file of `bodyBytes` after the header; the caller fills the body from `bodyAt`. */
export function allocateBinaryFile(magic: string, version: number, header: unknown, bodyBytes: number): { buffer: ArrayBuffer; bytes: Uint8Array; bodyAt: number } {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const bodyAt = pad4(16 + headerBytes.length);
  const buffer = new ArrayBuffer(bodyAt + bodyBytes);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  bytes.set(new TextEncoder().encode(magic), 0);
  view.setUint32(8, version, true);
  view.setUint32(12, headerBytes.length, true);
  bytes.set(headerBytes, 16);
  return { buffer, bytes, bodyAt };
}

/**
 * Checks magic and version (one of `version`, when several are read) and parses the header. The returned buffer is `bytes`' own when they
 * fill it from offset 0 (as a file read gives), else an aligned copy; views over it share it.
 */
export function openBinaryFile<H>(
  bytes: Uint8Array,
  magic: string,
  version: number | readonly number[],
  file: string,
  kind: string,
): { header: H; buffer: ArrayBuffer; bodyAt: number; version: number } {
  const versions = typeof version === "number" ? [version] : version;
  const corrupt = (problem: string): never => {
    throw new CorruptIndexError(`${file}: ${problem}`);
  };
  let buffer: ArrayBuffer;
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) buffer = bytes.buffer;
  else {
    buffer = new ArrayBuffer(bytes.length);
    new Uint8Array(buffer).set(bytes);
  }
  const view = new DataView(buffer);
  if (bytes.length < 16 || new TextDecoder().decode(new Uint8Array(buffer, 0, 8)) !== magic) corrupt(`not a Tandem ${kind} (bad magic)`);
  const found = view.getUint32(8, true);
  if (!versions.includes(found)) corrupt(`${kind} version ${found} is not supported (expected ${versions.join(" or ")})`);
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) corrupt(`${kind} header is truncated`);
  let header: H;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 16, headerLength))) as H;
  } catch {
    return corrupt(`${kind} header is not valid JSON`);
  }
  return { header, buffer, bodyAt: pad4(16 + headerLength), version: found };
}
