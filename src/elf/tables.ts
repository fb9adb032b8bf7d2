// The tables the loader reaches without section headers: each one's place and exact size,
// from the program headers (PT_INTERP, PT_NOTE, PT_GNU_PROPERTY) and the dynamic array
// (hash tables, .dynsym, .dynstr, symbol versions, dynamic relocations). The editor uses
// them where a file has no section headers (an `sstrip`ped file) to know which bytes after
// the program header table it may move. A table whose size cannot be derived exactly, or
// whose address and offset disagree with the PT_LOAD mapping, is left out: its bytes then
// count as unknown, and unknown bytes are never moved or overwritten.
import { ByteReader, hex } from '../util/bytes.js';
import {
  DT_ANDROID_REL,
  DT_ANDROID_RELA,
  DT_ANDROID_RELASZ,
  DT_ANDROID_RELSZ,
  DT_GNU_HASH,
  DT_HASH,
  DT_JMPREL,
  DT_PLTRELSZ,
  DT_REL,
  DT_RELA,
  DT_RELASZ,
  DT_RELR,
  DT_RELRSZ,
  DT_RELSZ,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMTAB,
  DT_VERDEF,
  DT_VERNEED,
  DT_VERSYM,
  PT_GNU_PROPERTY,
  PT_INTERP,
  PT_NOTE,
  VERDAUX_SIZE,
  VERDEF_SIZE,
  VERNAUX_SIZE,
  VERNEED_SIZE,
} from './constants.js';
import { dynamicValue } from './dynamic.js';
import { gnuHashExtent, hashEntrySize, readHashHeader, symEntrySize } from './symbols.js';
import type { DynamicInfo, ElfFile } from './types.js';

/** A loaded table: where it is in memory and in the file, and its exact size. */
export interface LoadedTable {
  /** For messages: '.gnu.hash', 'PT_NOTE (program header 4)', or several joined by '+'. */
  readonly name: string;
  readonly vaddr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  /** The alignment it needs where it is copied to (a power of two). */
  readonly align: bigint;
  /**
   * Addresses a dynamic tag or program header may name: the start of each table merged into
   * this one (tables that overlap, such as DT_JMPREL inside DT_RELA, move as one block).
   */
  readonly starts: readonly bigint[];
}

/** One table as the dynamic array or a program header describes it, before placement. */
export interface TableExtent {
  readonly name: string;
  readonly vaddr: bigint;
  readonly size: bigint;
  readonly align: bigint;
  /** The dynamic tag holding its address, for tables the dynamic array names. */
  readonly tag?: bigint;
  /** Set for tables a program header gives the offset of; else it comes from the mapping. */
  readonly offset?: bigint;
}

/** Dynamic tags whose table size is another tag's value. */
const SIZED_TABLES: readonly (readonly [bigint, bigint, string])[] = [
  [DT_STRTAB, DT_STRSZ, '.dynstr'],
  [DT_RELA, DT_RELASZ, 'DT_RELA'],
  [DT_REL, DT_RELSZ, 'DT_REL'],
  [DT_JMPREL, DT_PLTRELSZ, 'DT_JMPREL'],
  [DT_RELR, DT_RELRSZ, 'DT_RELR'],
  [DT_ANDROID_RELA, DT_ANDROID_RELASZ, 'DT_ANDROID_RELA'],
  [DT_ANDROID_REL, DT_ANDROID_RELSZ, 'DT_ANDROID_REL'],
];

function powerOfTwo(a: bigint): bigint {
  return a > 0n && (a & (a - 1n)) === 0n ? a : 1n;
}

/** Byte extent of a chain of version records starting at `start` (file offsets of its records). */
function chainExtent(start: number, records: readonly (readonly [number, number])[]): bigint | undefined {
  let end = start;
  for (const [at, size] of records) {
    if (at < start) return undefined; // records before the table's address: no single extent
    end = Math.max(end, at + size);
  }
  return BigInt(end - start);
}

/** The tables the dynamic array names, with their exact sizes (see the file comment). */
export function dynamicTableExtents(elf: ElfFile, dyn: DynamicInfo): TableExtent[] {
  const is64 = elf.ident.elfClass === 64;
  const word = is64 ? 8n : 4n;
  const out: TableExtent[] = [];
  const at = (tag: bigint): bigint | undefined => dynamicValue(dyn, tag);
  const r = new ByteReader(elf.bytes, elf.ident.littleEndian, is64);
  const hashEntry = hashEntrySize(elf.header.e_machine, is64);
  const hash = readHashHeader(r, dyn, elf.vaddrToOffset, hashEntry);
  const hashAddr = at(DT_HASH);
  if (hash !== undefined && hashAddr !== undefined) {
    out.push({ name: '.hash', tag: DT_HASH, vaddr: hashAddr, size: BigInt((2 + hash.nbucket + hash.nchain) * hashEntry), align: BigInt(hashEntry) });
  }
  const gnu = gnuHashExtent(r, dyn, elf.vaddrToOffset);
  const gnuAddr = at(DT_GNU_HASH);
  if (gnu !== undefined && gnuAddr !== undefined) out.push({ name: '.gnu.hash', tag: DT_GNU_HASH, vaddr: gnuAddr, size: BigInt(gnu.size), align: word });
  const symtab = at(DT_SYMTAB);
  const nsyms = BigInt(elf.dynamicSymbolCount());
  if (symtab !== undefined) out.push({ name: '.dynsym', tag: DT_SYMTAB, vaddr: symtab, size: nsyms * BigInt(symEntrySize(is64)), align: word });
  const versym = at(DT_VERSYM);
  if (versym !== undefined) out.push({ name: '.gnu.version', tag: DT_VERSYM, vaddr: versym, size: nsyms * 2n, align: 2n });
  const verneed = at(DT_VERNEED);
  const verneedOff = verneed === undefined ? undefined : elf.vaddrToOffset(verneed, 1);
  if (verneed !== undefined && verneedOff !== undefined) {
    const recs = elf.versionNeeds().flatMap((n) => [[n.offset, VERNEED_SIZE] as const, ...n.aux.map((a) => [a.offset, VERNAUX_SIZE] as const)]);
    const size = chainExtent(verneedOff, recs);
    if (size !== undefined) out.push({ name: '.gnu.version_r', tag: DT_VERNEED, vaddr: verneed, size, align: word });
  }
  const verdef = at(DT_VERDEF);
  const verdefOff = verdef === undefined ? undefined : elf.vaddrToOffset(verdef, 1);
  if (verdef !== undefined && verdefOff !== undefined) {
    const recs = elf.versionDefs().flatMap((d) => [[d.offset, VERDEF_SIZE] as const, ...d.aux.map((a) => [a.offset, VERDAUX_SIZE] as const)]);
    const size = chainExtent(verdefOff, recs);
    if (size !== undefined) out.push({ name: '.gnu.version_d', tag: DT_VERDEF, vaddr: verdef, size, align: word });
  }
  for (const [addrTag, sizeTag, name] of SIZED_TABLES) {
    const addr = at(addrTag);
    const size = at(sizeTag);
    if (addr !== undefined && size !== undefined) out.push({ name, tag: addrTag, vaddr: addr, size, align: addrTag === DT_STRTAB ? 1n : word });
  }
  return out;
}

/**
 * Every table the loader reaches through the program headers and the dynamic array, with
 * overlapping ones merged, sorted by file offset. Empty tables are left out (nothing to move).
 */
export function loadedTables(elf: ElfFile): LoadedTable[] {
  const candidates: TableExtent[] = [];
  for (const p of elf.programHeaders) {
    if (p.p_type !== PT_INTERP && p.p_type !== PT_NOTE && p.p_type !== PT_GNU_PROPERTY) continue;
    const kind = p.p_type === PT_INTERP ? 'PT_INTERP' : p.p_type === PT_NOTE ? 'PT_NOTE' : 'PT_GNU_PROPERTY';
    // Notes are 4- or 8-aligned (gABI); the segment's p_align says which.
    const align = p.p_type === PT_INTERP ? 1n : p.p_align >= 8n ? 8n : 4n;
    candidates.push({ name: `${kind} (program header ${p.index})`, vaddr: p.p_vaddr, size: p.p_filesz, align, offset: p.p_offset });
  }
  if (elf.dynamic !== undefined) candidates.push(...dynamicTableExtents(elf, elf.dynamic));

  const placed: LoadedTable[] = [];
  for (const c of candidates) {
    if (c.size === 0n || c.size > BigInt(elf.bytes.length)) continue;
    const mapped = elf.vaddrToOffset(c.vaddr, Number(c.size));
    // A table must be where the PT_LOAD mapping puts it (a program header's own offset must agree).
    if (mapped === undefined || (c.offset !== undefined && BigInt(mapped) !== c.offset)) continue;
    placed.push({ name: c.name, vaddr: c.vaddr, offset: BigInt(mapped), size: c.size, align: powerOfTwo(c.align), starts: [c.vaddr] });
  }
  placed.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  const merged: LoadedTable[] = [];
  let broken = false;
  for (const t of placed) {
    const last = merged[merged.length - 1];
    if (last !== undefined && t.offset < last.offset + last.size) {
      // Overlapping tables move together, which needs their addresses to overlap the same
      // way; bytes mapped twice at different addresses are left out as unknown.
      if (t.vaddr - t.offset !== last.vaddr - last.offset) broken = true;
      const end = t.offset + t.size > last.offset + last.size ? t.offset + t.size : last.offset + last.size;
      const same = last.name === t.name ? last.name : `${last.name}+${t.name}`;
      merged[merged.length - 1] = {
        name: same,
        vaddr: last.vaddr,
        offset: last.offset,
        size: end - last.offset,
        align: t.align > last.align ? t.align : last.align,
        starts: last.starts.includes(t.vaddr) ? last.starts : [...last.starts, t.vaddr],
      };
    } else {
      if (broken) merged.pop();
      broken = false;
      merged.push(t);
    }
  }
  if (broken) merged.pop();
  return merged;
}

/** '.gnu.hash at 0x260 (0x38 bytes)': how messages name a table. */
export function describeTable(t: LoadedTable): string {
  return `${t.name} at ${hex(t.vaddr)} (${hex(t.size)} bytes)`;
}
