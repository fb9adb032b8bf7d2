// NUL-terminated string tables (src/elf/strtab.ts): ASCII and UTF-8 strings, bad UTF-8 kept
// with escapes and a warning, and the errors for an index outside the table, a missing NUL
// and string references that would decode far more text than the file holds.
import { describe, expect, it } from 'vitest';
import { readCString } from '../../src/elf/strtab.js';
import type { ParseWarning } from '../../src/elf/types.js';
import { isWheelauditError } from '../../src/errors.js';
import { ByteReader } from '../../src/util/bytes.js';

const enc = new TextEncoder();
function table(...parts: (string | number[])[]): ByteReader {
  const bytes = parts.flatMap((p) => (typeof p === 'string' ? [...enc.encode(p)] : p));
  return new ByteReader(Uint8Array.from(bytes), true, true);
}
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isWheelauditError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return 'no error';
}

describe('readCString', () => {
  it('reads ASCII and UTF-8 strings, and tails of strings', () => {
    const r = table('xx', [0], 'libfoo.so.1', [0], 'naïve', [0]);
    const t = { offset: 3, size: r.length - 3 };
    expect(readCString(r, t, 0, 'a', [])).toBe('libfoo.so.1');
    expect(readCString(r, t, 3, 'a', [])).toBe('foo.so.1');
    expect(readCString(r, t, 12, 'a', [])).toBe('naïve');
    expect(readCString(r, t, 11, 'a', [])).toBe('');
  });

  it('keeps bad UTF-8 as \\xNN escapes and warns', () => {
    const r = table('ab', [0xff, 0x41], [0]);
    const warnings: ParseWarning[] = [];
    expect(readCString(r, { offset: 0, size: r.length }, 0, 'DT_SONAME', warnings)).toBe('ab\\xffA');
    expect(warnings.map((w) => [w.code, w.message])).toEqual([['ELF_STRING_NOT_UTF8', 'DT_SONAME: string is not valid UTF-8, read as "ab\\\\xffA"']]);
  });

  it('refuses an index outside the table and a string without its NUL inside the table', () => {
    const r = table('abc', [0], 'def');
    expect(errorOf(() => readCString(r, { offset: 0, size: 4 }, 4, 'DT_NEEDED', []))).toBe('ELF_MALFORMED: DT_NEEDED: string offset 0x4 lies outside its string table (size 0x4)');
    // "def" runs to the end of the table (and of the file) without a NUL.
    expect(errorOf(() => readCString(r, { offset: 0, size: 7 }, 4, 'DT_NEEDED', []))).toBe('ELF_MALFORMED: DT_NEEDED: string at offset 0x4 has no terminating NUL');
    // A NUL past the table's end does not count.
    const r2 = table('abc', [0]);
    expect(errorOf(() => readCString(r2, { offset: 0, size: 3 }, 0, 'x', []))).toMatch(/has no terminating NUL/);
  });

  it('stops a small file from decoding unbounded text through many references to one long string', () => {
    const long = 'x'.repeat(4000);
    const r = table(long, [0]);
    const t = { offset: 0, size: r.length };
    let reads = 0;
    const error = errorOf(() => {
      for (;;) {
        readCString(r, t, 0, 'DT_NEEDED', []);
        reads++;
      }
    });
    expect(error).toMatch(/decode to far more text than the file holds/);
    expect(reads).toBeLessThan(400);
  });
});
