// The segment write (src/elf/segment-write.ts), called directly with planned entries (no
// self-check in between): where the new PT_LOAD goes in the file, in memory and in the program
// header table, what it holds first, when .dynamic moves into it, how a PT_NULL slot or our
// own earlier segment is used, and the pointer checks it refuses on.
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import { DT_GNU_HASH, DT_STRTAB, DT_VERSYM, PF_R, PF_W, PT_DYNAMIC, PT_GNU_STACK, PT_LOAD, PT_NULL } from '../../src/elf/constants.js';
import { placeStrings, planEntries, verneedRenames } from '../../src/elf/dynamic-plan.js';
import { planElfEdit, type ElfEditOp } from '../../src/elf/edit.js';
import { DYN, fieldAt, recordSize } from '../../src/elf/layout.js';
import { mergeRanges, sameOutside } from '../../src/elf/ranges.js';
import { parseElf } from '../../src/elf/read.js';
import { writeNewSegment } from '../../src/elf/segment-write.js';
import type { ElfFile } from '../../src/elf/types.js';
import { isWheelauditError } from '../../src/errors.js';
import { load } from './fixture.js';

const GRAFT: ElfEditOp[] = [
  { kind: 'set-soname', soname: 'libverdemo-1a2b3c4d.so.1' },
  { kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' },
];

function write(bytes: Uint8Array, ops: readonly ElfEditOp[], needDyn = false): { before: ElfFile; after: ElfFile; reused: boolean } {
  const before = parseElf(bytes);
  const plan = planElfEdit(ops);
  const entries = planEntries(before, plan);
  const d = before.dynamic;
  if (d === undefined) throw new Error('no dynamic section');
  const strings = placeStrings(bytes.subarray(d.strtabOffset, d.strtabOffset + d.strtabSize), entries, verneedRenames(before, plan));
  const out = writeNewSegment(before, entries, strings.verneedFiles, strings.appended, needDyn || entries.length + 1 > d.capacity);
  return { before, after: parseElf(out.bytes), reused: out.reused };
}

const loads = (f: ElfFile): ElfFile['programHeaders'] => f.programHeaders.filter((p) => p.p_type === PT_LOAD);
const dynValue = (f: ElfFile, tag: bigint): bigint | undefined => f.dynamic?.entries.find((e) => e.d_tag === tag)?.d_val;

describe('writeNewSegment', () => {
  for (const [rel, page] of [['x86_64/verdemo/libverdemo.so.1', 0x1000n], ['aarch64/libverdemo.so.1', 0x10000n], ['i686/libverdemo.so.1', 0x1000n], ['s390x/libverdemo.so.1', 0x1000n]] as const) {
    it(`${rel}: one read-only PT_LOAD after the others, aligned to ${page.toString(16)}, starting with .dynstr`, () => {
      const { before, after } = write(load(rel), GRAFT);
      const old = loads(before);
      const seg = loads(after).filter((l) => !old.some((o) => o.p_vaddr === l.p_vaddr));
      expect(seg).toHaveLength(1);
      const s = seg[0];
      if (s === undefined) return;
      const top = old.reduce((m, l) => (l.p_vaddr + l.p_memsz > m ? l.p_vaddr + l.p_memsz : m), 0n);
      expect(s.p_vaddr).toBeGreaterThan(top);
      expect([s.p_offset % page, s.p_vaddr % page, s.p_align, s.p_flags]).toEqual([0n, 0n, page, PF_R]);
      expect(s.p_offset).toBeGreaterThanOrEqual(BigInt(before.bytes.length));
      expect(s.p_offset + s.p_filesz).toBe(BigInt(after.bytes.length));
      // In the table right after the last old PT_LOAD; the table itself did not move.
      expect(after.programHeaders[s.index - 1]?.p_type).toBe(PT_LOAD);
      expect(after.header.e_phoff).toBe(before.header.e_phoff);
      expect(after.header.e_phnum).toBe(before.header.e_phnum + 1);
      expect(dynValue(after, DT_STRTAB)).toBe(s.p_vaddr);
      expect(after.dynamic?.soname).toBe('libverdemo-1a2b3c4d.so.1');
      // Old bytes are the input's, but for the headers with the evicted area after them, the
      // dynamic array (rewritten in place) and the section headers of what moved.
      const dyn = before.dynamic;
      const h = before.header;
      const sht = { start: Number(h.e_shoff), end: Number(h.e_shoff) + h.e_shnum * h.e_shentsize };
      const except = mergeRanges([{ start: 0, end: 0x400 }, { start: dyn?.offset ?? 0, end: (dyn?.offset ?? 0) + (dyn?.size ?? 0) }, sht]);
      const kept = sameOutside(before.bytes, after.bytes, { start: 0, end: before.bytes.length }, except);
      expect(kept).toBe(true);
    });
  }

  it('moves .dynamic into a writable segment when it must grow', () => {
    const { before, after } = write(load('x86_64/verdemo/libverdemo.so.1'), GRAFT, true);
    const dyn = after.programHeaders.find((p) => p.p_type === PT_DYNAMIC);
    const seg = loads(after).at(-1);
    expect(seg?.p_flags).toBe(PF_R | PF_W);
    expect(dyn?.p_flags).toBe(PF_R | PF_W);
    expect(dyn !== undefined && seg !== undefined && dyn.p_vaddr >= seg.p_vaddr && dyn.p_vaddr + dyn.p_memsz <= seg.p_vaddr + seg.p_memsz).toBe(true);
    // The live entries, DT_NULL, and four spare slots for the next edit.
    expect(after.dynamic?.capacity).toBe((after.dynamic?.entries.length ?? 0) + 1 + 4);
    expect(after.dynamic?.needed).toEqual(before.dynamic?.needed);
  });

  it('describes the segment with a PT_NULL slot when there is one, and rebuilds its own segment next time', () => {
    const bytes = load('x86_64/verdemo/libverdemo.so.1');
    const f = parseElf(bytes);
    const stack = f.programHeaders.find((p) => p.p_type === PT_GNU_STACK);
    new DataView(bytes.buffer).setUint32(Number(f.header.e_phoff) + (stack?.index ?? 0) * f.header.e_phentsize, PT_NULL, true);
    const first = write(bytes, GRAFT);
    expect(first.after.header.e_phnum).toBe(f.header.e_phnum);
    expect(first.after.programHeaders.some((p) => p.p_type === PT_NULL)).toBe(false);
    const second = write(first.after.bytes, [{ kind: 'set-rpath', value: `$ORIGIN/${'z'.repeat(200)}`, tag: 'DT_RPATH' }]);
    expect(second.reused).toBe(true);
    expect(loads(second.after).at(-1)?.p_offset).toBe(loads(first.after).at(-1)?.p_offset);
    expect(second.after.header.e_phnum).toBe(first.after.header.e_phnum);
  });

  it('moves the evicted tables of a file without section headers, pointers following by address', () => {
    const { before, after } = write(sstrip(load('x86_64/verdemo/libverdemo.so.1')), GRAFT);
    const hashBefore = dynValue(before, DT_GNU_HASH) ?? 0n;
    const hashAfter = dynValue(after, DT_GNU_HASH) ?? 0n;
    expect(hashAfter).toBeGreaterThan(loads(before).at(-1)?.p_vaddr ?? 0n);
    const at = (f: ElfFile, a: bigint): Uint8Array => f.bytes.subarray(f.vaddrToOffset(a, 56) ?? 0, (f.vaddrToOffset(a, 56) ?? 0) + 56);
    expect(at(after, hashAfter)).toEqual(at(before, hashBefore));
    expect(dynValue(after, DT_VERSYM)).toBe(dynValue(before, DT_VERSYM)); // .gnu.version did not have to move
  });

  it('refuses a pointer tag into the middle of a table that must move, and one into the program headers', () => {
    const bytes = load('x86_64/verdemo/libverdemo.so.1');
    const f = parseElf(bytes);
    const d = f.dynamic;
    // DT_VERSYM, moved into .gnu.hash (which is evicted), or into the program header table.
    const entry = d?.entries.find((e) => e.d_tag === DT_VERSYM);
    const set = (b: Uint8Array, v: bigint): void => new DataView(b.buffer).setBigUint64((d?.offset ?? 0) + (entry?.index ?? 0) * recordSize(DYN, true) + fieldAt(DYN.fields.d_val, true), v, true);
    const middle = bytes.slice();
    set(middle, (dynValue(f, DT_GNU_HASH) ?? 0n) + 8n);
    const headers = bytes.slice();
    set(headers, f.header.e_phoff + 8n);
    for (const [b, why] of [[middle, /dynamic tag 0x6ffffff0 points into the middle of a section that would have to move/], [headers, /dynamic tag 0x6ffffff0 points into the ELF or program headers/]] as const) {
      try {
        write(b, GRAFT);
        expect.unreachable();
      } catch (e) {
        expect(isWheelauditError(e) && e.code).toBe('ELF_EDIT_NO_ROOM');
        expect(isWheelauditError(e) && e.message).toMatch(why);
      }
    }
  });
});
