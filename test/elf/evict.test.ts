// Eviction (src/elf/evict.ts): what has to move so the program header table can grow by one
// entry, with and without section headers, and the safety scan that refuses pieces something
// other than a remappable pointer refers to. Expected pieces come from readelf -lS of the files.
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import { DT_GNU_HASH, DT_INIT, PT_LOAD, PT_NOTE } from '../../src/elf/constants.js';
import { isPadding, planEviction } from '../../src/elf/evict.js';
import { DYN, fieldAt, recordSize, SYM } from '../../src/elf/layout.js';
import { parseElf } from '../../src/elf/read.js';
import type { ElfFile } from '../../src/elf/types.js';
import { isWheelauditError } from '../../src/errors.js';
import { load } from './fixture.js';

function evict(elf: ElfFile): string[] {
  return planEviction(elf, elf.sections(), elf.programHeaders.filter((p) => p.p_type === PT_LOAD), BigInt(elf.header.e_phentsize)).map((p) => p.name);
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isWheelauditError(e) && e.code === 'ELF_EDIT_NO_ROOM') return e.message;
    throw e;
  }
  return expect.unreachable('not refused');
}

/** Overwrite dynamic entry `tag`'s value (little-endian ELF64). */
function setDynamic(bytes: Uint8Array, tag: bigint, value: bigint): void {
  const d = parseElf(bytes).dynamic;
  const e = d?.entries.find((x) => x.d_tag === tag);
  if (d === undefined || e === undefined) throw new Error(`no dynamic tag ${tag}`);
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(d.offset + e.index * recordSize(DYN, true) + fieldAt(DYN.fields.d_val, true), value, true);
}

describe('planEviction', () => {
  // (readelf -lS) libverdemo's PHT ends at 0x238; .note.gnu.build-id (0x238, 0x24) and .gnu.hash
  // (0x260) must go for 56 more bytes. verdemo-main's ends at 0x318: .interp and the property
  // note (its own PT_NOTE and PT_GNU_PROPERTY) make room; the build-id note at 0x358 stays.
  const cases: [string, string[], string[]][] = [
    ['x86_64/verdemo/libverdemo.so.1', ['.note.gnu.build-id', '.gnu.hash'], ['PT_NOTE (program header 5)', '.gnu.hash']],
    ['x86_64/verdemo/verdemo-main', ['.interp', '.note.gnu.property'], ['PT_INTERP (program header 1)', 'PT_NOTE (program header 7)+PT_GNU_PROPERTY (program header 9)']],
    ['aarch64/libverdemo.so.1', ['.note.gnu.build-id', '.gnu.hash'], ['PT_NOTE (program header 3)', '.gnu.hash']],
  ];
  for (const [rel, bySections, byTables] of cases) {
    it(`${rel}: the sections after the program header table, or the same tables without sections`, () => {
      const bytes = load(rel);
      expect(evict(parseElf(bytes))).toEqual(bySections);
      expect(evict(parseElf(sstrip(bytes)))).toEqual(byTables);
    });
  }

  it('evicts nothing when a gap after the table has room', () => {
    const bytes = load('x86_64/verdemo/libverdemo.so.1');
    const elf = parseElf(bytes);
    // Pretend the table is one entry shorter: the slot it frees is room enough.
    new DataView(bytes.buffer).setUint16(0x38, elf.header.e_phnum - 1, true);
    expect(evict(parseElf(bytes))).toEqual([]);
  });

  it('refuses a piece a non-pointer dynamic tag points into', () => {
    const bytes = load('x86_64/verdemo/libverdemo.so.1');
    setDynamic(bytes, DT_INIT, parseElf(bytes).dynamic?.entries.find((e) => e.d_tag === DT_GNU_HASH)?.d_val ?? 0n);
    expect(refusal(() => evict(parseElf(bytes)))).toBe('dynamic tag 0xc points into .gnu.hash, which would have to move; this layout cannot be rewritten safely here');
  });

  it('refuses, without section headers, a table a symbol is defined in', () => {
    const bytes = sstrip(load('x86_64/verdemo/libverdemo.so.1'));
    const elf = parseElf(bytes);
    const sym = elf.dynamicSymbols().find((s) => s.name === 'verdemo_len');
    const symtab = elf.vaddrToOffset(elf.dynamic?.entries.find((e) => e.d_tag === 6n)?.d_val ?? 0n, 1) ?? 0;
    const hash = elf.dynamic?.entries.find((e) => e.d_tag === DT_GNU_HASH)?.d_val ?? 0n;
    new DataView(bytes.buffer).setBigUint64(symtab + (sym?.index ?? 0) * recordSize(SYM, true) + fieldAt(SYM.fields.st_value, true), hash + 4n, true);
    expect(refusal(() => evict(parseElf(bytes)))).toMatch(/^symbol verdemo_len is defined inside \.gnu\.hash, which would have to move/);
  });

  it('refuses a table a relative relocation points into (code reading its own build-id, say)', () => {
    const bytes = sstrip(load('x86_64/verdemo/libverdemo.so.1'));
    const elf = parseElf(bytes);
    const rela = elf.vaddrToOffset(elf.dynamic?.entries.find((e) => e.d_tag === 7n)?.d_val ?? 0n, 1) ?? 0;
    const note = elf.programHeaders.find((p) => p.p_type === PT_NOTE);
    const dv = new DataView(bytes.buffer);
    expect(dv.getBigUint64(rela + 8, true)).toBe(8n); // R_X86_64_RELATIVE, no symbol
    dv.setBigUint64(rela + 16, (note?.p_vaddr ?? 0n) + 16n, true); // r_addend
    expect(refusal(() => evict(parseElf(bytes)))).toMatch(/^a dynamic relocation refers to PT_NOTE \(program header 5\), which would have to move/);
  });

  it('counts only a few zero bytes as padding', () => {
    const b = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(isPadding(b, 0n, 7n)).toBe(true);
    expect(isPadding(b, 0n, 8n)).toBe(false);
    expect(isPadding(b, 6n, 10n)).toBe(false);
    expect(isPadding(b, 3n, 3n)).toBe(true);
  });
});
