// The bounds-checked reader and writer (src/util/bytes.ts): every read and write is checked and
// names its field; both byte orders and both ELF classes; 64-bit values become numbers only
// through toOffset/toSize, which refuse what does not fit.
import { describe, expect, it } from 'vitest';
import { ElfFormatError } from '../../src/errors.js';
import { ByteReader, ByteWriter, checkRange, hex, roundUp, takeOutput, toOffset, toSize } from '../../src/util/bytes.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof ElfFormatError ? e.code : `other: ${String(e)}`;
  }
  return undefined;
}

describe('ByteReader and ByteWriter', () => {
  it('read what they write in both byte orders, with the class deciding word sizes', () => {
    for (const le of [true, false]) {
      for (const is64 of [false, true]) {
        const buf = new Uint8Array(32);
        const w = new ByteWriter(buf, le, is64);
        w.u8(0, 0xfe, 'u8');
        w.u16(2, 0xbeef, 'u16');
        w.u32(4, 0xdeadbeef, 'u32');
        w.word(8, 0x12345678n, 'word');
        w.sword(16, -2n, 'sword');
        const r = new ByteReader(buf, le, is64);
        expect([r.u8(0, 'u8'), r.u16(2, 'u16'), r.u32(4, 'u32'), r.word(8, 'word'), r.sword(16, 'sword')]).toEqual([0xfe, 0xbeef, 0xdeadbeef, 0x12345678n, -2n]);
        expect(buf[le ? 2 : 3]).toBe(0xef); // the low byte first only in little-endian files
        expect(r.slice(4, 4, 'slice')).toEqual(buf.subarray(4, 8));
        if (is64) {
          w.u64(24, 0xffff_ffff_ffff_fffen, 'u64');
          expect(r.u64(24, 'u64')).toBe(0xffff_ffff_ffff_fffen);
          expect(r.i64(24, 'i64')).toBe(-2n);
        }
      }
    }
  });

  it('refuse every access past the end, naming the field, the place and the size', () => {
    const r = new ByteReader(new Uint8Array(8), true, true);
    expect(() => r.u64(4, 'e_phoff')).toThrow('e_phoff (0x8 bytes at 0x4) lies past the end of the file (size 0x8)');
    expect(codeOf(() => r.u32(-1, 'x'))).toBe('ELF_TRUNCATED');
    expect(codeOf(() => r.slice(0, 9, 'x'))).toBe('ELF_TRUNCATED');
    const w = new ByteWriter(new Uint8Array(4), false, false);
    expect(codeOf(() => w.u32(1, 1, 'x'))).toBe('ELF_TRUNCATED');
    expect(codeOf(() => w.set(2, new Uint8Array(3), 'x'))).toBe('ELF_TRUNCATED');
  });

  it('refuse a 64-bit value in an ELF32 word', () => {
    const w = new ByteWriter(new Uint8Array(8), true, false);
    expect(codeOf(() => w.word(0, 0x1_0000_0000n, 'p_vaddr'))).toBe('ELF_UNSUPPORTED');
    expect(codeOf(() => w.word(0, -1n, 'p_vaddr'))).toBe('ELF_UNSUPPORTED');
  });

  it('give each reader budgets proportional to the file', () => {
    const small = new ByteReader(new Uint8Array(80), true, true);
    const big = new ByteReader(new Uint8Array(8000), true, true);
    expect(big.decodeBudget - small.decodeBudget).toBe(4 * (8000 - 80));
    expect(big.recordBudget).toBeGreaterThan(small.recordBudget);
  });
});

describe('conversions and small helpers', () => {
  it('toOffset and toSize accept values up to the limit and refuse the rest', () => {
    expect(toOffset(10n, 10, 'x')).toBe(10);
    expect(toSize(0n, 0, 'x')).toBe(0);
    expect(codeOf(() => toOffset(11n, 10, 'e_shoff'))).toBe('ELF_TRUNCATED');
    expect(codeOf(() => toSize(-1n, 10, 'x'))).toBe('ELF_TRUNCATED');
    expect(codeOf(() => toOffset(2n ** 60n, Number.MAX_SAFE_INTEGER, 'x'))).toBe('ELF_TRUNCATED');
    expect(() => toOffset(11n, 10, 'e_shoff')).toThrow('e_shoff (0xb) lies outside the file (size 0xa)');
  });

  it('checkRange refuses negative, fractional and overflowing ranges', () => {
    expect(() => checkRange(0, 4, 4, 'x')).not.toThrow();
    for (const [o, s] of [[-1, 1], [0, 5], [1.5, 1], [Number.MAX_SAFE_INTEGER, 2]] as const) expect(codeOf(() => checkRange(o, s, 4, 'x'))).toBe('ELF_TRUNCATED');
  });

  it('hex, roundUp and takeOutput', () => {
    expect([hex(255), hex(0x10n)]).toEqual(['0xff', '0x10']);
    expect([roundUp(0n, 8n), roundUp(1n, 8n), roundUp(8n, 8n), roundUp(5n, 1n), roundUp(5n, 0n)]).toEqual([0n, 8n, 8n, 5n, 5n]);
    const input = new Uint8Array(16);
    const spare = new Uint8Array(64);
    expect(takeOutput(32, spare, input).buffer).toBe(spare.buffer);
    expect(takeOutput(32, spare, input).length).toBe(32);
    expect(takeOutput(65, spare, input).buffer).not.toBe(spare.buffer);
    // Never the input's own memory: the writer reads the input while it writes the output.
    expect(takeOutput(8, input.subarray(8), input).buffer).not.toBe(input.buffer);
  });
});
