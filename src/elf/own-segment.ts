// The PT_LOAD an earlier run of the segment writer appended (design §3 D.11): when the last
// segment ends the file and holds only what the writer puts there (a .dynstr copy first,
// evicted movable pieces, .dynamic), it is rebuilt at the same place instead of adding another
// one, so files repaired again and again do not grow a segment per run.
import { SHT_DYNAMIC, SHT_PROGBITS, PT_LOAD } from './constants.js';
import { isAlloc, isPadding, MOVABLE_TYPES, occupiesFile, sectionPiece, tablePiece, type Piece } from './evict.js';
import { loadedTables } from './tables.js';
import type { ElfFile, ProgramHeader, SectionHeader } from './types.js';

/** A segment that can be rebuilt in place, and the pieces in it. */
export interface OwnSegment {
  readonly ph: ProgramHeader;
  readonly inside: readonly Piece[];
  /** Whether PT_DYNAMIC lies in it (then .dynamic is rebuilt too). */
  readonly holdsDynamic: boolean;
}

/** The last PT_LOAD (by address) when it ends the file and is fully loaded from it. */
function lastLoadAtEof(elf: ElfFile): ProgramHeader | undefined {
  let last: ProgramHeader | undefined;
  for (const p of elf.programHeaders) if (p.p_type === PT_LOAD && (last === undefined || p.p_vaddr > last.p_vaddr)) last = p;
  if (last === undefined || last.p_offset + last.p_filesz !== BigInt(elf.bytes.length) || last.p_filesz !== last.p_memsz) return undefined;
  return last;
}

/** The segment an earlier run appended, found through the section headers or, without them, the tables. */
export function findOwnSegment(elf: ElfFile, sections: readonly SectionHeader[]): OwnSegment | undefined {
  return sections.length > 0 ? bySections(elf, sections) : byTables(elf);
}

/** With section headers: the segment holds only sections this writer puts there. */
function bySections(elf: ElfFile, sections: readonly SectionHeader[]): OwnSegment | undefined {
  const last = lastLoadAtEof(elf);
  if (last === undefined) return undefined;
  const shtEnd = elf.header.e_shoff + BigInt(elf.header.e_shnum * elf.header.e_shentsize);
  if (last.p_offset < shtEnd) return undefined;
  const inside = sections.filter((s) => occupiesFile(s) && s.sh_offset >= last.p_offset && s.sh_offset < last.p_offset + last.p_filesz);
  if (inside.length === 0) return undefined;
  // Only sections this writer puts there: a .dynstr copy, evicted movable sections, .dynamic.
  if (!inside.every((s) => isAlloc(s) && (MOVABLE_TYPES.has(s.sh_type) || s.sh_type === SHT_DYNAMIC || (s.sh_type === SHT_PROGBITS && s.name === '.interp')))) return undefined;
  // Nothing else may live there (every other byte must belong to a section inside).
  for (const s of sections) {
    if (!occupiesFile(s) || inside.includes(s)) continue;
    if (s.sh_offset + s.sh_size > last.p_offset) return undefined;
  }
  return { ph: last, inside: inside.map(sectionPiece), holdsDynamic: inside.some((s) => s.sh_type === SHT_DYNAMIC) };
}

/**
 * Without section headers: the segment starts with .dynstr (as this writer lays it out) and
 * every byte of it belongs to a described table or to PT_DYNAMIC, apart from alignment padding.
 */
function byTables(elf: ElfFile): OwnSegment | undefined {
  const last = lastLoadAtEof(elf);
  const dyn = elf.dynamic;
  if (last === undefined || dyn === undefined || BigInt(dyn.strtabOffset) !== last.p_offset) return undefined;
  const start = last.p_offset;
  const end = start + last.p_filesz;
  // No other program header may reach into it from outside.
  for (const p of elf.programHeaders) {
    if (p === last || p.p_filesz === 0n) continue;
    const within = p.p_offset >= start && p.p_offset + p.p_filesz <= end;
    if (!within && p.p_offset < end && p.p_offset + p.p_filesz > start) return undefined;
  }
  const tables = loadedTables(elf).filter((t) => t.offset < end && t.offset + t.size > start);
  if (tables.some((t) => t.offset < start || t.offset + t.size > end)) return undefined;
  const dynStart = BigInt(dyn.offset);
  const holdsDynamic = dynStart >= start && dynStart < end;
  const ranges: (readonly [bigint, bigint])[] = tables.map((t) => [t.offset, t.offset + t.size]);
  if (holdsDynamic) ranges.push([dynStart, dynStart + BigInt(dyn.size)]);
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let pos = start;
  for (const [a, b] of ranges) {
    if (a > pos && !isPadding(elf.bytes, pos, a)) return undefined;
    if (b > pos) pos = b;
  }
  if (pos !== end) return undefined;
  return { ph: last, inside: tables.map(tablePiece), holdsDynamic };
}
