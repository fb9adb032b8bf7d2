// The one bounds-checked byte reader (and writer) over a Uint8Array. Every read names the
// field it reads, so a truncated or hostile file yields "e_phoff (8 bytes at 0x20) lies past
// the end of the file (size 0x1c)" instead of a RangeError. 64-bit values stay bigint until
// toOffset/toSize prove they fit.
import { ElfFormatError } from '../errors.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/**
 * Convert a 64-bit file offset to a number, refusing values past `limit` (usually the file
 * size). `limit` itself is allowed, since an empty range may end exactly at EOF.
 */
export function toOffset(v: bigint, limit: number, what: string): number {
  if (v < 0n || v > BigInt(limit) || v > MAX_SAFE) {
    throw new ElfFormatError('ELF_TRUNCATED', `${what} (${hex(v)}) lies outside the file (size ${hex(limit)})`);
  }
  return Number(v);
}

/** Convert a 64-bit size to a number, refusing sizes larger than `limit`. */
export function toSize(v: bigint, limit: number, what: string): number {
  if (v < 0n || v > BigInt(limit) || v > MAX_SAFE) {
    throw new ElfFormatError('ELF_TRUNCATED', `${what} (${hex(v)}) is larger than the file allows (${hex(limit)})`);
  }
  return Number(v);
}

/** Check that [offset, offset+size) lies inside a buffer of `length` bytes. */
export function checkRange(offset: number, size: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > length) {
    throw new ElfFormatError(
      'ELF_TRUNCATED',
      `${what} (${hex(size)} bytes at ${hex(offset)}) lies past the end of the file (size ${hex(length)})`,
      { offset },
    );
  }
}

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  readonly is64: boolean;
  /**
   * Bytes that may still be decoded into strings, and records that table walks may still
   * visit. Both are proportional to the file size, so crafted references to one long string,
   * or records shared by many chains, cannot make a small file cost unbounded memory or time.
   */
  decodeBudget: number;
  recordBudget: number;

  constructor(bytes: Uint8Array, littleEndian: boolean, is64: boolean) {
    this.bytes = bytes;
    this.decodeBudget = 4 * bytes.length + (1 << 20);
    this.recordBudget = Math.floor(bytes.length / 8) + 16;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = littleEndian;
    this.is64 = is64;
  }

  get length(): number {
    return this.bytes.length;
  }

  check(offset: number, size: number, what: string): void {
    checkRange(offset, size, this.bytes.length, what);
  }

  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, this.littleEndian);
  }

  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, this.littleEndian);
  }

  i32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getInt32(offset, this.littleEndian);
  }

  u64(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.view.getBigUint64(offset, this.littleEndian);
  }

  i64(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.view.getBigInt64(offset, this.littleEndian);
  }

  /** An Addr/Off/Xword: 4 bytes in ELF32, 8 in ELF64, widened to bigint either way. */
  word(offset: number, what: string): bigint {
    return this.is64 ? this.u64(offset, what) : BigInt(this.u32(offset, what));
  }

  /** A signed Sxword (d_tag): 4 bytes in ELF32, 8 in ELF64. */
  sword(offset: number, what: string): bigint {
    return this.is64 ? this.i64(offset, what) : BigInt(this.i32(offset, what));
  }

  slice(offset: number, size: number, what: string): Uint8Array {
    this.check(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }
}

/** Mirror of ByteReader for writing into a buffer that the caller owns. */
export class ByteWriter {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  readonly is64: boolean;

  constructor(bytes: Uint8Array, littleEndian: boolean, is64: boolean) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = littleEndian;
    this.is64 = is64;
  }

  check(offset: number, size: number, what: string): void {
    checkRange(offset, size, this.bytes.length, what);
  }

  u8(offset: number, v: number, what: string): void {
    this.check(offset, 1, what);
    this.view.setUint8(offset, v);
  }

  u16(offset: number, v: number, what: string): void {
    this.check(offset, 2, what);
    this.view.setUint16(offset, v, this.littleEndian);
  }

  u32(offset: number, v: number, what: string): void {
    this.check(offset, 4, what);
    this.view.setUint32(offset, v >>> 0, this.littleEndian);
  }

  u64(offset: number, v: bigint, what: string): void {
    this.check(offset, 8, what);
    this.view.setBigUint64(offset, BigInt.asUintN(64, v), this.littleEndian);
  }

  /** Addr/Off/Xword in the file's class. Refuses values that do not fit ELF32. */
  word(offset: number, v: bigint, what: string): void {
    if (this.is64) {
      this.u64(offset, v, what);
    } else {
      if (v < 0n || v > 0xffffffffn) {
        throw new ElfFormatError('ELF_UNSUPPORTED', `${what} (${hex(v)}) does not fit in 32 bits`);
      }
      this.u32(offset, Number(v), what);
    }
  }

  /** Signed Sxword (d_tag). */
  sword(offset: number, v: bigint, what: string): void {
    if (this.is64) {
      this.check(offset, 8, what);
      this.view.setBigInt64(offset, v, this.littleEndian);
    } else {
      this.check(offset, 4, what);
      this.view.setInt32(offset, Number(BigInt.asIntN(32, v)), this.littleEndian);
    }
  }

  set(offset: number, data: Uint8Array, what: string): void {
    this.check(offset, data.length, what);
    this.bytes.set(data, offset);
  }
}

/** `v` rounded up to a multiple of `a` (`a` <= 1: `v` itself). */
export function roundUp(v: bigint, a: bigint): bigint {
  return a <= 1n ? v : ((v + a - 1n) / a) * a;
}

/**
 * The buffer a writer fills: `provided` when it is large enough and shares no memory with
 * the input (callers that write many files reuse one); for 'in-place', the input's own buffer
 * from the input's start when it has room for `len` bytes; else a new one of `len` bytes.
 */
export function takeOutput(len: number, provided: Uint8Array | 'in-place' | undefined, input: Uint8Array): Uint8Array {
  if (provided === 'in-place') {
    if (input.byteOffset + len <= input.buffer.byteLength) return new Uint8Array(input.buffer, input.byteOffset, len);
  } else if (provided !== undefined && provided.buffer !== input.buffer && provided.length >= len) {
    return provided.subarray(0, len);
  }
  return new Uint8Array(len);
}
