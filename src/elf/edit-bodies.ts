// The bytes an edit of a shared library never needs: the bodies of its large code and data
// sections (.text, .rodata, .data.rel.ro: 86 of libLLVM-14's 105 MiB). Repair reads everything
// else, edits that in place, and takes the bodies from the file only as the output is deflated,
// so a large graft is never held whole. The editor and its self-check read the headers and
// header tables, .dynamic, and the tables the dynamic array and the program headers name, all
// of which lie outside these bodies or are kept; they never read code or data, with one
// exception: REL and RELR relocations keep their addends in the relocated words (in data), and
// the eviction safety scan reads them, so such files are not split. Found in two steps, because
// the sections are known before the rest of the file is read and the tables only after:
// bodyCandidates (ELF header, program and section header tables only), then confirmBodies.
import { ByteReader } from '../util/bytes.js';
import { DT_PLTREL, DT_REL, DT_RELR, PT_DYNAMIC, PT_GNU_PROPERTY, PT_INTERP, PT_NOTE, PT_PHDR, SHT_PROGBITS } from './constants.js';
import { dynamicValue } from './dynamic.js';
import { parseHeader, parseIdent, parseSectionHeaders } from './headers.js';
import { EHDR, recordSize } from './layout.js';
import { mergeRanges, type Range } from './ranges.js';
import { dynamicTableExtents } from './tables.js';
import type { ElfFile } from './types.js';

/** Sections smaller than this are read with the rest (splitting them saves nothing). */
export const MIN_BODY = 64 * 1024;

const KEPT_SEGMENTS: ReadonlySet<number> = new Set([PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_GNU_PROPERTY, PT_PHDR]);

/** Where the header tables lie, from the ELF header in `head` (the first bytes of the file). */
export function headerTables(head: Uint8Array, fileSize: number): { readonly phdrs: Range; readonly shdrs: Range } {
  const ident = parseIdent(head);
  const h = parseHeader(new ByteReader(head, ident.littleEndian, ident.elfClass === 64));
  const at = (off: bigint, n: number): Range => {
    const start = Number(off <= BigInt(fileSize) ? off : BigInt(fileSize));
    return { start, end: Math.min(fileSize, start + n) };
  };
  return { phdrs: at(h.e_phoff, h.e_phnum * h.e_phentsize), shdrs: at(h.e_shoff, h.e_shnum * h.e_shentsize) };
}

/**
 * The PROGBITS sections of at least MIN_BODY bytes inside the file, merged and sorted, read
 * from `image` where the ELF header and the header tables are already filled in. None for a
 * file without section headers (its tables are found through the dynamic array alone).
 */
export function bodyCandidates(image: Uint8Array): Range[] {
  const ident = parseIdent(image);
  const r = new ByteReader(image, ident.littleEndian, ident.elfClass === 64);
  const h = parseHeader(r);
  const bodies: Range[] = [];
  for (const s of parseSectionHeaders(r, h)) {
    if (s.sh_type !== SHT_PROGBITS || s.sh_size < BigInt(MIN_BODY) || s.sh_offset + s.sh_size > BigInt(image.length)) continue;
    bodies.push({ start: Number(s.sh_offset), end: Number(s.sh_offset + s.sh_size) });
  }
  return mergeRanges(bodies);
}

/**
 * The candidates an edit of `elf` can do without, now that everything else is read: each one
 * that overlaps a header, a header table, a segment the loader reads (PT_DYNAMIC, PT_INTERP,
 * PT_NOTE, PT_GNU_PROPERTY, PT_PHDR) or a table a dynamic tag names is dropped (read it too).
 * Undefined when the file keeps relocation addends in its data (REL, RELR): read it whole.
 */
export function confirmBodies(elf: ElfFile, candidates: readonly Range[]): Range[] | undefined {
  const dyn = elf.dynamic;
  if (dyn === undefined) return undefined;
  if (dynamicValue(dyn, DT_REL) !== undefined || dynamicValue(dyn, DT_RELR) !== undefined || dynamicValue(dyn, DT_PLTREL) === DT_REL) return undefined;
  const h = elf.header;
  const needed: Range[] = [
    { start: 0, end: recordSize(EHDR, elf.ident.elfClass === 64) },
    { start: Number(h.e_phoff), end: Number(h.e_phoff) + h.e_phnum * h.e_phentsize },
    { start: Number(h.e_shoff), end: Number(h.e_shoff) + h.e_shnum * h.e_shentsize },
    { start: dyn.offset, end: dyn.offset + dyn.size },
    { start: dyn.strtabOffset, end: dyn.strtabOffset + dyn.strtabSize },
  ];
  for (const p of elf.programHeaders) if (KEPT_SEGMENTS.has(p.p_type)) needed.push({ start: Number(p.p_offset), end: Number(p.p_offset + p.p_filesz) });
  for (const t of dynamicTableExtents(elf, dyn)) {
    const off = elf.vaddrToOffset(t.vaddr, 1);
    if (off !== undefined) needed.push({ start: off, end: off + Number(t.size) });
  }
  const kept = mergeRanges(needed);
  return candidates.filter((c) => !kept.some((k) => k.start < c.end && k.end > c.start));
}
