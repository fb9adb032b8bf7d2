// Finding the segment an earlier run appended (src/elf/own-segment.ts): found in our own
// outputs, with and without section headers, with .dynamic in it or not; never in a file the
// linker wrote, nor once anything follows it in the file.
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import { PT_LOAD } from '../../src/elf/constants.js';
import type { ElfEditOp } from '../../src/elf/edit.js';
import { findOwnSegment } from '../../src/elf/own-segment.js';
import { parseElf } from '../../src/elf/read.js';
import type { ElfFile } from '../../src/elf/types.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { load, SAMPLES } from './fixture.js';

const LONG: ElfEditOp[] = [{ kind: 'set-rpath', value: `$ORIGIN/${'w'.repeat(120)}`, tag: 'DT_RUNPATH' }];
const own = (f: ElfFile): ReturnType<typeof findOwnSegment> => findOwnSegment(f, f.sections());

/** Shrink PT_DYNAMIC (and .dynamic) to the live entries: the next edit must move .dynamic. */
function noSlack(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const f = parseElf(out);
  const d = f.programHeaders.find((p) => p.p_type === 2);
  const size = BigInt(((f.dynamic?.entries.length ?? 0) + 1) * 16);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(Number(f.header.e_phoff) + (d?.index ?? 0) * 56 + 0x20, size, true);
  dv.setBigUint64(Number(f.header.e_phoff) + (d?.index ?? 0) * 56 + 0x28, size, true);
  const sec = f.sections().find((s) => s.name === '.dynamic');
  if (sec !== undefined) dv.setBigUint64(Number(f.header.e_shoff) + sec.index * 64 + 0x20, size, true);
  return out;
}

describe('findOwnSegment', () => {
  it('finds nothing in files a linker wrote', () => {
    for (const rel of SAMPLES) {
      expect(own(parseElf(load(rel))), rel).toBeUndefined();
      expect(own(parseElf(sstrip(load(rel)))), `${rel}, sstripped`).toBeUndefined();
    }
  });

  for (const [label, input] of [
    ['with section headers', load('x86_64/verdemo/libverdemo.so.1')],
    ['without section headers', sstrip(load('x86_64/verdemo/libverdemo.so.1'))],
  ] as const) {
    it(`finds the segment our editor appended, ${label}, and what it holds`, () => {
      const out = parseElf(applyElfEdit(input, LONG).bytes);
      const found = own(out);
      const last = out.programHeaders.filter((p) => p.p_type === PT_LOAD).at(-1);
      expect(found?.ph).toEqual(last);
      expect(found?.holdsDynamic).toBe(false);
      // .dynstr first, then the evicted note and .gnu.hash.
      expect(found?.inside.map((p) => p.name)).toEqual(label === 'with section headers' ? ['.note.gnu.build-id', '.gnu.hash', '.dynstr'] : ['.dynstr', 'PT_NOTE (program header 6)', '.gnu.hash']);
      // Anything after it in the file, and it is no longer ours to rebuild.
      const longer = new Uint8Array(out.bytes.length + 1);
      longer.set(out.bytes);
      expect(own(parseElf(longer))).toBeUndefined();
    });

    it(`knows when .dynamic moved into it, ${label}`, () => {
      const out = parseElf(applyElfEdit(noSlack(input), LONG).bytes);
      expect(own(out)?.holdsDynamic).toBe(true);
    });
  }
});
