// A protobuf writer into one growable Buffer (outside the JS heap), shared by the OTLP trace encoder and the pprof
// encoder of the wall profile. A message's length is written after its body: begin() reserves the bytes the caller
// expects it to need and end() moves the body when it needs more.
import type { HrTime } from '@opentelemetry/api';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;
const TWO_POW_32 = 4294967296;
/** Strings up to this length are encoded by a JS loop (no native call); longer ones by Buffer#write. */
const SHORT_STRING = 64;

const HEX_VALUES = new Uint8Array(128);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUES['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX_VALUES['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

export class Writer {
  buffer: Buffer;
  pos = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + bytes));
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  /** Non-negative integers up to 2^53; negative ones as 64-bit two's complement (10 bytes), as protobuf int64. */
  varint(value: number): void {
    this.ensure(10);
    const buffer = this.buffer;
    if (value < 0) {
      this.negativeVarint(value);
      return;
    }
    while (value >= 128) {
      buffer[this.pos++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    buffer[this.pos++] = value;
  }

  /** A varint field: its tag, then the value. */
  varintField(field: number, value: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  negativeVarint(value: number): void {
    const big = BigInt.asUintN(64, BigInt(value));
    let low = Number(big & 0xffffffffn);
    let high = Number(big >> 32n);
    const buffer = this.buffer;
    for (let index = 0; index < 9; index++) {
      buffer[this.pos++] = (low & 127) | 128;
      low = (low >>> 7) | ((high & 127) << 25);
      high >>>= 7;
    }
    buffer[this.pos++] = low & 1;
  }

  tag(field: number, wireType: number): void {
    if (field >= 16) {
      this.varint(field * 8 + wireType);
      return;
    }
    this.ensure(1);
    this.buffer[this.pos++] = (field << 3) | wireType;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.uint32(value);
  }

  /** Little-endian, at pos (capacity ensured by the caller); plain stores beat Buffer#writeUInt32LE's checks. */
  uint32(value: number): void {
    const buffer = this.buffer;
    buffer[this.pos++] = value & 0xff;
    buffer[this.pos++] = (value >>> 8) & 0xff;
    buffer[this.pos++] = (value >>> 16) & 0xff;
    buffer[this.pos++] = (value >>> 24) & 0xff;
  }

  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** An HrTime [seconds, nanoseconds] as fixed64 nanoseconds, exactly (the product exceeds 2^53). */
  hrTime(time: HrTime): void {
    const seconds = time[0];
    const nanos = time[1];
    const lowSeconds = seconds % 65536;
    const highSeconds = Math.floor(seconds / 65536);
    // seconds * 1e9 = highProduct * 2^16 + lowProduct; each product is exact (< 2^53).
    const lowProduct = lowSeconds * 1e9 + nanos;
    const highProduct = highSeconds * 1e9;
    const highProductLow16 = highProduct % 65536;
    const low = highProductLow16 * 65536 + lowProduct;
    this.ensure(8);
    this.uint32(low % TWO_POW_32);
    this.uint32((Math.floor(highProduct / 65536) + Math.floor(low / TWO_POW_32)) % TWO_POW_32);
  }

  string(field: number, value: string): void {
    this.tag(field, WIRE_LENGTH);
    const length = value.length;
    if (length <= SHORT_STRING) {
      this.ensure(1 + length);
      const buffer = this.buffer;
      const start = this.pos;
      let pos = start + 1;
      let index = 0;
      for (; index < length; index++) {
        const code = value.charCodeAt(index);
        if (code >= 128) break;
        buffer[pos++] = code;
      }
      if (index === length) {
        buffer[start] = length;
        this.pos = pos;
        return;
      }
    }
    // Long or non-ASCII: native UTF-8 (lone surrogates become U+FFFD, as TextEncoder does).
    const bytes = Buffer.byteLength(value);
    this.varint(bytes);
    this.ensure(bytes);
    this.pos += this.buffer.write(value, this.pos, bytes, 'utf8');
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LENGTH);
    this.varint(value.length);
    this.ensure(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
  }

  /** Trace and span ids: hex strings written as bytes. */
  hexBytes(field: number, hex: string): void {
    this.tag(field, WIRE_LENGTH);
    const length = hex.length >>> 1;
    this.ensure(1 + length);
    const buffer = this.buffer;
    buffer[this.pos++] = length;
    for (let index = 0; index < length; index++) {
      buffer[this.pos++] = (HEX_VALUES[hex.charCodeAt(2 * index)]! << 4) | HEX_VALUES[hex.charCodeAt(2 * index + 1)]!;
    }
  }

  /** Starts a length-delimited message (its tag written by the caller); returns what end() needs. */
  begin(reserved: number): number {
    this.ensure(reserved);
    const start = this.pos;
    this.pos += reserved;
    return start;
  }

  end(start: number, reserved: number): void {
    const length = this.pos - start - reserved;
    // The common cases, written in place: a short message in one byte, a span (128 B to 16 KiB) in two.
    if (reserved === 1 && length < 128) {
      this.buffer[start] = length;
      return;
    }
    if (reserved === 2 && length >= 128 && length < 16384) {
      this.buffer[start] = (length & 127) | 128;
      this.buffer[start + 1] = length >>> 7;
      return;
    }
    const needed = varintSize(length);
    if (needed !== reserved) {
      this.ensure(needed - reserved);
      this.buffer.copyWithin(start + needed, start + reserved, this.pos);
      this.pos += needed - reserved;
    }
    const end = this.pos;
    this.pos = start;
    this.varint(length);
    this.pos = end;
  }

  message(field: number, encode: () => void): void {
    this.tag(field, WIRE_LENGTH);
    const start = this.begin(1);
    encode();
    this.end(start, 1);
  }
}
