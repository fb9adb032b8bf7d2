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
  ELF32_DYN_SIZE,
  ELF64_DYN_SIZE,
} from './constants.js';
import { readCString } from './strtab.js';
import type { DynamicEntry, DynamicInfo, ParseWarning, ProgramHeader } from './types.js';

export type VaddrMapper = (vaddr: bigint, size: number) => number | undefined;

export function dynEntrySize(is64: boolean): number {
  return is64 ? ELF64_DYN_SIZE : ELF32_DYN_SIZE;
}

export function parseDynamic(r: ByteReader, ph: ProgramHeader, mapVaddr: VaddrMapper, warnings: ParseWarning[]): DynamicInfo {
  const entSize = dynEntrySize(r.is64);
  const offset = toOffset(ph.p_offset, r.length, `PT_DYNAMIC (program header ${ph.index}) p_offset`);
  const size = toSize(ph.p_filesz, r.length - offset, `PT_DYNAMIC (program header ${ph.index}) p_filesz`);
  const capacity = Math.floor(size / entSize);
  const entries: DynamicEntry[] = [];
  let nullIndex = -1;
  for (let i = 0; i < capacity; i++) {
    const o = offset + i * entSize;
    // Elf64_Dyn: 0x00 d_tag (Sxword), 0x08 d_val/d_ptr; Elf32_Dyn: 0x00 d_tag, 0x04 d_val.
    const d_tag = r.sword(o, `dynamic entry ${i} d_tag`);
    const d_val = r.word(o + (r.is64 ? 8 : 4), `dynamic entry ${i} d_val`);
    if (d_tag === DT_NULL) {
      nullIndex = i;
      break;
    }
    entries.push({ index: i, d_tag, d_val });
  }
  if (nullIndex < 0 && capacity > 0) {
    warnings.push({ code: 'ELF_NO_DT_NULL', message: `the dynamic array (${capacity} entries at ${hex(offset)}) has no DT_NULL terminator`, offset });
  }

  const first = (tag: bigint): bigint | undefined => entries.find((e) => e.d_tag === tag)?.d_val;
  const strtabAddr = first(DT_STRTAB);
  const strsz = first(DT_STRSZ);
  const usesStrings = entries.some((e) => e.d_tag === DT_NEEDED || e.d_tag === DT_SONAME || e.d_tag === DT_RPATH || e.d_tag === DT_RUNPATH);
  let strtabOffset = 0;
  let strtabSize = 0;
  if (strtabAddr !== undefined) {
    if (strsz === undefined) {
      throw new ElfFormatError('ELF_MALFORMED', 'the dynamic array has DT_STRTAB but no DT_STRSZ');
    }
    strtabSize = toSize(strsz, r.length, 'DT_STRSZ');
    const mapped = mapVaddr(strtabAddr, strtabSize);
    if (mapped === undefined) {
      throw new ElfFormatError(
        'ELF_MALFORMED',
        `DT_STRTAB ${hex(strtabAddr)} (DT_STRSZ ${hex(strtabSize)}) is not inside the file bytes of any PT_LOAD segment`,
      );
    }
    strtabOffset = mapped;
  } else if (usesStrings) {
    throw new ElfFormatError('ELF_MALFORMED', 'the dynamic array names libraries but has no DT_STRTAB');
  }
  const table = { offset: strtabOffset, size: strtabSize };
  const str = (v: bigint, what: string): string => {
    if (v > BigInt(strtabSize)) {
      throw new ElfFormatError('ELF_MALFORMED', `${what}: string offset ${hex(v)} lies outside the dynamic string table (size ${hex(strtabSize)})`);
    }
    return readCString(r, table, Number(v), what, warnings);
  };

  const needed: string[] = [];
  let soname: string | undefined;
  let rpath: string | undefined;
  let runpath: string | undefined;
  let flags: number | undefined;
  let flags1: number | undefined;
  for (const e of entries) {
    switch (e.d_tag) {
      case DT_NEEDED:
        needed.push(str(e.d_val, `DT_NEEDED (dynamic entry ${e.index})`));
        break;
      case DT_SONAME:
        soname ??= str(e.d_val, `DT_SONAME (dynamic entry ${e.index})`);
        break;
      case DT_RPATH:
        rpath ??= str(e.d_val, `DT_RPATH (dynamic entry ${e.index})`);
        break;
      case DT_RUNPATH:
        runpath ??= str(e.d_val, `DT_RUNPATH (dynamic entry ${e.index})`);
        break;
      case DT_FLAGS:
        flags ??= Number(BigInt.asUintN(32, e.d_val));
        break;
      case DT_FLAGS_1:
        flags1 ??= Number(BigInt.asUintN(32, e.d_val));
        break;
      default:
        break;
    }
  }
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
    needed,
    soname,
    rpath,
    runpath,
    flags,
    flags1,
  };
}

/** The first d_val for a tag among the live entries. */
export function dynamicValue(d: DynamicInfo, tag: bigint): bigint | undefined {
  return d.entries.find((e) => e.d_tag === tag)?.d_val;
}
