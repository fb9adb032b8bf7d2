// Room for one more program header (design §3 D.2.3-4): the movable pieces right after the
// program header table are evicted, to be copied into the new segment, so the table can grow
// in place. With section headers the pieces are sections; without them (an sstripped file)
// they are the tables the program headers and the dynamic array describe exactly
// (tables.ts), and every byte the table grows over must belong to one of them or be
// alignment padding. Before anything is evicted, a safety scan refuses pieces that anything
// but a remappable pointer refers to.
import { ByteReader, hex } from '../util/bytes.js';
import {
  PT_GNU_PROPERTY,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  PT_PHDR,
  SHF_ALLOC,
  SHN_ABS,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHT_DYNSYM,
  SHT_GNU_HASH,
  SHT_GNU_verdef,
  SHT_GNU_verneed,
  SHT_GNU_versym,
  SHT_HASH,
  SHT_NOBITS,
  SHT_NOTE,
  SHT_NULL,
  SHT_PROGBITS,
  SHT_REL,
  SHT_RELA,
  SHT_RELR,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_LOCAL,
  STT_SECTION,
  STT_TLS,
} from './constants.js';
import { fieldAt, recordSize, SYM } from './layout.js';
import { refuseLayout } from './refuse.js';
import { symbolBind, symbolType } from './symbols.js';
import { isAddressTag, POINTER_TAGS } from './loader-facts.js';
import { forEachRelocation } from './relocations.js';
import { describeTable, loadedTables, type LoadedTable } from './tables.js';
import type { ElfFile, ProgramHeader, SectionHeader } from './types.js';

/** A byte range the relocation write may move: a section, or a table found without sections. */
export interface Piece {
  readonly name: string;
  readonly vaddr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly align: bigint;
  /** The section header to update when it moves; undefined in a file without section headers. */
  readonly section: SectionHeader | undefined;
  /** Addresses a pointer tag may name: the section's start, or each merged table's start. */
  readonly starts: readonly bigint[];
}

/** Section types the loader only reaches through the dynamic array or a program header. */
export const MOVABLE_TYPES: ReadonlySet<number> = new Set([SHT_NOTE, SHT_GNU_HASH, SHT_HASH, SHT_DYNSYM, SHT_STRTAB, SHT_GNU_versym, SHT_GNU_verdef, SHT_GNU_verneed, SHT_RELA, SHT_REL, SHT_RELR]);

/**
 * Zero bytes between two tables of a file without section headers count as alignment
 * padding only when there are fewer than this many (no table here is aligned beyond 8).
 */
const MAX_PADDING = 8n;

/** Whether [from, to) looks like alignment padding between two tables: a few zero bytes. */
export function isPadding(bytes: Uint8Array, from: bigint, to: bigint): boolean {
  if (to - from >= MAX_PADDING) return false;
  for (let i = Number(from); i < Number(to); i++) if (bytes[i] !== 0) return false;
  return true;
}

export function isAlloc(s: SectionHeader): boolean {
  return (s.sh_flags & SHF_ALLOC) !== 0n && s.sh_type !== SHT_NULL;
}

export function occupiesFile(s: SectionHeader): boolean {
  return s.sh_type !== SHT_NOBITS && s.sh_type !== SHT_NULL && s.sh_size > 0n;
}

export function sectionPiece(s: SectionHeader): Piece {
  return { name: s.name || `#${s.index}`, vaddr: s.sh_addr, offset: s.sh_offset, size: s.sh_size, align: s.sh_addralign, section: s, starts: [s.sh_addr] };
}

export function tablePiece(t: LoadedTable): Piece {
  return { name: t.name, vaddr: t.vaddr, offset: t.offset, size: t.size, align: t.align, section: undefined, starts: t.starts };
}

interface PhtRoom {
  readonly phtStart: bigint;
  readonly phtEnd: bigint;
  /** The table's end once it has one more entry. */
  readonly need: bigint;
}

/** Where the grown table ends; refuses when its PT_LOAD cannot hold one more entry. */
function phtRoom(elf: ElfFile, loads: readonly ProgramHeader[], phent: bigint): PhtRoom {
  const h = elf.header;
  const phtStart = h.e_phoff;
  const phtEnd = phtStart + BigInt(h.e_phnum) * phent;
  const need = phtEnd + phent;
  const home = loads.find((l) => phtStart >= l.p_offset && phtEnd <= l.p_offset + l.p_filesz);
  if (home === undefined) throw refuseLayout('the program header table is not inside a PT_LOAD segment');
  if (need > home.p_offset + home.p_filesz) throw refuseLayout('the program header table cannot grow inside its PT_LOAD segment');
  return { phtStart, phtEnd, need };
}

/** The evictable sections after the table, in the design's order, until one entry fits. */
function evictSections(elf: ElfFile, sections: readonly SectionHeader[], room: PhtRoom): Piece[] {
  const { phtStart, phtEnd, need } = room;
  const h = elf.header;
  if (h.e_shoff >= phtEnd && h.e_shoff < need) throw refuseLayout('the section header table follows the program header table directly');
  const after = sections.filter((s) => occupiesFile(s) && s.sh_offset + s.sh_size > phtEnd).sort((a, b) => (a.sh_offset < b.sh_offset ? -1 : 1));
  for (const s of sections) {
    if (occupiesFile(s) && s.sh_offset < phtEnd && s.sh_offset + s.sh_size > phtStart) throw refuseLayout(`section ${s.name} overlaps the program header table`);
  }
  const evict: SectionHeader[] = [];
  // Never split a note or interpreter segment: every section it covers moves with it.
  const groupOf = (s: SectionHeader): SectionHeader[] => {
    const ph = elf.programHeaders.find(
      (p) => (p.p_type === PT_NOTE || p.p_type === PT_GNU_PROPERTY || p.p_type === PT_INTERP) && s.sh_addr >= p.p_vaddr && s.sh_addr < p.p_vaddr + p.p_memsz,
    );
    if (ph === undefined) return [s];
    return sections.filter((x) => occupiesFile(x) && isAlloc(x) && x.sh_addr >= ph.p_vaddr && x.sh_addr < ph.p_vaddr + ph.p_memsz);
  };
  const isInterp = (g: SectionHeader): boolean => g.sh_type === SHT_PROGBITS && g.name === '.interp' && elf.programHeaders.some((p) => p.p_type === PT_INTERP && p.p_vaddr === g.sh_addr);
  for (;;) {
    const next = after.find((x) => !evict.includes(x));
    if (next === undefined || next.sh_offset >= need) break;
    // `next` itself first: groupOf only lists the allocated sections of its segment.
    for (const g of [next, ...groupOf(next)]) {
      if (evict.includes(g)) continue;
      const movable = isAlloc(g) && (MOVABLE_TYPES.has(g.sh_type) || isInterp(g));
      if (!movable) throw refuseLayout(`section ${g.name || `#${g.index}`} (type ${hex(g.sh_type)}) follows the program header table and cannot be moved`);
      evict.push(g);
    }
  }
  return evict.map(sectionPiece);
}

/**
 * Without section headers: the described tables right after the program header table, until
 * one more entry fits. The bytes the table grows over must all belong to those tables, apart
 * from a few zero bytes of alignment padding between them; anything else is unknown data and
 * makes us refuse.
 */
function evictTables(elf: ElfFile, room: PhtRoom): Piece[] {
  const { phtStart, phtEnd, need } = room;
  const bytes = elf.bytes;
  const tables = loadedTables(elf);
  for (const t of tables) {
    if (t.offset < phtEnd && t.offset + t.size > phtStart) throw refuseLayout(`${describeTable(t)} overlaps the program header table`);
  }
  const padding = (from: bigint, to: bigint): void => {
    if (!isPadding(bytes, from, to)) {
      throw refuseLayout(
        `the file has no section headers, and bytes ${hex(from)}-${hex(to)} after the program header table belong to no table its program headers or dynamic array describe (${hex(need - phtEnd)} bytes are needed for one more program header)`,
      );
    }
  };
  const evict: Piece[] = [];
  let pos = phtEnd;
  for (const t of tables) {
    if (t.offset < phtEnd) continue;
    padding(pos, t.offset);
    if (t.offset >= need) return evict;
    evict.push(tablePiece(t));
    pos = t.offset + t.size;
    if (pos >= need) return evict;
  }
  padding(pos, need);
  return evict;
}

/**
 * The pieces to move so the program header table can grow by one entry in place ([] when
 * free space follows it). Refuses (ELF_EDIT_NO_ROOM) when the bytes in the way are not all
 * movable, or when anything but a remappable pointer refers to what would move.
 */
export function planEviction(elf: ElfFile, sections: readonly SectionHeader[], loads: readonly ProgramHeader[], phent: bigint): Piece[] {
  const room = phtRoom(elf, loads, phent);
  const evict = sections.length > 0 ? evictSections(elf, sections, room) : evictTables(elf, room);
  // The grown table must not cover bytes that a program header still describes (a damaged
  // .interp section header could hide PT_INTERP's string from the walk above).
  for (const p of elf.programHeaders) {
    if (p.p_type === PT_LOAD || p.p_type === PT_PHDR || p.p_filesz === 0n) continue;
    if (p.p_offset >= room.need || p.p_offset + p.p_filesz <= room.phtEnd) continue;
    const pEnd = p.p_offset + p.p_filesz;
    let covered: boolean;
    if (sections.length > 0) {
      // Exactly the sections it covers move (in eviction order, the first starts it).
      const moved = evict.filter((x) => x.offset >= p.p_offset && x.offset < pEnd);
      const end = moved.reduce((m, x) => (x.offset + x.size > m ? x.offset + x.size : m), 0n);
      covered = moved.length > 0 && moved[0]?.offset === p.p_offset && end === pEnd;
    } else {
      // Tables: the segment lies inside one moved table (PT_NOTE, PT_INTERP are tables).
      covered = evict.some((x) => x.offset <= p.p_offset && x.offset + x.size >= pEnd);
    }
    if (!covered) throw refuseLayout(`program header ${p.index} lies where the program header table would grow`);
  }
  if (evict.length > 0) safetyScan(elf, evict);
  return evict;
}

/** Refuse to evict pieces that anything but remappable pointers refers to. */
function safetyScan(elf: ElfFile, evict: readonly Piece[]): void {
  const r = new ByteReader(elf.bytes, elf.ident.littleEndian, elf.ident.elfClass === 64);
  const inEvicted = (addr: bigint): Piece | undefined => evict.find((p) => addr >= p.vaddr && addr < p.vaddr + p.size);
  const dyn = elf.dynamic;
  if (dyn !== undefined) {
    for (const e of dyn.entries) {
      if (POINTER_TAGS.has(e.d_tag)) continue;
      // Only tags whose value is an address can point anywhere; sizes and flags are small.
      const p = isAddressTag(e.d_tag) ? inEvicted(e.d_val) : undefined;
      if (p !== undefined) throw refuseLayout(`dynamic tag ${hex(e.d_tag)} points into ${p.name}, which would have to move`);
    }
    forEachRelocation(r, dyn, elf.vaddrToOffset, (rel) => {
      const p = inEvicted(rel.r_offset) ?? (rel.target !== undefined ? inEvicted(rel.target) : undefined);
      if (p !== undefined) throw refuseLayout(`a dynamic relocation refers to ${p.name}, which would have to move`);
    });
  }
  const evictedIdx = new Set(evict.flatMap((p) => (p.section === undefined ? [] : [p.section.index])));
  const bySection = evict.every((p) => p.section !== undefined);
  if (bySection) {
    // By section index alone: no symbol name is decoded unless one is in the way (libLLVM has
    // tens of thousands of long C++ names).
    elf.scanDynamicSymbols((s) => {
      // Section symbols of a moved section are moved with it by the writer.
      if (symbolType(s.st_info) === STT_SECTION || !evictedIdx.has(s.st_shndx)) return;
      throw refuseLayout(`symbol ${elf.dynamicString(s.st_name)} is defined inside ${evict.find((x) => x.section?.index === s.st_shndx)?.name ?? 'a section'}, which would have to move`);
    });
  }
  for (const s of bySection ? [] : elf.dynamicSymbols()) {
    // Without section headers a symbol is placed by its address alone (TLS values are
    // offsets, absolute ones are not addresses of this file).
    if (s.st_shndx === SHN_UNDEF || s.st_shndx === SHN_ABS || s.st_shndx >= SHN_LORESERVE || s.type === STT_TLS) continue;
    const p = inEvicted(s.st_value);
    if (p !== undefined) throw refuseLayout(`symbol ${s.name || `#${s.index}`} is defined inside ${p.name}, which would have to move`);
  }
  // .symtab: global symbols only (crt files define local markers such as __abi_tag in notes,
  // which nothing resolves at run time).
  const symtab = elf.sections().find((s) => s.sh_type === SHT_SYMTAB);
  if (symtab !== undefined) {
    const ent = recordSize(SYM, r.is64);
    const base = Number(symtab.sh_offset);
    const count = Math.floor(Number(symtab.sh_size) / ent);
    r.check(base, count * ent, '.symtab');
    for (let i = 1; i < count; i++) {
      const o = base + i * ent;
      const info = r.u8(o + fieldAt(SYM.fields.st_info, r.is64), 'st_info');
      const shndx = r.u16(o + fieldAt(SYM.fields.st_shndx, r.is64), 'st_shndx');
      if (symbolBind(info) !== STB_LOCAL && symbolType(info) !== STT_SECTION && evictedIdx.has(shndx)) {
        throw refuseLayout(`a global symbol (.symtab entry ${i}) is defined inside a section that would have to move`);
      }
    }
  }
}
