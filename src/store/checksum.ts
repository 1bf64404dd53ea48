import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/**
 * SHA-256 of bytes, as lowercase hex, in portable JavaScript (any runtime). A storage with a
 * native one (Node's) supplies its own: this one is several times slower. @internal
 */
export function sha256Hex(data: Uint8Array): string {
  return bytesToHex(sha256(data));
}
