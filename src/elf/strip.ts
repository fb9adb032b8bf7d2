// stripElf: drop symbol tables and debug information from an executable or shared object, as
// `strip --strip-all` does, without a strip binary (gABI ch. 4 "Sections", "Symbol Table").
// The loaded image stays byte-for-byte where it is; only the non-alloc tail and the section
// header table are rebuilt. Refuses relocatable objects and core files (parseElf does).
import { ElfFormatError, InternalError } from '../errors.js';
import { ByteReader, ByteWriter, hex, toOffset, toSize } from '../util/bytes.js';
import {
  SHF_ALLOC,
  SHF_INFO_LINK,
  SHN_LORESERVE,
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_NOBITS,
  SHT_NULL,
  SHT_REL,
  SHT_RELA,
  SHT_RELR,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
} from './constants.js';
import { addrSize, EHDR, fieldAt, recordSize, SHDR, SYM, writeRecord } from './layout.js';
import { bridgeGaps, freePieces, mergeRanges, type Range } from './ranges.js';
import { parseElf } from './read.js';
import { verifyStrip } from './self-check.js';
import type { ElfFile, SectionHeader } from './types.js';

/** The largest sh_addralign honoured when re-packing a non-alloc section. */
const MAX_TAIL_ALIGN = 0x10000;

/** The result of {@link stripElf}. */
export interface StripResult {
  /** The stripped image; the input object itself when nothing was removed. */
  readonly bytes: Uint8Array;
  /** Names of the removed sections, in section-header order. */
  readonly removedSections: readonly string[];
  /** input length minus output length. */
  readonly savedBytes: number;
}

/** Non-alloc sections strip --strip-all treats as debugging information, by name. */
const DEBUG_PREFIXES = ['.debug', '.zdebug', '.gnu.linkonce.wi.', '.gnu.debuglto_', '.stab', '.line'];
/** Also dropped by name: .gdb_index (as GNU strip does), the MiniDebugInfo blob and the pointers to separate debug files (GNU strip keeps the last three). */
const DEBUG_NAMES = new Set(['.gdb_index', '.gnu_debugdata', '.gnu_debuglink', '.gnu_debugaltlink']);

function isDebugName(name: string): boolean {
  return DEBUG_NAMES.has(name) || DEBUG_PREFIXES.some((p) => name.startsWith(p));
}

const isAlloc = (s: SectionHeader): boolean => (s.sh_flags & SHF_ALLOC) !== 0n;
const isReloc = (s: SectionHeader): boolean => s.sh_type === SHT_REL || s.sh_type === SHT_RELA || s.sh_type === SHT_RELR;
/** Whether sh_info names a section (for the other types it is a count or a symbol index). */
const infoIsSection = (s: SectionHeader): boolean => (s.sh_flags & SHF_INFO_LINK) !== 0n || s.sh_type === SHT_REL || s.sh_type === SHT_RELA;
const hasBytes = (s: SectionHeader): boolean => s.sh_type !== SHT_NOBITS && s.sh_type !== SHT_NULL && s.sh_size !== 0n;
const label = (s: SectionHeader): string => (s.name === '' ? `section ${s.index}` : `section ${s.index} (${s.name})`);

/** Which sections go: indexes, in header order. Never index 0, e_shstrndx or an alloc section. */
function chooseRemoved(secs: readonly SectionHeader[], shstrndx: number): Set<number> {
  const removed = new Set<number>();
  const candidate = (s: SectionHeader): boolean => s.index !== 0 && s.index !== shstrndx && !isAlloc(s) && !removed.has(s.index);
  for (const s of secs) {
    if (candidate(s) && (s.sh_type === SHT_SYMTAB || isDebugName(s.name))) removed.add(s.index);
  }
  // Sections that only make sense with a removed one: relocations for it or against the removed
  // symbol table, its SHT_SYMTAB_SHNDX, groups and other data indexed by .symtab.
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of secs) {
      if (!candidate(s)) continue;
      const linkGone = s.sh_link !== 0 && removed.has(s.sh_link);
      const infoGone = infoIsSection(s) && s.sh_info !== 0 && removed.has(s.sh_info);
      const linkedSymtab = linkGone && secs[s.sh_link]?.sh_type === SHT_SYMTAB;
      if ((isReloc(s) && (linkGone || infoGone)) || (s.sh_type === SHT_SYMTAB_SHNDX && linkGone) || linkedSymtab || infoGone) {
        removed.add(s.index);
        grew = true;
      }
    }
  }
  // A string table goes when it had users and all of them went (.strtab after .symtab).
  const users = new Map<number, SectionHeader[]>();
  for (const u of secs) {
    if (u.sh_link === 0 || u.sh_link === u.index) continue;
    const list = users.get(u.sh_link);
    if (list === undefined) users.set(u.sh_link, [u]);
    else list.push(u);
  }
  for (const s of secs) {
    if (!candidate(s) || s.sh_type !== SHT_STRTAB) continue;
    const list = users.get(s.index) ?? [];
    if (list.length > 0 && list.every((u) => removed.has(u.index))) removed.add(s.index);
  }
  return removed;
}

function alignOf(s: SectionHeader): number {
  const a = s.sh_addralign;
  if (a <= 1n) return 1;
  if ((a & (a - 1n)) !== 0n) {
    throw new ElfFormatError('ELF_MALFORMED', `${label(s)} sh_addralign ${hex(a)} is not a power of two`);
  }
  if (a > BigInt(MAX_TAIL_ALIGN)) {
    throw new ElfFormatError('ELF_UNSUPPORTED', `${label(s)} sh_addralign ${hex(a)} is larger than ${hex(MAX_TAIL_ALIGN)}, refusing to re-pack it`);
  }
  return Number(a);
}

/** The smallest offset >= pos that is congruent to `old` modulo `align` (a power of two). */
function placeAt(pos: number, old: number, align: number): number {
  return pos + ((((old - pos) % align) + align) % align);
}

/** The bytes of a name in the section-name table, or undefined when it cannot be read exactly. */
function rawName(table: Uint8Array, index: number): Uint8Array | undefined {
  if (index < 0 || index >= table.length) return undefined;
  const end = table.indexOf(0, index);
  return end < 0 ? undefined : table.subarray(index, end);
}

/**
 * A new section-name table holding only `names` (raw bytes), each one reusing the tail of a longer
 * name when it can. Returns the table and each name's offset.
 */
function buildNameTable(names: readonly Uint8Array[]): { table: Uint8Array; offsets: number[] } {
  const key = (b: Uint8Array): string => {
    let k = '';
    for (let i = 0; i < b.length; i += 4096) k += String.fromCharCode(...b.subarray(i, i + 4096));
    return k;
  };
  const at = new Map<string, number>([['', 0]]);
  const order = names.map((n, i) => ({ n, i })).sort((a, b) => b.n.length - a.n.length || a.i - b.i);
  const parts: Uint8Array[] = [new Uint8Array(1)];
  let size = 1;
  for (const { n } of order) {
    if (at.has(key(n))) continue;
    // Register every suffix for tail merging (short names only: the cost is quadratic).
    for (let k = 0; k < (n.length <= 256 ? n.length : 1); k++) {
      const suffix = key(n.subarray(k));
      if (!at.has(suffix)) at.set(suffix, size + k);
    }
    parts.push(n, new Uint8Array(1));
    size += n.length + 1;
  }
  const table = new Uint8Array(size);
  let p = 0;
  for (const part of parts) {
    table.set(part, p);
    p += part.length;
  }
  return { table, offsets: names.map((n) => at.get(key(n)) ?? 0) };
}

interface Placed {
  readonly s: SectionHeader;
  sh_offset: bigint;
  sh_name: number;
  sh_size: bigint;
}

/**
 * Remove the symbol table, debug sections and what depends on them, like `strip --strip-all`.
 *
 * Removed: non-alloc SHT_SYMTAB and its SHT_SYMTAB_SHNDX, the string table only they used,
 * `.debug*`, `.zdebug*`, `.stab*`, `.line*`, `.gnu.linkonce.wi.*`, `.gnu.debuglto_*`, `.gdb_index`,
 * and (unlike GNU strip, which keeps them) `.gnu_debugdata`, `.gnu_debuglink`, `.gnu_debugaltlink`;
 * then every non-alloc relocation section whose target or symbol table went, and any other
 * non-alloc section indexed by the removed symbol table. Everything else is kept.
 *
 * Layout: the bytes every program header covers, the ELF header and program header table and
 * every alloc section stay where they are. The only bytes rewritten inside that image are
 * e_shoff/e_shnum/e_shstrndx and, only when a removed section preceded an alloc one in the
 * header table, the st_shndx fields of .dynsym. Kept non-alloc sections past the image are
 * re-packed after it in file order (alignment kept), .shstrtab rebuilt with only the kept
 * names, then the new section header table. Bytes past the image that no kept section covers
 * (data appended after the old section header table, say) are dropped, as GNU strip drops
 * them. In a file an editor already extended past its old tail, removed sections lying inside
 * the image cannot move: their bytes are zeroed and may hold the new section header table.
 *
 * A file without section headers, or with nothing to remove, comes back unchanged: the input
 * object itself, trailing bytes included. The input is never mutated. The output is re-parsed
 * and checked (same program headers, same kept sections and bytes) before it is returned.
 *
 * Throws ElfFormatError: ELF_UNSUPPORTED (ET_REL/ET_CORE, a .dynsym symbol in a removed section,
 * SHN_XINDEX symbols or SHT_SYMTAB_SHNDX when sections are renumbered, absurd alignments),
 * ELF_TRUNCATED / ELF_MALFORMED (sections outside the file, bad alignment); ElfSelfCheckError
 * (an internal error: the output failed verification, a bug).
 */
export function stripElf(input: Uint8Array): StripResult {
  const elf = parseElf(input);
  const unchanged: StripResult = { bytes: input, removedSections: [], savedBytes: 0 };
  const h = elf.header;
  if (h.e_shnum === 0 || h.e_shoff === 0n) return unchanged;
  const secs = elf.sections();
  const removed = chooseRemoved(secs, h.e_shstrndx);
  if (removed.size === 0) return unchanged;

  const plan = planStrip(elf, removed);
  const tail = placeTail(plan);
  const sht = placeHeaderTable(plan, tail.end);
  const out = new Uint8Array(sht.total);
  out.set(input.subarray(0, plan.imageEnd), 0);
  for (const c of tail.copies) out.set(c.data ?? input.subarray(c.from.start, c.from.end), c.to);
  for (const hole of sht.holes) out.fill(0, hole.start, hole.end);
  const w = new ByteWriter(out, elf.ident.littleEndian, elf.ident.elfClass === 64);
  if (plan.renumbered) renumberDynsym(elf, out, w, plan.newIndex, plan.kept);
  writeSectionHeaders(w, elf, plan.kept, tail.placed, plan.newIndex, sht.shoff);

  verifyStrip(elf, out, plan.kept, plan.renumbered);
  return {
    bytes: out,
    removedSections: secs.filter((s) => removed.has(s.index)).map((s) => (s.name === '' ? `[${s.index}]` : s.name)),
    savedBytes: input.length - out.length,
  };
}

/** What strip keeps where (planStrip); the writing phases work from it. */
interface StripPlan {
  readonly elf: ElfFile;
  readonly removed: ReadonlySet<number>;
  /** File bytes of every section that has some, by section index (all inside the file). */
  readonly ranges: ReadonlyMap<number, Range>;
  /** New index of every old section (-1: removed), and the kept sections in order. */
  readonly newIndex: Int32Array;
  readonly kept: readonly SectionHeader[];
  readonly renumbered: boolean;
  /** Everything that stays where it is (the image), and its end. */
  readonly fixed: readonly Range[];
  readonly imageEnd: number;
  /** Kept non-alloc sections past the image, grouped where their bytes overlap. */
  readonly clusters: readonly Cluster[];
  /** The rebuilt .shstrtab (kept names only), when it can be rebuilt. */
  readonly names: { readonly table: Uint8Array; readonly offsets: readonly number[] } | undefined;
}

interface Cluster {
  start: number;
  end: number;
  align: number;
  readonly members: SectionHeader[];
}

/** Section ranges, new indexes, the fixed image, the tail clusters and the new name table. */
function planStrip(elf: ElfFile, removed: ReadonlySet<number>): StripPlan {
  const secs = elf.sections();
  const len = elf.bytes.length;
  // Every section with file bytes must lie inside the file.
  const ranges = new Map<number, Range>();
  for (const s of secs) {
    if (!hasBytes(s)) continue;
    const start = toOffset(s.sh_offset, len, `${label(s)} sh_offset`);
    ranges.set(s.index, { start, end: start + toSize(s.sh_size, len - start, `${label(s)} sh_size`) });
  }
  const newIndex = new Int32Array(secs.length);
  let next = 0;
  for (const s of secs) newIndex[s.index] = removed.has(s.index) ? -1 : next++;
  const kept = secs.filter((s) => !removed.has(s.index));
  const { fixed, imageEnd, tail } = imageOf(elf, kept, ranges);
  const clusters = clustersOf(tail, ranges);
  const names = rebuiltNames(elf, kept, ranges, clusters);
  return { elf, removed, ranges, newIndex, kept, renumbered: kept.some((s) => newIndex[s.index] !== s.index), fixed, imageEnd, clusters, names };
}

/**
 * The image: ELF header, program header table, every program header's file range, every alloc
 * section. Kept non-alloc sections that start inside it stay where they are and extend it; the
 * others form the tail, in file order.
 */
function imageOf(elf: ElfFile, kept: readonly SectionHeader[], ranges: ReadonlyMap<number, Range>): { fixed: Range[]; imageEnd: number; tail: SectionHeader[] } {
  const h = elf.header;
  const len = elf.bytes.length;
  const fixed: Range[] = [{ start: 0, end: recordSize(EHDR, elf.ident.elfClass === 64) }];
  if (h.e_phnum > 0) {
    const phoff = toOffset(h.e_phoff, len, 'e_phoff');
    fixed.push({ start: phoff, end: phoff + h.e_phnum * h.e_phentsize });
  }
  for (const ph of elf.programHeaders) {
    if (ph.p_filesz === 0n) continue;
    const start = toOffset(ph.p_offset, len, `program header ${ph.index} p_offset`);
    fixed.push({ start, end: start + toSize(ph.p_filesz, len - start, `program header ${ph.index} p_filesz`) });
  }
  for (const s of elf.sections()) {
    const r = ranges.get(s.index);
    if (r !== undefined && isAlloc(s)) fixed.push(r);
  }
  let imageEnd = fixed.reduce((m, r) => Math.max(m, r.end), 0);
  const tail: SectionHeader[] = [];
  const keptNonAlloc = kept
    .flatMap((s) => {
      const r = ranges.get(s.index);
      return isAlloc(s) || r === undefined ? [] : [{ s, r }];
    })
    .sort((a, b) => a.r.start - b.r.start || a.s.index - b.s.index);
  for (const { s, r } of keptNonAlloc) {
    if (r.start < imageEnd) {
      fixed.push(r);
      imageEnd = Math.max(imageEnd, r.end);
    } else {
      tail.push(s);
    }
  }
  return { fixed, imageEnd, tail };
}

/** Tail clusters: sections whose bytes overlap move together, keeping their relative layout. */
function clustersOf(tail: readonly SectionHeader[], ranges: ReadonlyMap<number, Range>): Cluster[] {
  const clusters: Cluster[] = [];
  for (const s of tail) {
    const r = ranges.get(s.index);
    if (r === undefined) continue;
    const last = clusters[clusters.length - 1];
    if (last !== undefined && r.start < last.end) {
      last.end = Math.max(last.end, r.end);
      last.align = Math.max(last.align, alignOf(s));
      last.members.push(s);
    } else {
      clusters.push({ start: r.start, end: r.end, align: alignOf(s), members: [s] });
    }
  }
  return clusters;
}

/** A new .shstrtab with the kept names, when it is a plain tail string table used by nothing else. */
function rebuiltNames(elf: ElfFile, kept: readonly SectionHeader[], ranges: ReadonlyMap<number, Range>, clusters: readonly Cluster[]): StripPlan['names'] {
  const h = elf.header;
  const shstr = elf.sections()[h.e_shstrndx];
  const r = shstr === undefined || h.e_shstrndx === 0 ? undefined : ranges.get(shstr.index);
  if (shstr === undefined || r === undefined || shstr.sh_type !== SHT_STRTAB || isAlloc(shstr)) return undefined;
  if (!clusters.some((c) => c.members.length === 1 && c.members[0] === shstr)) return undefined;
  if (kept.some((u) => u.sh_link === shstr.index && u.index !== shstr.index)) return undefined;
  const old = elf.bytes.subarray(r.start, r.end);
  const raw = kept.map((s) => rawName(old, s.sh_name));
  return raw.every((n): n is Uint8Array => n !== undefined) ? buildNameTable(raw) : undefined;
}

interface Copy {
  readonly from: Range;
  readonly to: number;
  readonly data?: Uint8Array;
}

/** Where each kept section's header points once the tail is re-packed after the image. */
function placeTail(plan: StripPlan): { placed: Map<number, Placed>; copies: Copy[]; end: number } {
  const placed = new Map<number, Placed>();
  plan.kept.forEach((s, i) => placed.set(s.index, { s, sh_offset: s.sh_offset, sh_name: plan.names?.offsets[i] ?? s.sh_name, sh_size: s.sh_size }));
  const shstr = plan.elf.sections()[plan.elf.header.e_shstrndx];
  let pos = plan.imageEnd;
  const copies: Copy[] = [];
  for (const c of plan.clusters) {
    const only = c.members.length === 1 ? c.members[0] : undefined;
    const data = plan.names !== undefined && only === shstr ? plan.names.table : undefined;
    const to = placeAt(pos, c.start, c.align);
    const from = { start: c.start, end: c.end };
    copies.push(data === undefined ? { from, to } : { from, to, data });
    for (const m of c.members) {
      const p = placed.get(m.index);
      const r = plan.ranges.get(m.index);
      if (p === undefined || r === undefined) throw new InternalError(`strip: ${label(m)} has no placement`);
      p.sh_offset = BigInt(to + (r.start - c.start));
      if (data !== undefined) p.sh_size = BigInt(data.length);
    }
    pos = to + (data?.length ?? c.end - c.start);
  }
  // Non-alloc sections without file bytes past the image follow the re-packed ones.
  for (const s of plan.kept) {
    const p = placed.get(s.index);
    if (p !== undefined && !isAlloc(s) && !plan.ranges.has(s.index) && s.sh_type !== SHT_NULL && s.sh_offset > BigInt(plan.imageEnd)) p.sh_offset = BigInt(pos);
  }
  return { placed, copies, end: pos };
}

/**
 * Where the new section header table goes: into a hole of the image when one is large enough
 * (inside the image, what is no longer referenced, removed sections and the old header table,
 * is free except bytes a program header or a kept section still covers; that only happens in
 * files an editor already extended past the old tail), else after the tail.
 */
function placeHeaderTable(plan: StripPlan, tailEnd: number): { shoff: number; total: number; holes: Range[] } {
  const h = plan.elf.header;
  const len = plan.elf.bytes.length;
  const is64 = plan.elf.ident.elfClass === 64;
  const keep = mergeRanges(plan.fixed);
  const oldShoff = toOffset(h.e_shoff, len, 'e_shoff');
  const dead: Range[] = [{ start: oldShoff, end: Math.min(oldShoff + h.e_shnum * h.e_shentsize, plan.imageEnd) }];
  for (const i of plan.removed) {
    const r = plan.ranges.get(i);
    if (r !== undefined) dead.push({ start: r.start, end: Math.min(r.end, plan.imageEnd) });
  }
  const holes = freePieces(bridgeGaps(mergeRanges(dead), keep), keep);
  const shtSize = plan.kept.length * recordSize(SHDR, is64);
  const shtAlign = addrSize(is64);
  const shoff = placeAt(tailEnd, 0, shtAlign);
  const total = shoff + shtSize;
  // Alignment padding is bounded per section; refuse a pathological file that would balloon.
  if (total > 2 * len + 0x100000) {
    throw new ElfFormatError('ELF_UNSUPPORTED', `stripping would grow the file from ${hex(len)} to ${hex(total)} bytes (section alignments), refusing`);
  }
  for (const hole of holes) {
    const at = placeAt(hole.start, 0, shtAlign);
    if (at + shtSize <= hole.end) return { shoff: at, total: tailEnd, holes };
  }
  return { shoff, total, holes };
}

/** Map an old section index through newIndex: 0 and reserved indexes unchanged, removed -> 0. */
function remap(newIndex: Int32Array, i: number): number {
  if (i === 0 || i >= newIndex.length) return i;
  const n = newIndex[i] ?? -1;
  return n < 0 ? 0 : n;
}

/** Rewrite st_shndx of every .dynsym symbol whose section moved in the header table. */
function renumberDynsym(elf: ElfFile, out: Uint8Array, w: ByteWriter, newIndex: Int32Array, keptSecs: readonly SectionHeader[]): void {
  const is64 = elf.ident.elfClass === 64;
  const r = new ByteReader(out, elf.ident.littleEndian, is64);
  const entsize = recordSize(SYM, is64);
  const shndxAt = fieldAt(SYM.fields.st_shndx, is64);
  if (keptSecs.some((s) => s.sh_type === SHT_SYMTAB_SHNDX)) {
    throw new ElfFormatError('ELF_UNSUPPORTED', 'the file has an SHT_SYMTAB_SHNDX section and its section indexes would change; refusing to strip it');
  }
  for (const s of keptSecs) {
    if (s.sh_type !== SHT_DYNSYM || s.sh_size === 0n) continue;
    if (s.sh_entsize !== 0n && s.sh_entsize !== BigInt(entsize)) {
      throw new ElfFormatError('ELF_MALFORMED', `${label(s)} sh_entsize is ${s.sh_entsize}, expected ${entsize}`);
    }
    // Write only where the loader's symbol table really is: the section's address must map to
    // its offset, and no other alloc section may share its bytes.
    const off = Number(s.sh_offset);
    const size = Number(s.sh_size);
    if (elf.vaddrToOffset(s.sh_addr, size) !== off) {
      throw new ElfFormatError('ELF_MALFORMED', `${label(s)} (sh_addr ${hex(s.sh_addr)}, sh_offset ${hex(off)}) does not match its PT_LOAD mapping`);
    }
    const clash = keptSecs.find((o) => o !== s && hasBytes(o) && isAlloc(o) && Number(o.sh_offset) < off + size && Number(o.sh_offset + o.sh_size) > off);
    if (clash !== undefined) throw new ElfFormatError('ELF_MALFORMED', `${label(s)} overlaps ${label(clash)}`);
    const count = Math.floor(size / entsize);
    for (let i = 0; i < count; i++) {
      const at = off + i * entsize + shndxAt;
      const shndx = r.u16(at, `${label(s)} symbol ${i} st_shndx`);
      if (shndx === 0 || shndx >= SHN_LORESERVE) {
        if (shndx === SHN_XINDEX) {
          throw new ElfFormatError('ELF_UNSUPPORTED', `${label(s)} symbol ${i} uses SHN_XINDEX and section indexes would change; refusing to strip`);
        }
        continue;
      }
      if (shndx >= newIndex.length) continue;
      const n = newIndex[shndx] ?? -1;
      if (n < 0) {
        throw new ElfFormatError('ELF_UNSUPPORTED', `${label(s)} symbol ${i} is defined in section ${shndx}, which strip removes`);
      }
      if (n !== shndx) w.u16(at, n, `${label(s)} symbol ${i} st_shndx`);
    }
  }
}

function writeSectionHeaders(
  w: ByteWriter,
  elf: ElfFile,
  keptSecs: readonly SectionHeader[],
  placed: ReadonlyMap<number, Placed>,
  newIndex: Int32Array,
  shoff: number,
): void {
  const h = elf.header;
  const count = keptSecs.length;
  const shstrndx = remap(newIndex, h.e_shstrndx);
  const entsize = recordSize(SHDR, elf.ident.elfClass === 64);
  for (const [n, s] of keptSecs.entries()) {
    const p = placed.get(s.index);
    if (p === undefined) throw new InternalError(`strip: ${label(s)} has no placement`);
    let size = p.sh_size;
    let link = remap(newIndex, s.sh_link);
    let info = infoIsSection(s) ? remap(newIndex, s.sh_info) : s.sh_info;
    if (n === 0) {
      // Extended numbering lives in section header 0: sh_size = e_shnum, sh_link = e_shstrndx
      // when they do not fit the ELF header; sh_info (PN_XNUM) is left alone.
      size = count >= SHN_LORESERVE ? BigInt(count) : 0n;
      link = shstrndx >= SHN_LORESERVE ? shstrndx : 0;
      info = s.sh_info;
    }
    const { index: _index, name: _name, ...fields } = s;
    writeRecord(w, SHDR, shoff + n * entsize, { ...fields, sh_name: p.sh_name, sh_offset: p.sh_offset, sh_size: size, sh_link: link, sh_info: info }, `new section header ${n}`);
  }
  // ELF header: e_shoff, e_shnum, e_shstrndx (0 / SHN_XINDEX escapes for extended numbering).
  const e_shnum = count >= SHN_LORESERVE ? 0 : count;
  const e_shstrndx = shstrndx >= SHN_LORESERVE ? SHN_XINDEX : shstrndx;
  writeRecord(w, EHDR, 0, { e_shoff: BigInt(shoff), e_shnum, e_shstrndx }, 'ELF header');
}
