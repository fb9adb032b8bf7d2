// What the writer and the self-check share about the loader (src/elf/loader-facts.ts): the page
// sizes of the design's table, the pointer-tag whitelist, and which tags can hold an address.
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { isAddressTag, machinePageSize, POINTER_TAGS } from '../../src/elf/loader-facts.js';

describe('loader facts', () => {
  it('page sizes follow the design table (64 KiB where kernels use 64K or 16K pages)', () => {
    const table: [number, number][] = [
      [C.EM_X86_64, 0x1000],
      [C.EM_386, 0x1000],
      [C.EM_AARCH64, 0x10000],
      [C.EM_PPC64, 0x10000],
      [C.EM_PPC, 0x10000],
      [C.EM_S390, 0x1000],
      [C.EM_ARM, 0x1000],
      [C.EM_RISCV, 0x1000],
      [C.EM_LOONGARCH, 0x10000],
      [C.EM_MIPS, 0x10000],
    ];
    for (const [machine, page] of table) expect(machinePageSize(machine), `e_machine ${machine}`).toBe(page);
  });

  it('remaps exactly the table pointers of the design whitelist', () => {
    expect(new Set(POINTER_TAGS)).toEqual(new Set([C.DT_HASH, C.DT_STRTAB, C.DT_SYMTAB, C.DT_RELA, C.DT_REL, C.DT_JMPREL, C.DT_RELR, C.DT_GNU_HASH, C.DT_VERSYM, C.DT_VERDEF, C.DT_VERNEED, C.DT_ANDROID_REL, C.DT_ANDROID_RELA]));
    // Never a size, a count or DT_INIT/DT_FINI (patchelf #639 rewrote those by name).
    for (const t of [C.DT_STRSZ, C.DT_RELASZ, C.DT_VERNEEDNUM, C.DT_INIT, C.DT_FINI, C.DT_PLTGOT]) expect(POINTER_TAGS.has(t)).toBe(false);
  });

  it('treats every tag not known to be a size, count, string or flag as an address', () => {
    for (const t of [C.DT_INIT, C.DT_FINI, C.DT_INIT_ARRAY, C.DT_PLTGOT, C.DT_DEBUG, 0x70000001n, 0x6ffffef9n]) expect(isAddressTag(t), `tag ${t}`).toBe(true);
    for (const t of [C.DT_NEEDED, C.DT_STRSZ, C.DT_SONAME, C.DT_RUNPATH, C.DT_FLAGS_1, C.DT_RELACOUNT, C.DT_VERDEFNUM, C.DT_PLTREL]) expect(isAddressTag(t), `tag ${t}`).toBe(false);
  });
});
