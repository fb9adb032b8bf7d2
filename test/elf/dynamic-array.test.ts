// The dynamic array writer (src/elf/dynamic-array.ts): the entries, then DT_NULL up to the
// capacity, in the file's class and byte order; never more entries than fit with a DT_NULL.
import { describe, expect, it } from 'vitest';
import { DT_NEEDED, DT_NULL, DT_SONAME } from '../../src/elf/constants.js';
import { writeDynamicArray } from '../../src/elf/dynamic-array.js';
import { DYN, readRecord, recordSize } from '../../src/elf/layout.js';
import { ByteReader, ByteWriter } from '../../src/util/bytes.js';
import { isWheelauditError } from '../../src/errors.js';

const entries = [
  { tag: DT_NEEDED, val: 1n, str: undefined, changed: false },
  { tag: DT_SONAME, val: 0x20n, str: 'x', changed: true },
];

describe('writeDynamicArray', () => {
  for (const le of [true, false]) {
    for (const is64 of [false, true]) {
      it(`writes ELF${is64 ? 64 : 32} ${le ? 'little' : 'big'}-endian entries and fills the rest with DT_NULL`, () => {
        const ent = recordSize(DYN, is64);
        const buf = new Uint8Array(8 + 4 * ent).fill(0xcc);
        writeDynamicArray(new ByteWriter(buf, le, is64), 8, 4, entries);
        const r = new ByteReader(buf, le, is64);
        const read = [0, 1, 2, 3].map((i) => readRecord(r, DYN, 8 + i * ent, `entry ${i}`));
        expect(read).toEqual([
          { d_tag: DT_NEEDED, d_val: 1n },
          { d_tag: DT_SONAME, d_val: 0x20n },
          { d_tag: DT_NULL, d_val: 0n },
          { d_tag: DT_NULL, d_val: 0n },
        ]);
        expect(Array.from(buf.subarray(0, 8))).toEqual(new Array(8).fill(0xcc));
      });
    }
  }

  it('refuses entries that leave no slot for DT_NULL', () => {
    const buf = new Uint8Array(32);
    try {
      writeDynamicArray(new ByteWriter(buf, true, true), 0, 2, entries);
      expect.unreachable();
    } catch (e) {
      expect(isWheelauditError(e) && [e.code, e.message]).toEqual(['ELF_EDIT_NO_ROOM', 'dynamic array needs 3 slots, has 2']);
    }
    expect(buf.every((b) => b === 0)).toBe(true);
  });
});
