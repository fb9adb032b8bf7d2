// The dynamic array (gABI "Dynamic Section"), read from PT_DYNAMIC, never from the section
// table, so it works on section-stripped files. Strings are resolved through DT_STRTAB /
// DT_STRSZ, mapped to file offsets by the PT_LOAD segments.
import { ElfFormatError } from '../errors.js';
import { hex, toOffset, toSize, type ByteReader } from '../util/bytes.js';
import {
  DT_FLAGS,
  DT_FLAGS_1,
  DT_NEEDED,
  DT_NULL,
  DT_RPATH,
  DT_RUNPATH,
  DT_SONAME,
  DT_STRSZ,
  DT_STRTAB,
} from './constants.js';
import { DYN, readRecord, recordSize } from './layout.js';
import { readCString } from './strtab.js';
import type { DynamicEntry, DynamicInfo, ParseWarning, ProgramHeader } from './types.js';

export type VaddrMapper = (vaddr: bigint, size: number) => number | undefined;

export function dynEntrySize(is64: boolean): number {
  return recordSize(DYN, is64);
}

export function parseDynamic(r: ByteReader, ph: ProgramHeader, mapVaddr: VaddrMapper, warnings: ParseWarning[]): DynamicInfo {
  const offset = toOffset(ph.p_offset, r.length, `PT_DYNAMIC (program header ${ph.index}) p_offset`);
  const size = toSize(ph.p_filesz, r.length - offset, `PT_DYNAMIC (program header ${ph.index}) p_filesz`);
  const capacity = Math.floor(size / dynEntrySize(r.is64));
  const { entries, nullIndex } = readEntries(r, offset, capacity, warnings);
  const strtabAddr = entries.find((e) => e.d_tag === DT_STRTAB)?.d_val;
  const { strtabOffset, strtabSize } = locateStrings(entries, mapVaddr, r.length);
  return {
    offset,
    size,
    vaddr: ph.p_vaddr,
    capacity,
    entries,
    nullIndex,
    strtabOffset,
    strtabSize,
    strtabAddr: strtabAddr ?? 0n,
    ...namedValues(r, entries, { offset: strtabOffset, size: strtabSize }, warnings),
  };
}

/** The entries before the first DT_NULL (warned about when there is none), and that slot. */
function readEntries(r: ByteReader, offset: number, capacity: number, warnings: ParseWarning[]): { entries: DynamicEntry[]; nullIndex: number } {
  const entSize = dynEntrySize(r.is64);
  const entries: DynamicEntry[] = [];
  for (let i = 0; i < capacity; i++) {
    const { d_tag, d_val } = readRecord(r, DYN, offset + i * entSize, `dynamic entry ${i}`);
    if (d_tag === DT_NULL) return { entries, nullIndex: i };
    entries.push({ index: i, d_tag, d_val });
  }
  if (capacity > 0) warnings.push({ code: 'ELF_NO_DT_NULL', message: `the dynamic array (${capacity} entries at ${hex(offset)}) has no DT_NULL terminator`, offset });
  return { entries, nullIndex: -1 };
}

/** File offset and size of the dynamic string table (DT_STRTAB mapped through the PT_LOADs, DT_STRSZ). */
function locateStrings(entries: readonly DynamicEntry[], mapVaddr: VaddrMapper, fileSize: number): { strtabOffset: number; strtabSize: number } {
  const first = (tag: bigint): bigint | undefined => entries.find((e) => e.d_tag === tag)?.d_val;
  const strtabAddr = first(DT_STRTAB);
  const strsz = first(DT_STRSZ);
  if (strtabAddr === undefined) {
    const usesStrings = entries.some((e) => e.d_tag === DT_NEEDED || e.d_tag === DT_SONAME || e.d_tag === DT_RPATH || e.d_tag === DT_RUNPATH);
    if (usesStrings) throw new ElfFormatError('ELF_MALFORMED', 'the dynamic array names libraries but has no DT_STRTAB');
    return { strtabOffset: 0, strtabSize: 0 };
  }
  if (strsz === undefined) throw new ElfFormatError('ELF_MALFORMED', 'the dynamic array has DT_STRTAB but no DT_STRSZ');
  const strtabSize = toSize(strsz, fileSize, 'DT_STRSZ');
  const mapped = mapVaddr(strtabAddr, strtabSize);
  if (mapped === undefined) {
    throw new ElfFormatError('ELF_MALFORMED', `DT_STRTAB ${hex(strtabAddr)} (DT_STRSZ ${hex(strtabSize)}) is not inside the file bytes of any PT_LOAD segment`);
  }
  return { strtabOffset: mapped, strtabSize };
}

type NamedValues = Pick<DynamicInfo, 'needed' | 'soname' | 'rpath' | 'runpath' | 'flags' | 'flags1'>;

/** DT_NEEDED (all, in order), and the first DT_SONAME, DT_RPATH, DT_RUNPATH, DT_FLAGS, DT_FLAGS_1. */
function namedValues(r: ByteReader, entries: readonly DynamicEntry[], table: { offset: number; size: number }, warnings: ParseWarning[]): NamedValues {
  const str = (v: bigint, what: string): string => {
    if (v > BigInt(table.size)) {
      throw new ElfFormatError('ELF_MALFORMED', `${what}: string offset ${hex(v)} lies outside the dynamic string table (size ${hex(table.size)})`);
    }
    return readCString(r, table, Number(v), what, warnings);
  };
  const out: { -readonly [K in keyof NamedValues]: NamedValues[K] } = { needed: [], soname: undefined, rpath: undefined, runpath: undefined, flags: undefined, flags1: undefined };
  const needed: string[] = [];
  for (const e of entries) {
    const what = `(dynamic entry ${e.index})`;
    switch (e.d_tag) {
      case DT_NEEDED:
        needed.push(str(e.d_val, `DT_NEEDED ${what}`));
        break;
      case DT_SONAME:
        out.soname ??= str(e.d_val, `DT_SONAME ${what}`);
        break;
      case DT_RPATH:
        out.rpath ??= str(e.d_val, `DT_RPATH ${what}`);
        break;
      case DT_RUNPATH:
        out.runpath ??= str(e.d_val, `DT_RUNPATH ${what}`);
        break;
      case DT_FLAGS:
        out.flags ??= Number(BigInt.asUintN(32, e.d_val));
        break;
      case DT_FLAGS_1:
        out.flags1 ??= Number(BigInt.asUintN(32, e.d_val));
        break;
      default:
        break;
    }
  }
  return { ...out, needed };
}

/** The first d_val for a tag among the live entries. */
export function dynamicValue(d: DynamicInfo, tag: bigint): bigint | undefined {
  return d.entries.find((e) => e.d_tag === tag)?.d_val;
}
