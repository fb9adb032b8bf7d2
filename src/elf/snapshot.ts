// What an in-place edit keeps of its input for the self-check. Editing a 100 MB library in the
// buffer it was read into halves the memory of a repair, but the self-check compares the output
// with the input, and in place the input is gone. So before the first byte is written, every
// range the check reads (headers, section and program header tables, .dynamic, every string,
// symbol, version, hash, relocation and note table, and each table a dynamic tag names) is
// copied into a buffer of the input's size; the rest (code and data, almost all of the file)
// stays zero and is never touched, so it costs no memory. The check then parses that copy as
// the input. A range missed here would make the check fail (exit 70), never pass wrongly.
import { PT_DYNAMIC, PT_GNU_PROPERTY, PT_INTERP, PT_NOTE, PT_PHDR, SHT_NOBITS, SHT_NULL, SHT_PROGBITS } from './constants.js';
import { EHDR, recordSize } from './layout.js';
import { dynamicTableExtents } from './tables.js';
import type { ElfFile } from './types.js';

const KEPT_SEGMENTS: ReadonlySet<number> = new Set([PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_GNU_PROPERTY, PT_PHDR]);

/** A copy of `elf`'s bytes holding only the ranges the self-check reads (zeros elsewhere). */
export function selfCheckSnapshot(elf: ElfFile): Uint8Array {
  const src = elf.bytes;
  const snap = new Uint8Array(src.length);
  const copy = (offset: number | bigint, size: number | bigint): void => {
    const a = Math.min(Number(offset), src.length);
    const b = Math.min(a + Number(size), src.length);
    if (b > a) snap.set(src.subarray(a, b), a);
  };
  const h = elf.header;
  copy(0, recordSize(EHDR, elf.ident.elfClass === 64));
  copy(h.e_phoff, h.e_phnum * h.e_phentsize);
  copy(h.e_shoff, h.e_shnum * h.e_shentsize);
  for (const p of elf.programHeaders) if (KEPT_SEGMENTS.has(p.p_type)) copy(p.p_offset, p.p_filesz);
  // Code and data (PROGBITS) are never read by the check; every table kind is.
  for (const s of elf.sections()) if (s.sh_type !== SHT_PROGBITS && s.sh_type !== SHT_NOBITS && s.sh_type !== SHT_NULL) copy(s.sh_offset, s.sh_size);
  const dyn = elf.dynamic;
  if (dyn !== undefined) {
    copy(dyn.offset, dyn.size);
    copy(dyn.strtabOffset, dyn.strtabSize);
    for (const t of dynamicTableExtents(elf, dyn)) {
      const off = elf.vaddrToOffset(t.vaddr, 1);
      if (off !== undefined) copy(off, t.size);
    }
  }
  return snap;
}
