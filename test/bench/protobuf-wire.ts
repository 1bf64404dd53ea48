/**
 * The few pieces of the Protocol Buffers wire format the CIFF writer and reader need: varints,
 * tags, length-delimited fields and 64-bit doubles. Hand-written so the benchmark needs no
 * protobuf dependency; numbers are non-negative and below 2^53 here.
 */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;

/** Bytes a varint of `value` takes. */
export function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Writes `value` as a varint at `at`; returns the position after it. */
export function putVarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[at++] = v;
  return at;
}

/** Builds one message: fields in call order, default values (0, "") left out as proto3 does. */
export class MessageBuilder {
  private parts: Uint8Array[] = [];
  private scratch = new Uint8Array(20);

  varint(field: number, value: number): this {
    if (value === 0) return this;
    let at = putVarint(this.scratch, 0, (field << 3) | WIRE_VARINT);
    at = putVarint(this.scratch, at, value);
    this.parts.push(this.scratch.slice(0, at));
    return this;
  }

  double(field: number, value: number): this {
    if (value === 0) return this;
    const bytes = new Uint8Array(9);
    bytes[0] = (field << 3) | WIRE_FIXED64;
    new DataView(bytes.buffer).setFloat64(1, value, true);
    this.parts.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    if (value.length === 0) return this;
    let at = putVarint(this.scratch, 0, (field << 3) | WIRE_LENGTH);
    at = putVarint(this.scratch, at, value.length);
    this.parts.push(this.scratch.slice(0, at), value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** The message preceded by its length, as CIFF (protobuf's writeDelimitedTo) stores each one. */
  delimited(): Uint8Array {
    const length = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(varintSize(length) + length);
    let at = putVarint(out, 0, length);
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** One field read by {@link MessageReader}: a number for varints and doubles, bytes for length-delimited fields. */
export type WireValue = number | Uint8Array;

/** Reads the fields of messages laid out in a byte array. */
export class MessageReader {
  at = 0;
  constructor(private readonly buffer: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.buffer.length;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.at >= this.buffer.length) throw new Error(`truncated varint at byte ${this.at}`);
      const b = this.buffer[this.at++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }

  /** The next length-delimited message of a delimited stream. */
  delimited(): Uint8Array {
    const length = this.varint();
    if (this.at + length > this.buffer.length) throw new Error(`message of ${length} bytes at byte ${this.at} runs past the end`);
    const out = this.buffer.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  /** Every field of a whole message, as [field number, value] in order. */
  static fields(message: Uint8Array): [number, WireValue][] {
    const r = new MessageReader(message);
    const out: [number, WireValue][] = [];
    while (!r.done) {
      const tag = r.varint();
      const field = tag >>> 3;
      switch (tag & 7) {
        case WIRE_VARINT:
          out.push([field, r.varint()]);
          break;
        case WIRE_FIXED64:
          out.push([field, new DataView(message.buffer, message.byteOffset + r.at, 8).getFloat64(0, true)]);
          r.at += 8;
          break;
        case WIRE_LENGTH:
          out.push([field, r.delimited()]);
          break;
        default:
          throw new Error(`unsupported wire type ${tag & 7} of field ${field}`);
      }
    }
    return out;
  }
}
