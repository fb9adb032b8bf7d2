// stripElf: drop symbol tables and debug information from an executable or shared object, as
// `strip --strip-all` does, without a strip binary (gABI ch. 4 "Sections", "Symbol Table").
// The loaded image stays byte-for-byte where it is; only the non-alloc tail and the section
// header table are rebuilt. Refuses relocatable objects and core files (parseElf does).
import { ElfFormatError, ElfSelfCheckError, InternalError } from '../errors.js';
import { ByteReader, ByteWriter, hex, toOffset, toSize } from '../util/bytes.js';
import {
  ELF32_EHDR_SIZE,
  ELF32_SHDR_SIZE,
  ELF32_SYM_SIZE,
  ELF64_EHDR_SIZE,
  ELF64_SHDR_SIZE,
  ELF64_SYM_SIZE,
  SHF_ALLOC,
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
import { parseElf } from './read.js';
import type { ElfFile, SectionHeader } from './types.js';

/** sh_flags: sh_info holds a section index (gABI). Not in constants.ts yet. */
const SHF_INFO_LINK = 0x40n;

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

interface Range {
  start: number;
  end: number;
}

/** Merge ranges into sorted, disjoint ones. */
function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** Index of the first range in `sorted` (merged, so ends increase) whose end is above `pos`. */
function firstEndingAfter(sorted: readonly Range[], pos: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as Range).end > pos) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Join neighbouring dead ranges when nothing kept lies between them (alignment padding). */
function bridgeGaps(dead: readonly Range[], kept: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const d of dead) {
    const last = out[out.length - 1];
    // Kept ranges are merged and sorted: the first one ending after `last` is the only
    // candidate that could sit between `last` and `d`.
    const k = last === undefined ? undefined : kept[firstEndingAfter(kept, last.end)];
    if (last !== undefined && !(k !== undefined && k.start < d.start)) last.end = Math.max(last.end, d.end);
    else out.push({ ...d });
  }
  return out;
}

/** The parts of the (merged, sorted) `dead` ranges outside the (merged, sorted) `kept` ones. */
function freePieces(dead: readonly Range[], kept: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const d of dead) {
    let at = d.start;
    for (let i = firstEndingAfter(kept, at); i < kept.length; i++) {
      const p = kept[i] as Range;
      if (p.end <= at) continue;
      if (p.start >= d.end) break;
      if (p.start > at) out.push({ start: at, end: p.start });
      at = Math.max(at, p.end);
    }
    if (at < d.end) out.push({ start: at, end: d.end });
  }
  return out;
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
  const is64 = elf.ident.elfClass === 64;
  const le = elf.ident.littleEndian;
  const secs = elf.sections();
  const len = input.length;

  const removed = chooseRemoved(secs, h.e_shstrndx);
  if (removed.size === 0) return unchanged;

  // Every section with file bytes must lie inside the file.
  const ranges = new Map<number, Range>();
  for (const s of secs) {
    if (!hasBytes(s)) continue;
    const start = toOffset(s.sh_offset, len, `${label(s)} sh_offset`);
    const size = toSize(s.sh_size, len - start, `${label(s)} sh_size`);
    ranges.set(s.index, { start, end: start + size });
  }

  // New indexes (-1: removed).
  const newIndex = new Int32Array(secs.length);
  let next = 0;
  for (const s of secs) newIndex[s.index] = removed.has(s.index) ? -1 : next++;
  const keptSecs = secs.filter((s) => !removed.has(s.index));
  const renumbered = keptSecs.some((s) => newIndex[s.index] !== s.index);

  // The image: ELF header, program header table, every program header's file range, every alloc
  // section. Kept non-alloc sections that start inside it stay where they are and extend it.
  const ehsize = is64 ? ELF64_EHDR_SIZE : ELF32_EHDR_SIZE;
  const fixed: Range[] = [{ start: 0, end: ehsize }];
  if (h.e_phnum > 0) {
    const phoff = toOffset(h.e_phoff, len, 'e_phoff');
    fixed.push({ start: phoff, end: phoff + h.e_phnum * h.e_phentsize });
  }
  for (const ph of elf.programHeaders) {
    if (ph.p_filesz === 0n) continue;
    const start = toOffset(ph.p_offset, len, `program header ${ph.index} p_offset`);
    fixed.push({ start, end: start + toSize(ph.p_filesz, len - start, `program header ${ph.index} p_filesz`) });
  }
  for (const s of secs) {
    const r = ranges.get(s.index);
    if (r !== undefined && isAlloc(s)) fixed.push(r);
  }
  let imageEnd = fixed.reduce((m, r) => Math.max(m, r.end), 0);
  const tail: SectionHeader[] = [];
  const keptNonAlloc = keptSecs
    .filter((s) => !isAlloc(s) && ranges.has(s.index))
    .sort((a, b) => (ranges.get(a.index)?.start ?? 0) - (ranges.get(b.index)?.start ?? 0) || a.index - b.index);
  for (const s of keptNonAlloc) {
    const r = ranges.get(s.index) as Range;
    if (r.start < imageEnd) {
      fixed.push(r);
      imageEnd = Math.max(imageEnd, r.end);
    } else {
      tail.push(s);
    }
  }

  // Tail clusters: sections whose bytes overlap move together, keeping their relative layout.
  const clusters: { start: number; end: number; align: number; members: SectionHeader[] }[] = [];
  for (const s of tail) {
    const r = ranges.get(s.index) as Range;
    const last = clusters[clusters.length - 1];
    if (last !== undefined && r.start < last.end) {
      last.end = Math.max(last.end, r.end);
      last.align = Math.max(last.align, alignOf(s));
      last.members.push(s);
    } else {
      clusters.push({ start: r.start, end: r.end, align: alignOf(s), members: [s] });
    }
  }

  // Rebuild .shstrtab when it is a plain tail string table of its own, used by nothing else.
  const shstr = secs[h.e_shstrndx];
  let names: { table: Uint8Array; offsets: number[] } | undefined;
  const shstrRange = shstr === undefined || h.e_shstrndx === 0 ? undefined : ranges.get(shstr.index);
  if (
    shstr !== undefined &&
    shstrRange !== undefined &&
    shstr.sh_type === SHT_STRTAB &&
    !isAlloc(shstr) &&
    clusters.some((c) => c.members.length === 1 && c.members[0] === shstr) &&
    !keptSecs.some((u) => u.sh_link === shstr.index && u.index !== shstr.index)
  ) {
    const old = input.subarray(shstrRange.start, shstrRange.end);
    const raw = keptSecs.map((s) => rawName(old, s.sh_name));
    if (raw.every((n): n is Uint8Array => n !== undefined)) names = buildNameTable(raw);
  }

  // Lay out the tail, then the section header table.
  const placed = new Map<number, Placed>();
  for (const [i, s] of keptSecs.entries()) {
    placed.set(s.index, { s, sh_offset: s.sh_offset, sh_name: names?.offsets[i] ?? s.sh_name, sh_size: s.sh_size });
  }
  let pos = imageEnd;
  const copies: { from: Range; to: number; data?: Uint8Array }[] = [];
  for (const c of clusters) {
    const only = c.members.length === 1 ? c.members[0] : undefined;
    const data = names !== undefined && only === shstr ? names.table : undefined;
    const to = placeAt(pos, c.start, c.align);
    copies.push(data === undefined ? { from: { start: c.start, end: c.end }, to } : { from: { start: c.start, end: c.end }, to, data });
    for (const m of c.members) {
      const p = placed.get(m.index) as Placed;
      p.sh_offset = BigInt(to + ((ranges.get(m.index) as Range).start - c.start));
      if (data !== undefined) p.sh_size = BigInt(data.length);
    }
    pos = to + (data?.length ?? c.end - c.start);
  }
  // Non-alloc sections without file bytes past the image follow the re-packed ones.
  for (const s of keptSecs) {
    if (!isAlloc(s) && !ranges.has(s.index) && s.sh_type !== SHT_NULL && s.sh_offset > BigInt(imageEnd)) {
      (placed.get(s.index) as Placed).sh_offset = BigInt(pos);
    }
  }

  // Inside the image, what is no longer referenced (removed sections, the old header table) is
  // free, except bytes a program header or a kept section still covers. That only happens in
  // files an editor already extended with a segment past the old tail.
  const keep = mergeRanges(fixed);
  const oldShoff = toOffset(h.e_shoff, len, 'e_shoff');
  const dead: Range[] = [{ start: oldShoff, end: Math.min(oldShoff + h.e_shnum * h.e_shentsize, imageEnd) }];
  for (const i of removed) {
    const r = ranges.get(i);
    if (r !== undefined) dead.push({ start: r.start, end: Math.min(r.end, imageEnd) });
  }
  const holes = freePieces(bridgeGaps(mergeRanges(dead), keep), keep);

  // The new header table goes into such a hole when one is large enough, else at the end.
  const shentsize = is64 ? ELF64_SHDR_SIZE : ELF32_SHDR_SIZE;
  const shtSize = keptSecs.length * shentsize;
  const shtAlign = is64 ? 8 : 4;
  let shoff = placeAt(pos, 0, shtAlign);
  let total = shoff + shtSize;
  // Alignment padding is bounded per section; refuse a pathological file that would balloon.
  if (total > 2 * len + 0x100000) {
    throw new ElfFormatError('ELF_UNSUPPORTED', `stripping would grow the file from ${hex(len)} to ${hex(total)} bytes (section alignments), refusing`);
  }
  for (const hole of holes) {
    const at = placeAt(hole.start, 0, shtAlign);
    if (at + shtSize <= hole.end) {
      shoff = at;
      total = pos;
      break;
    }
  }

  const out = new Uint8Array(total);
  out.set(input.subarray(0, imageEnd), 0);
  for (const c of copies) out.set(c.data ?? input.subarray(c.from.start, c.from.end), c.to);
  for (const hole of holes) out.fill(0, hole.start, hole.end);

  const w = new ByteWriter(out, le, is64);
  if (renumbered) renumberDynsym(elf, out, w, newIndex, keptSecs);
  writeSectionHeaders(w, elf, keptSecs, placed, newIndex, shoff);

  verifyStrip(elf, out, keptSecs, placed, renumbered);
  return {
    bytes: out,
    removedSections: secs.filter((s) => removed.has(s.index)).map((s) => (s.name === '' ? `[${s.index}]` : s.name)),
    savedBytes: len - out.length,
  };
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
  const entsize = is64 ? ELF64_SYM_SIZE : ELF32_SYM_SIZE;
  // Elf64_Sym: 0x06 st_shndx; Elf32_Sym: 0x0e st_shndx.
  const shndxAt = is64 ? 0x06 : 0x0e;
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
  const is64 = elf.ident.elfClass === 64;
  const h = elf.header;
  const count = keptSecs.length;
  const shstrndx = remap(newIndex, h.e_shstrndx);
  const entsize = is64 ? ELF64_SHDR_SIZE : ELF32_SHDR_SIZE;
  for (const [n, s] of keptSecs.entries()) {
    const p = placed.get(s.index);
    if (p === undefined) throw new InternalError(`strip: ${label(s)} has no placement`);
    const o = shoff + n * entsize;
    const what = `new section header ${n}`;
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
    w.u32(o, p.sh_name, `${what} sh_name`); // 0x00 sh_name
    w.u32(o + 0x04, s.sh_type, `${what} sh_type`); // 0x04 sh_type
    if (is64) {
      w.u64(o + 0x08, s.sh_flags, `${what} sh_flags`); // 0x08 sh_flags
      w.u64(o + 0x10, s.sh_addr, `${what} sh_addr`); // 0x10 sh_addr
      w.u64(o + 0x18, p.sh_offset, `${what} sh_offset`); // 0x18 sh_offset
      w.u64(o + 0x20, size, `${what} sh_size`); // 0x20 sh_size
      w.u32(o + 0x28, link, `${what} sh_link`); // 0x28 sh_link
      w.u32(o + 0x2c, info, `${what} sh_info`); // 0x2c sh_info
      w.u64(o + 0x30, s.sh_addralign, `${what} sh_addralign`); // 0x30 sh_addralign
      w.u64(o + 0x38, s.sh_entsize, `${what} sh_entsize`); // 0x38 sh_entsize
    } else {
      w.word(o + 0x08, s.sh_flags, `${what} sh_flags`); // 0x08 sh_flags
      w.word(o + 0x0c, s.sh_addr, `${what} sh_addr`); // 0x0c sh_addr
      w.word(o + 0x10, p.sh_offset, `${what} sh_offset`); // 0x10 sh_offset
      w.word(o + 0x14, size, `${what} sh_size`); // 0x14 sh_size
      w.u32(o + 0x18, link, `${what} sh_link`); // 0x18 sh_link
      w.u32(o + 0x1c, info, `${what} sh_info`); // 0x1c sh_info
      w.word(o + 0x20, s.sh_addralign, `${what} sh_addralign`); // 0x20 sh_addralign
      w.word(o + 0x24, s.sh_entsize, `${what} sh_entsize`); // 0x24 sh_entsize
    }
  }
  // ELF header: e_shoff, e_shnum, e_shstrndx (0 / SHN_XINDEX escapes for extended numbering).
  const e_shnum = count >= SHN_LORESERVE ? 0 : count;
  const e_shstrndx = shstrndx >= SHN_LORESERVE ? SHN_XINDEX : shstrndx;
  w.word(is64 ? 0x28 : 0x20, BigInt(shoff), 'e_shoff'); // 0x28 / 0x20 e_shoff
  w.u16(is64 ? 0x3c : 0x30, e_shnum, 'e_shnum'); // 0x3c / 0x30 e_shnum
  w.u16(is64 ? 0x3e : 0x32, e_shstrndx, 'e_shstrndx'); // 0x3e / 0x32 e_shstrndx
}

/** Re-parse the output and check the promises: same segments, same kept sections and bytes. */
function verifyStrip(elf: ElfFile, out: Uint8Array, keptSecs: readonly SectionHeader[], placed: ReadonlyMap<number, Placed>, renumbered: boolean): void {
  const fail = (what: string): never => {
    throw new ElfSelfCheckError(`strip produced an inconsistent file: ${what} (run without --strip to avoid it)`);
  };
  let after: ElfFile;
  try {
    after = parseElf(out);
  } catch (e) {
    throw new ElfSelfCheckError(`strip produced a file that does not parse: ${e instanceof Error ? e.message : String(e)} (run without --strip to avoid it)`, { cause: e });
  }
  const phA = JSON.stringify(elf.programHeaders, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const phB = JSON.stringify(after.programHeaders, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  if (phA !== phB) fail('the program headers changed');
  // Inside segments, only the ELF header's section fields and (when renumbered) .dynsym change.
  const ehsize = elf.ident.elfClass === 64 ? ELF64_EHDR_SIZE : ELF32_EHDR_SIZE;
  const allowed: Range[] = [{ start: 0, end: ehsize }];
  if (renumbered) {
    for (const s of keptSecs) if (s.sh_type === SHT_DYNSYM) allowed.push({ start: Number(s.sh_offset), end: Number(s.sh_offset + s.sh_size) });
  }
  const allowedMerged = mergeRanges(allowed);
  for (const ph of elf.programHeaders) {
    const a = Number(ph.p_offset);
    if (!sameOutside(elf.bytes, out, { start: a, end: a + Number(ph.p_filesz) }, allowedMerged)) fail(`the bytes of program header ${ph.index} changed`);
  }
  const secs = after.sections();
  if (secs.length !== keptSecs.length) fail(`expected ${keptSecs.length} sections, found ${secs.length}`);
  for (const [n, s] of keptSecs.entries()) {
    const t = secs[n];
    const p = placed.get(s.index);
    if (t === undefined || p === undefined) return fail(`section ${n} is missing`);
    if (t.name !== s.name || t.sh_type !== s.sh_type || t.sh_flags !== s.sh_flags || t.sh_addr !== s.sh_addr) fail(`section ${n} (${s.name}) differs from the input's`);
    if (t.index === after.header.e_shstrndx || !hasBytes(s)) continue;
    if (renumbered && s.sh_type === SHT_DYNSYM) continue;
    const a = Number(s.sh_offset);
    const b = Number(t.sh_offset);
    const size = Number(s.sh_size);
    if (t.sh_size !== s.sh_size || !sameBytes(elf.bytes.subarray(a, a + size), out.subarray(b, b + size), 0, size)) fail(`the contents of section ${n} (${s.name}) changed`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a and b agree on `range` outside the (merged, sorted) `except` ranges. */
function sameOutside(a: Uint8Array, b: Uint8Array, range: Range, except: readonly Range[]): boolean {
  let at = range.start;
  for (const x of except) {
    if (x.end <= at) continue;
    if (x.start >= range.end) break;
    if (x.start > at && !sameBytes(a, b, at, x.start)) return false;
    at = Math.max(at, x.end);
  }
  return at >= range.end || sameBytes(a, b, at, range.end);
}
