// Which byte ranges of an ELF file the analysis reads (summarizeElf, and scanElfLoadStrings when
// run-time loads are asked for), so that a large library can be held as a full-size, zero-filled
// buffer with only those ranges filled in: parseElf then runs unchanged, and the pages never
// written cost no memory. Shared by host libraries (host-fs.ts, read with pread) and wheel
// entries (entry-read.ts, kept as they stream out of zlib).
// The ranges are found in three steps, each needing the previous one's bytes: the ELF header
// gives the header tables; the program headers give the segments read eagerly; the section
// headers and the dynamic array give the tables. When the tables cannot be pinned down safely
// (no section headers, extended numbering, a DT_* table that does not start a section read
// here) the answer is "undefined": read the whole file. Never parse a range not filled in:
// that would be a silent wrong answer, so callers check coverage (`Filled.missing`).
import {
  DT_GNU_HASH,
  DT_HASH,
  DT_NULL,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMTAB,
  DT_VERDEF,
  DT_VERNEED,
  DT_VERSYM,
  PT_DYNAMIC,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHT_DYNAMIC,
  SHT_DYNSYM,
  SHT_GNU_HASH,
  SHT_GNU_verdef,
  SHT_GNU_verneed,
  SHT_GNU_versym,
  SHT_HASH,
  SHT_NOBITS,
  SHT_NOTE,
  SHT_PROGBITS,
  SHT_STRTAB,
  VERDAUX_SIZE,
  VERDEF_SIZE,
  VERNAUX_SIZE,
  VERNEED_SIZE,
} from '../elf/constants.js';
import { parseHeader, parseIdent, parseProgramHeaders, parseSectionHeaders } from '../elf/headers.js';
import { parseElf } from '../elf/index.js';
import type { ElfFile, ElfHeader, ProgramHeader } from '../elf/types.js';
import { ByteReader } from '../util/bytes.js';

/** A file range [start, end). */
export type Range = readonly [number, number];

/** Bytes of the ELF header needed before anything else can be planned (ELF64's size). */
export const ELF_HEADER_BYTES = 64;

/** Section types the summary reads (allocated ones; notes in any case). */
const TABLE_SECTIONS = new Set([SHT_STRTAB, SHT_GNU_verneed, SHT_GNU_verdef, SHT_GNU_versym, SHT_NOTE, SHT_HASH, SHT_GNU_HASH, SHT_DYNSYM, SHT_DYNAMIC]);
/** Dynamic tags whose tables the summary reads, each of which must start a section read here. */
const TABLE_TAGS = [DT_SYMTAB, DT_HASH, DT_GNU_HASH, DT_VERSYM, DT_VERNEED, DT_VERDEF];

/** What to read beyond the summary's tables. */
export interface RangeOptions {
  /** Also the read-only data sections (scanElfLoadStrings looks for library names there). */
  readonly readOnlyData?: boolean;
}

interface Parsed {
  readonly r: ByteReader;
  readonly h: ElfHeader;
}

/** The header of `bytes` (whose first ELF_HEADER_BYTES are filled), or undefined for extended numbering. */
function header(bytes: Uint8Array): Parsed | undefined {
  const ident = parseIdent(bytes);
  const r = new ByteReader(bytes, ident.littleEndian, ident.elfClass === 64);
  const is64 = r.is64;
  // e_phnum, e_shnum, e_shstrndx as stored: PN_XNUM / 0 / SHN_XINDEX put the real counts in
  // section header 0, which may not be filled yet.
  const phnum = r.u16(is64 ? 0x38 : 0x2c, 'e_phnum');
  const shoff = r.word(is64 ? 0x28 : 0x20, 'e_shoff');
  const shnum = r.u16(is64 ? 0x3c : 0x30, 'e_shnum');
  const shstrndx = r.u16(is64 ? 0x3e : 0x32, 'e_shstrndx');
  if (phnum === 0xffff || shstrndx === 0xffff || (shoff !== 0n && shnum === 0)) return undefined;
  return { r, h: parseHeader(r) };
}

/** Step 1 (needs the ELF header): the header itself and the program and section header tables. */
export function headerRanges(bytes: Uint8Array): Range[] | undefined {
  const p = header(bytes);
  if (p === undefined) return undefined;
  const { h } = p;
  const out: Range[] = [[0, p.r.is64 ? 64 : 52]];
  if (h.e_phnum > 0) out.push(span(h.e_phoff, BigInt(h.e_phnum * h.e_phentsize)));
  if (h.e_shnum > 0) out.push(span(h.e_shoff, BigInt(h.e_shnum * h.e_shentsize)));
  return out;
}

/** Step 2 (needs the program headers): the segments parseElf reads eagerly (PT_DYNAMIC, PT_INTERP, PT_NOTE). */
export function segmentRanges(bytes: Uint8Array): Range[] | undefined {
  const p = header(bytes);
  if (p === undefined) return undefined;
  return parseProgramHeaders(p.r, p.h)
    .filter((ph) => ph.p_type === PT_DYNAMIC || ph.p_type === PT_INTERP || ph.p_type === PT_NOTE)
    .map((ph) => span(ph.p_offset, ph.p_filesz));
}

/** The file range of the first PT_LOAD when it is not executable (where .dynsym, .dynstr and the version tables are put). */
export function firstReadOnlySegment(bytes: Uint8Array): Range | undefined {
  const p = header(bytes);
  if (p === undefined) return undefined;
  const first = parseProgramHeaders(p.r, p.h).find((ph) => ph.p_type === PT_LOAD);
  return first === undefined || (first.p_flags & 1) !== 0 ? undefined : span(first.p_offset, first.p_filesz);
}

/**
 * Step 3 (needs steps 1 and 2 filled): the section name table, the sections the summary reads,
 * and the dynamic string table as DT_STRTAB/DT_STRSZ give it. Undefined when there are no
 * section headers, or a table the dynamic array points to does not start one of those sections
 * (then the parser could read bytes outside them: read the whole file).
 */
export function tableRanges(bytes: Uint8Array, options: RangeOptions = {}): Range[] | undefined {
  const p = header(bytes);
  if (p === undefined || p.h.e_shnum === 0) return undefined;
  const { r, h } = p;
  const sections = parseSectionHeaders(r, h);
  const out: Range[] = [];
  const starts = new Set<number>();
  const shstr = sections[h.e_shstrndx];
  if (shstr !== undefined && shstr.sh_type !== SHT_NOBITS) out.push(span(shstr.sh_offset, shstr.sh_size));
  for (const s of sections) {
    if (s.sh_type === SHT_NOBITS) continue;
    const alloc = (s.sh_flags & SHF_ALLOC) !== 0n;
    const table = TABLE_SECTIONS.has(s.sh_type) && (alloc || s.sh_type === SHT_NOTE);
    const rodata = options.readOnlyData === true && s.sh_type === SHT_PROGBITS && alloc && (s.sh_flags & (SHF_WRITE | SHF_EXECINSTR)) === 0n;
    if (!table && !rodata) continue;
    out.push(span(s.sh_offset, s.sh_size));
    if (table) starts.add(Number(s.sh_offset));
  }
  const dynamic = dynamicTables(r, parseProgramHeaders(r, h));
  if (dynamic === undefined) return undefined;
  for (const off of dynamic.tables) if (!starts.has(off)) return undefined;
  // The symbol table is found by address: it must be the .dynsym section the parser picks.
  if (dynamic.symtab !== undefined && !sections.some((s) => s.sh_type === SHT_DYNSYM && s.sh_addr === dynamic.symtab)) return undefined;
  if (dynamic.strtab !== undefined) out.push(dynamic.strtab);
  return out;
}

/**
 * File offsets of the tables the dynamic array points to (mapped through PT_LOAD; unmappable
 * ones are left to the parser, which reports them either way) and the dynamic string table's
 * range. Undefined when DT_STRTAB comes without DT_STRSZ.
 */
function dynamicTables(r: ByteReader, phdrs: readonly ProgramHeader[]): { tables: number[]; strtab: Range | undefined; symtab: bigint | undefined } | undefined {
  const dyn = phdrs.find((ph) => ph.p_type === PT_DYNAMIC);
  if (dyn === undefined) return { tables: [], strtab: undefined, symtab: undefined };
  const entry = r.is64 ? 16 : 8;
  const start = Number(dyn.p_offset);
  const end = Math.min(r.length, start + Number(dyn.p_filesz));
  const values = new Map<bigint, bigint>();
  for (let at = start; at + entry <= end; at += entry) {
    const tag = r.sword(at, 'd_tag');
    if (tag === DT_NULL) break;
    // The first of each tag counts, as the parser takes it.
    if (!values.has(tag)) values.set(tag, r.word(at + entry / 2, 'd_val'));
  }
  const loads = phdrs.filter((ph) => ph.p_type === PT_LOAD);
  const map = (vaddr: bigint): number | undefined => {
    const ph = loads.find((l) => vaddr >= l.p_vaddr && vaddr < l.p_vaddr + l.p_filesz);
    return ph === undefined ? undefined : Number(ph.p_offset + (vaddr - ph.p_vaddr));
  };
  const tables: number[] = [];
  for (const tag of TABLE_TAGS) {
    const v = values.get(tag);
    const off = v === undefined ? undefined : map(v);
    if (off !== undefined) tables.push(off);
  }
  const strAddr = values.get(DT_STRTAB);
  const strOff = strAddr === undefined ? undefined : map(strAddr);
  const strSize = values.get(DT_STRSZ);
  // Without DT_STRSZ the parser's idea of the table's end is not pinned down here.
  if (strOff !== undefined && strSize === undefined) return undefined;
  return { tables, strtab: strOff === undefined ? undefined : span(BigInt(strOff), strSize ?? 0n), symtab: values.get(DT_SYMTAB) };
}

/** [off, off + size), clipped to what a number can hold (the parser refuses the rest itself). */
function span(off: bigint, size: bigint): Range {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  const s = off > max ? max : off;
  const e = off + size > max ? max : off + size;
  return [Number(s), Number(e)];
}

/** A set of filled ranges, kept sorted and merged. */
export interface Filled {
  add(start: number, end: number): void;
  /** The parts of `ranges` (clipped to [0, size)) not filled yet, sorted and merged. */
  missing(ranges: readonly Range[], size: number): Range[];
  /** The filled ranges, sorted and merged. */
  ranges(): readonly Range[];
}

export function filledRanges(): Filled {
  const list: Range[] = [];
  return {
    add(start, end) {
      list.splice(0, list.length, ...merge([...list, [start, end]], Number.MAX_SAFE_INTEGER));
    },
    ranges: () => list,
    missing(ranges, size) {
      const out: [number, number][] = [];
      for (const [rs, re] of merge(ranges, size)) {
        let at = rs;
        for (const [s, e] of list) {
          if (e <= at) continue;
          if (s >= re) break;
          if (s > at) out.push([at, s]);
          at = Math.max(at, e);
          if (at >= re) break;
        }
        if (at < re) out.push([at, re]);
      }
      return out;
    },
  };
}

/** `ranges` clipped to [0, size), sorted and merged. */
export function merge(ranges: readonly Range[], size: number): Range[] {
  const sorted = ranges
    .map(([s, e]): [number, number] => [Math.max(0, s), Math.min(size, e)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** The file ranges of every version record `elf`'s parse followed. Throws what the parse throws. */
function versionRecordRanges(elf: ElfFile): Range[] {
  const out: Range[] = [];
  for (const n of elf.versionNeeds()) {
    out.push([n.offset, n.offset + VERNEED_SIZE]);
    for (const a of n.aux) out.push([a.offset, a.offset + VERNAUX_SIZE]);
  }
  for (const d of elf.versionDefs()) {
    out.push([d.offset, d.offset + VERDEF_SIZE]);
    for (const a of d.aux) out.push([a.offset, a.offset + VERDAUX_SIZE]);
  }
  return out;
}

/** Rounds of following version links into unfilled bytes before the whole file is filled. */
const VERSION_ROUNDS = 3;

/**
 * `bytes` (a sparse buffer whose filled parts `filled` records) parsed once every version record
 * the parse follows was filled in. Version records are linked by offsets that a malformed file
 * may point outside the version sections kept (the loader follows such links too): each round
 * fills the records found missing through `fill`, which may reveal further links, and parses
 * again; after VERSION_ROUNDS, or when the parse fails, the whole file is filled, so a record is
 * never read as zeros. `fill` must record what it fills in `filled`.
 */
export function parseFollowingVersions(bytes: Uint8Array, filled: Filled, fill: (ranges: readonly Range[]) => void): ElfFile {
  const whole: Range[] = [[0, bytes.length]];
  for (let round = 0; round <= VERSION_ROUNDS; round++) {
    let missing: Range[];
    try {
      const elf = parseElf(bytes);
      missing = filled.missing(versionRecordRanges(elf), bytes.length);
      if (missing.length === 0) return elf;
    } catch {
      // A parse error may come from zeros where bytes were not kept: judge the whole file.
      missing = filled.missing(whole, bytes.length);
      if (missing.length === 0) break;
    }
    fill(round < VERSION_ROUNDS ? missing : whole);
  }
  // Everything is filled (or could not be: a file that shrank): the parser has the last word.
  return parseElf(bytes);
}
