// The dynamic symbol table (.dynsym), located by DT_SYMTAB. Its length is not in the dynamic
// array, so it comes from the SHT_DYNSYM section when there is one, else from DT_HASH's
// nchain, else from walking DT_GNU_HASH — the same order of trust as the loader's tools.
// .symtab is never read: the analysis only needs what the loader sees.
import { ElfFormatError } from '../errors.js';
import { hex, toOffset, toSize, type ByteReader } from '../util/bytes.js';
import { DT_GNU_HASH, DT_HASH, DT_SYMENT, DT_SYMTAB, ELF32_SYM_SIZE, ELF64_SYM_SIZE, EM_ALPHA, EM_S390, SHT_DYNSYM } from './constants.js';
import { dynamicValue, type VaddrMapper } from './dynamic.js';
import { readCString } from './strtab.js';
import type { DynamicInfo, ElfSymbol, ParseWarning, SectionHeader } from './types.js';

export function symEntrySize(is64: boolean): number {
  return is64 ? ELF64_SYM_SIZE : ELF32_SYM_SIZE;
}

/** Where the dynamic symbols are: file offset and entry count. */
export interface SymtabLocation {
  readonly offset: number;
  readonly count: number;
}

/**
 * Size of one DT_HASH word: 8 bytes on 64-bit s390 and Alpha (their psABIs and glibc's
 * Elf_Symndx), 4 everywhere else.
 */
export function hashEntrySize(e_machine: number, is64: boolean): 4 | 8 {
  return is64 && (e_machine === EM_S390 || e_machine === EM_ALPHA) ? 8 : 4;
}

/** The DT_HASH header: nbucket and nchain (= the number of symbols), each `entry` bytes. */
export function readHashHeader(r: ByteReader, dyn: DynamicInfo, mapVaddr: VaddrMapper, entry: 4 | 8): { offset: number; nbucket: number; nchain: number } | undefined {
  const hashAddr = dynamicValue(dyn, DT_HASH);
  if (hashAddr === undefined) return undefined;
  const off = mapVaddr(hashAddr, 2 * entry);
  if (off === undefined) throw new ElfFormatError('ELF_MALFORMED', `DT_HASH ${hex(hashAddr)} is not inside any PT_LOAD segment`);
  // DT_HASH: 0x00 nbucket, then nchain, each one hash word.
  const word = (at: number, what: string): number => {
    if (entry === 4) return r.u32(at, what);
    const v = r.u64(at, what);
    if (v > BigInt(r.length)) throw new ElfFormatError('ELF_MALFORMED', `${what} ${hex(v)} is larger than the file`);
    return Number(v);
  };
  return { offset: off, nbucket: word(off, 'DT_HASH nbucket'), nchain: word(off + entry, 'DT_HASH nchain') };
}

/**
 * The number of dynamic symbols a DT_GNU_HASH table covers (symoffset plus every chained
 * symbol), with the table's byte size; undefined without DT_GNU_HASH.
 */
export function gnuHashExtent(r: ByteReader, dyn: DynamicInfo, mapVaddr: VaddrMapper): { count: number; size: number } | undefined {
  const addr = dynamicValue(dyn, DT_GNU_HASH);
  if (addr === undefined) return undefined;
  const off = mapVaddr(addr, 16);
  if (off === undefined) throw new ElfFormatError('ELF_MALFORMED', `DT_GNU_HASH ${hex(addr)} is not inside any PT_LOAD segment`);
  const count = countFromGnuHash(r, dyn, mapVaddr) ?? 0;
  const nbuckets = r.u32(off, 'DT_GNU_HASH nbuckets');
  const symoffset = r.u32(off + 4, 'DT_GNU_HASH symoffset');
  const bloomSize = r.u32(off + 8, 'DT_GNU_HASH bloom_size');
  const size = 16 + bloomSize * (r.is64 ? 8 : 4) + nbuckets * 4 + Math.max(0, count - symoffset) * 4;
  return { count, size };
}

function countFromGnuHash(r: ByteReader, dyn: DynamicInfo, mapVaddr: VaddrMapper): number | undefined {
  const addr = dynamicValue(dyn, DT_GNU_HASH);
  if (addr === undefined) return undefined;
  const off = mapVaddr(addr, 16);
  if (off === undefined) throw new ElfFormatError('ELF_MALFORMED', `DT_GNU_HASH ${hex(addr)} is not inside any PT_LOAD segment`);
  // DT_GNU_HASH header: nbuckets, symoffset, bloom_size, bloom_shift (4 x u32), then the bloom
  // words (ELFCLASS-sized), the buckets (u32) and the chain (u32, one per hashed symbol).
  const nbuckets = r.u32(off, 'DT_GNU_HASH nbuckets');
  const symoffset = r.u32(off + 4, 'DT_GNU_HASH symoffset');
  const bloomSize = r.u32(off + 8, 'DT_GNU_HASH bloom_size');
  const bloomBytes = bloomSize * (r.is64 ? 8 : 4);
  const bucketsOff = off + 16 + bloomBytes;
  r.check(bucketsOff, nbuckets * 4, 'DT_GNU_HASH buckets');
  let maxIndex = 0;
  for (let i = 0; i < nbuckets; i++) maxIndex = Math.max(maxIndex, r.u32(bucketsOff + i * 4, 'DT_GNU_HASH bucket'));
  if (maxIndex === 0) return symoffset;
  if (maxIndex < symoffset) throw new ElfFormatError('ELF_MALFORMED', `DT_GNU_HASH bucket ${maxIndex} is below symoffset ${symoffset}`);
  const chainOff = bucketsOff + nbuckets * 4;
  // Walk the last chain to its end bit; each step is bounds-checked, so this stops at EOF.
  let idx = maxIndex;
  for (;;) {
    const h = r.u32(chainOff + (idx - symoffset) * 4, 'DT_GNU_HASH chain');
    if (h & 1) break;
    idx++;
  }
  return idx + 1;
}

export function locateDynamicSymbols(
  r: ByteReader,
  dyn: DynamicInfo | undefined,
  sections: readonly SectionHeader[],
  mapVaddr: VaddrMapper,
  hashEntry: 4 | 8,
): SymtabLocation | undefined {
  const entSize = symEntrySize(r.is64);
  const symtabAddr = dyn === undefined ? undefined : dynamicValue(dyn, DT_SYMTAB);
  if (dyn !== undefined) {
    const syment = dynamicValue(dyn, DT_SYMENT);
    if (syment !== undefined && syment !== BigInt(entSize)) {
      throw new ElfFormatError('ELF_MALFORMED', `DT_SYMENT is ${syment}, expected ${entSize}`);
    }
  }
  const section = sections.find((s) => s.sh_type === SHT_DYNSYM && (symtabAddr === undefined || s.sh_addr === symtabAddr));
  if (section !== undefined) {
    const size = toSize(section.sh_size, r.length, `section ${section.name} sh_size`);
    const offset = toOffset(section.sh_offset, r.length, `section ${section.name} sh_offset`);
    r.check(offset, size, `section ${section.name}`);
    return { offset, count: Math.floor(size / entSize) };
  }
  if (dyn === undefined || symtabAddr === undefined) return undefined;
  const count = readHashHeader(r, dyn, mapVaddr, hashEntry)?.nchain ?? countFromGnuHash(r, dyn, mapVaddr);
  if (count === undefined) {
    throw new ElfFormatError('ELF_MALFORMED', 'cannot size the dynamic symbol table: no .dynsym section, DT_HASH or DT_GNU_HASH');
  }
  // Count check before allocating: the table must fit in the file.
  if (count > Math.floor(r.length / entSize)) {
    throw new ElfFormatError('ELF_TRUNCATED', `dynamic symbol count ${count} cannot fit in the file (size ${hex(r.length)})`);
  }
  const offset = mapVaddr(symtabAddr, count * entSize);
  if (offset === undefined) {
    throw new ElfFormatError('ELF_MALFORMED', `DT_SYMTAB ${hex(symtabAddr)} (${count} symbols) is not inside any PT_LOAD segment`);
  }
  return { offset, count };
}

export function parseSymbols(
  r: ByteReader,
  loc: SymtabLocation,
  strtab: { offset: number; size: number },
  warnings: ParseWarning[],
): ElfSymbol[] {
  const entSize = symEntrySize(r.is64);
  r.check(loc.offset, loc.count * entSize, 'dynamic symbol table');
  const out: ElfSymbol[] = new Array<ElfSymbol>(loc.count);
  // The whole table was bounds-checked above, so fields are read straight from the view:
  // per-field checks and labels would dominate on libraries with 100k symbols.
  const v = r.view;
  const le = r.littleEndian;
  for (let i = 0; i < loc.count; i++) {
    const o = loc.offset + i * entSize;
    let st_name: number, st_info: number, st_other: number, st_shndx: number, st_value: bigint, st_size: bigint;
    if (r.is64) {
      st_name = v.getUint32(o, le); // 0x00 st_name
      st_info = v.getUint8(o + 4); // 0x04 st_info
      st_other = v.getUint8(o + 5); // 0x05 st_other
      st_shndx = v.getUint16(o + 6, le); // 0x06 st_shndx
      st_value = v.getBigUint64(o + 8, le); // 0x08 st_value
      st_size = v.getBigUint64(o + 16, le); // 0x10 st_size
    } else {
      st_name = v.getUint32(o, le); // 0x00 st_name
      st_value = BigInt(v.getUint32(o + 4, le)); // 0x04 st_value
      st_size = BigInt(v.getUint32(o + 8, le)); // 0x08 st_size
      st_info = v.getUint8(o + 12); // 0x0c st_info
      st_other = v.getUint8(o + 13); // 0x0d st_other
      st_shndx = v.getUint16(o + 14, le); // 0x0e st_shndx
    }
    const name = st_name === 0 ? '' : readCString(r, strtab, st_name, 'dynamic symbol name', warnings);
    out[i] = {
      index: i,
      st_name,
      name,
      st_value,
      st_size,
      st_info,
      st_other,
      st_shndx,
      bind: st_info >> 4,
      type: st_info & 0xf,
      visibility: st_other & 0x3,
    };
  }
  return out;
}

/** One dynamic symbol as the scan sees it: raw fields, the name decoded only on demand. */
export interface SymbolScan {
  readonly index: number;
  readonly st_info: number;
  readonly st_shndx: number;
  readonly st_name: number;
}

/**
 * Visit every dynamic symbol without building the table: no object is kept per symbol, and
 * names are decoded only when the visitor asks (a 100k-symbol C++ library stays cheap).
 */
export function scanSymbols(r: ByteReader, loc: SymtabLocation, visit: (s: SymbolScan) => void): void {
  const entSize = symEntrySize(r.is64);
  r.check(loc.offset, loc.count * entSize, 'dynamic symbol table');
  const v = r.view;
  const le = r.littleEndian;
  const scan = { index: 0, st_info: 0, st_shndx: 0, st_name: 0 };
  for (let i = 0; i < loc.count; i++) {
    const o = loc.offset + i * entSize;
    scan.index = i;
    scan.st_name = v.getUint32(o, le); // 0x00 st_name (both classes)
    scan.st_info = v.getUint8(o + (r.is64 ? 4 : 12)); // st_info
    scan.st_shndx = v.getUint16(o + (r.is64 ? 6 : 14), le); // st_shndx
    visit(scan);
  }
}

/** Does the NUL-terminated string at `index` in `table` equal `expected` (ASCII)? */
export function stringEquals(r: ByteReader, table: { offset: number; size: number }, index: number, expected: string): boolean {
  if (index < 0 || index + expected.length >= table.size) return false;
  const b = r.bytes;
  const at = table.offset + index;
  for (let i = 0; i < expected.length; i++) if (b[at + i] !== expected.charCodeAt(i)) return false;
  return b[at + expected.length] === 0;
}
