// The relocation write (design §3 phase D). One new PT_LOAD past the end of the file, aligned
// for the machine's largest page size, holds a copy of .dynstr with the new strings appended,
// any sections evicted to make room for one more program header, and .dynamic when it had to
// grow. The program header table never moves and no existing vaddr changes. A segment this
// code appended on an earlier run is rebuilt in place instead of adding another one.
import { ElfFormatError } from '../errors.js';
import { ByteReader, ByteWriter, hex } from '../util/bytes.js';
import {
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMTAB,
  PF_R,
  PF_W,
  PT_DYNAMIC,
  PT_GNU_PROPERTY,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  PT_NULL,
  PT_PHDR,
  SHT_DYNAMIC,
  SHT_DYNSYM,
  SHT_GNU_verneed,
  SHT_PROGBITS,
  SHT_STRTAB,
  SHT_SYMTAB,
} from './constants.js';
import { dynamicValue, dynEntrySize } from './dynamic.js';
import { isAlloc, isPadding, MOVABLE_TYPES, occupiesFile, planEviction, sectionPiece, tablePiece, type Piece } from './evict.js';
import { machinePageSize, POINTER_TAGS } from './loader-facts.js';
import { symEntrySize } from './symbols.js';
import { dynamicTableExtents, loadedTables } from './tables.js';
import type { ElfFile, ProgramHeader, SectionHeader } from './types.js';
import { refuseLayout, takeOutput, writeDynamicArray, type PlannedEntry } from './dynamic-write.js';

const SPARE_DYNAMIC_SLOTS = 4;
const NEW_SEGMENT_GAP = 0x100000n;

function roundUp(v: bigint, a: bigint): bigint {
  return a <= 1n ? v : ((v + a - 1n) / a) * a;
}

interface Move {
  /** The section header to update; undefined for .dynstr/.dynamic without one, and for tables. */
  readonly section: SectionHeader | undefined;
  readonly name: string;
  readonly oldAddr: bigint;
  readonly oldSize: bigint;
  readonly oldOffset: number;
  /** Addresses a pointer tag may name inside it (anything else inside it is refused). */
  readonly starts: readonly bigint[];
  newOffset: number;
  newAddr: bigint;
  newSize: bigint;
  readonly bytes: Uint8Array;
  readonly align: bigint;
}

export interface RelocateResult {
  readonly bytes: Uint8Array;
  readonly reused: boolean;
}

/** A PT_LOAD an earlier run appended, and the pieces in it, when it can be rebuilt in place. */
interface OwnSegment {
  readonly ph: ProgramHeader;
  readonly inside: readonly Piece[];
  /** Whether PT_DYNAMIC lies in it (then .dynamic is rebuilt too). */
  readonly holdsDynamic: boolean;
}

/** The last PT_LOAD (by address) when it ends the file and is fully loaded from it. */
function lastLoadAtEof(elf: ElfFile): ProgramHeader | undefined {
  const loads = elf.programHeaders.filter((p) => p.p_type === PT_LOAD);
  const last = loads.reduce<ProgramHeader | undefined>((a, p) => (a === undefined || p.p_vaddr > a.p_vaddr ? p : a), undefined);
  if (last === undefined || last.p_offset + last.p_filesz !== BigInt(elf.bytes.length) || last.p_filesz !== last.p_memsz) return undefined;
  return last;
}

/** With section headers: the segment holds only sections this rewriter puts there. */
function ownSegmentBySections(elf: ElfFile, sections: readonly SectionHeader[]): OwnSegment | undefined {
  const last = lastLoadAtEof(elf);
  if (last === undefined) return undefined;
  const shtEnd = elf.header.e_shoff + BigInt(elf.header.e_shnum * elf.header.e_shentsize);
  if (last.p_offset < shtEnd) return undefined;
  const inside = sections.filter((s) => occupiesFile(s) && s.sh_offset >= last.p_offset && s.sh_offset < last.p_offset + last.p_filesz);
  if (inside.length === 0) return undefined;
  // Only sections this rewriter puts there: a .dynstr copy, evicted movable sections, .dynamic.
  if (!inside.every((s) => isAlloc(s) && (MOVABLE_TYPES.has(s.sh_type) || s.sh_type === SHT_DYNAMIC || (s.sh_type === SHT_PROGBITS && s.name === '.interp')))) return undefined;
  // Nothing else may live there (every other byte must belong to a section inside).
  for (const s of sections) {
    if (!occupiesFile(s) || inside.includes(s)) continue;
    if (s.sh_offset + s.sh_size > last.p_offset) return undefined;
  }
  return { ph: last, inside: inside.map(sectionPiece), holdsDynamic: inside.some((s) => s.sh_type === SHT_DYNAMIC) };
}

/**
 * Without section headers: the segment starts with .dynstr (as this rewriter lays it out) and
 * every byte of it belongs to a described table or to PT_DYNAMIC, apart from alignment padding.
 */
function ownSegmentByTables(elf: ElfFile): OwnSegment | undefined {
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
  const ranges = tables.map((t) => [t.offset, t.offset + t.size] as const);
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

export function relocateWrite(
  elf: ElfFile,
  entries: PlannedEntry[],
  verneedFiles: ReadonlyMap<number, bigint>,
  appended: Uint8Array,
  needDyn: boolean,
  output?: Uint8Array,
): RelocateResult {
  const dyn = elf.dynamic;
  if (dyn === undefined) throw new ElfFormatError('ELF_EDIT_INVALID', 'no dynamic section');
  const is64 = elf.ident.elfClass === 64;
  const le = elf.ident.littleEndian;
  const input = elf.bytes;
  const sections = elf.sections();
  const phdrs = elf.programHeaders;
  const h = elf.header;
  const phent = BigInt(h.e_phentsize);

  const dynstrSec = sections.find((s) => s.sh_type === SHT_STRTAB && isAlloc(s) && s.sh_addr === dyn.strtabAddr);
  if (sections.length > 0 && dynstrSec === undefined) throw refuseLayout(`no section matches DT_STRTAB ${hex(dyn.strtabAddr)}`);
  const dynSec = sections.find((s) => s.sh_type === SHT_DYNAMIC);
  const verneedSec = sections.find((s) => s.sh_type === SHT_GNU_verneed);
  if (verneedSec !== undefined && dynstrSec !== undefined && verneedSec.sh_link !== dynstrSec.index) {
    throw refuseLayout(`.gnu.version_r links section ${verneedSec.sh_link}, not .dynstr (${dynstrSec.index})`);
  }

  const loads = phdrs.filter((p) => p.p_type === PT_LOAD);
  // A file whose segments overlap or are out of order would not load anyway; moving sections
  // around in it could only hide that, so refuse.
  for (let i = 0; i < loads.length; i++) {
    const a = loads[i] as ProgramHeader;
    const b = loads[i + 1];
    if (b !== undefined && b.p_vaddr < a.p_vaddr + a.p_memsz) throw refuseLayout('its PT_LOAD segments overlap or are out of order');
  }
  let P = BigInt(machinePageSize(h.e_machine));
  for (const l of loads) if (l.p_align > P && l.p_align <= 0x10000n && (l.p_align & (l.p_align - 1n)) === 0n) P = l.p_align;

  // Where the new (or rebuilt) segment goes, and which program header slot describes it.
  const own = sections.length > 0 ? ownSegmentBySections(elf, sections) : ownSegmentByTables(elf);
  let O: bigint;
  let V: bigint;
  let slot: { kind: 'reuse'; ph: ProgramHeader } | { kind: 'null'; ph: ProgramHeader } | { kind: 'grow'; evict: Piece[] };
  if (own !== undefined) {
    O = own.ph.p_offset;
    V = own.ph.p_vaddr;
    slot = { kind: 'reuse', ph: own.ph };
  } else {
    O = roundUp(BigInt(input.length), P);
    // Above every segment and every allocated section (a section outside all segments in a
    // damaged file must not end up inside ours).
    let top = 0n;
    for (const l of loads) if (l.p_vaddr + l.p_memsz > top) top = l.p_vaddr + l.p_memsz;
    for (const s of sections) if (isAlloc(s) && s.sh_addr + s.sh_size > top) top = s.sh_addr + s.sh_size;
    // A gap of address space (free: nothing is mapped there) keeps the new read-only segment
    // away from the data segment, so checkers that add a function's size to a PLT slot's
    // address (eu-elflint) do not see it reach into our segment.
    V = roundUp(top + NEW_SEGMENT_GAP, P);
    const nul = phdrs.find((p) => p.p_type === PT_NULL);
    // Eviction includes its safety scan: nothing may point into an evicted piece except the
    // pointer tags we remap and the program headers we move with it.
    slot = nul !== undefined ? { kind: 'null', ph: nul } : { kind: 'grow', evict: planEviction(elf, sections, loads, phent) };
  }
  if (!is64 && V > 0xffffffffn - 0x1000000n) throw refuseLayout('no 32-bit address space is left for a new segment');

  // Pieces to move: .dynstr always (so the segment starts with a piece that has no program
  // header of its own), evicted ones, everything in a segment being rebuilt.
  const toMove: Piece[] = slot.kind === 'grow' ? [...slot.evict] : own !== undefined ? [...own.inside] : [];
  const moveDynamic = needDyn || (own?.holdsDynamic ?? false);
  const isDynstr = (p: Piece): boolean => (p.section !== undefined ? p.section === dynstrSec : p.starts.includes(dyn.strtabAddr));
  const isDynamic = (p: Piece): boolean => p.section !== undefined && p.section === dynSec;

  // Everything we move must sit where its header says, inside a PT_LOAD; and a note or
  // interpreter segment must be exactly what moves with it. Otherwise the file's headers
  // disagree with each other and we refuse rather than guess.
  for (const m of [...toMove, ...(dynstrSec === undefined ? [] : [sectionPiece(dynstrSec)])]) {
    const home = loads.find((l) => m.vaddr >= l.p_vaddr && m.vaddr + m.size <= l.p_vaddr + l.p_filesz);
    if (home === undefined || m.offset - home.p_offset !== m.vaddr - home.p_vaddr) {
      throw refuseLayout(`section ${m.name} is not where its PT_LOAD segment maps it`);
    }
    // Without section headers .dynstr is a table like the others, but it is copied (with the
    // new strings) by itself: it must not share bytes with another table.
    if (m.section === undefined && isDynstr(m) && (m.vaddr !== dyn.strtabAddr || m.size !== BigInt(dyn.strtabSize))) {
      throw refuseLayout(`the dynamic string table overlaps another table (${m.name})`);
    }
  }
  checkSegmentsMoveWhole(phdrs, toMove, sections.length > 0);
  checkTablesInsidePieces(elf, toMove);

  const moves: Move[] = [];
  const dynstrBytes = new Uint8Array(dyn.strtabSize + appended.length);
  dynstrBytes.set(input.subarray(dyn.strtabOffset, dyn.strtabOffset + dyn.strtabSize), 0);
  dynstrBytes.set(appended, dyn.strtabSize);
  const dynstrMove: Move = {
    section: dynstrSec,
    name: '.dynstr',
    oldAddr: dyn.strtabAddr,
    oldSize: BigInt(dyn.strtabSize),
    oldOffset: dyn.strtabOffset,
    starts: [dyn.strtabAddr],
    newOffset: 0,
    newAddr: 0n,
    newSize: BigInt(dynstrBytes.length),
    bytes: dynstrBytes,
    align: dynstrSec?.sh_addralign ?? 1n,
  };
  moves.push(dynstrMove);
  for (const m of [...toMove].sort((a, b) => (a.offset < b.offset ? -1 : 1))) {
    if (isDynstr(m) || isDynamic(m)) continue;
    const off = Number(m.offset);
    moves.push({
      section: m.section,
      name: m.name,
      oldAddr: m.vaddr,
      oldSize: m.size,
      oldOffset: off,
      starts: m.starts,
      newOffset: 0,
      newAddr: 0n,
      newSize: m.size,
      bytes: input.subarray(off, off + Number(m.size)),
      align: m.align,
    });
  }
  const ent = dynEntrySize(is64);
  const dynCapacity = moveDynamic ? entries.length + 1 + SPARE_DYNAMIC_SLOTS : dyn.capacity;
  let dynMove: Move | undefined;
  if (moveDynamic) {
    dynMove = {
      section: dynSec,
      name: '.dynamic',
      oldAddr: dyn.vaddr,
      oldSize: BigInt(dyn.size),
      oldOffset: dyn.offset,
      starts: [],
      newOffset: 0,
      newAddr: 0n,
      newSize: BigInt(dynCapacity * ent),
      bytes: new Uint8Array(dynCapacity * ent),
      align: is64 ? 8n : 4n,
    };
    moves.push(dynMove);
  }

  // Lay the segment out, each piece at its alignment (a power of two no larger than a page).
  for (const m of moves) {
    if (m.align > P || (m.align > 0n && (m.align & (m.align - 1n)) !== 0n)) {
      throw refuseLayout(`section ${m.name} asks for alignment ${hex(m.align)}`);
    }
  }
  let cursor = 0n;
  for (const m of moves) {
    cursor = roundUp(cursor, m.align > 0n ? m.align : 1n);
    m.newOffset = Number(O + cursor);
    m.newAddr = V + cursor;
    cursor += m.newSize;
  }
  const segSize = cursor;
  const outLen = Number(O + segSize);
  const out = takeOutput(outLen, output, input);
  const kept = Math.min(input.length, Number(O));
  out.set(input.subarray(0, kept), 0);
  // Padding and the new segment start as zeros (a reused buffer holds old bytes).
  out.fill(0, kept, outLen);
  const w = new ByteWriter(out, le, is64);
  for (const m of moves) if (m !== dynMove) w.set(m.newOffset, m.bytes, 'moved section');

  // Address remapping for everything that pointed into a moved piece.
  const copied = moves.filter((m) => m !== dynMove);
  const movedAt = (addr: bigint): Move | undefined => copied.find((m) => addr >= m.oldAddr && addr < m.oldAddr + (m.oldSize > 0n ? m.oldSize : 1n));
  const remap = (addr: bigint): bigint | undefined => {
    const m = movedAt(addr);
    return m === undefined ? undefined : m.newAddr + (addr - m.oldAddr);
  };
  /** Where the byte at an old file offset is now (moved pieces are copied whole). */
  const newOffsetOf = (off: number): number => {
    const m = copied.find((x) => off >= x.oldOffset && off < x.oldOffset + Number(x.oldSize));
    return m === undefined ? off : m.newOffset + (off - m.oldOffset);
  };

  // The header and the program header table are rewritten in place: no table may live there.
  const rewrittenEnd = BigInt(h.e_phoff) + BigInt(h.e_phnum + (slot.kind === 'grow' ? 1 : 0)) * phent;
  for (const e of entries) {
    if (!POINTER_TAGS.has(e.tag)) continue;
    if (copied.some((m) => e.val >= m.oldAddr && e.val < m.oldAddr + m.oldSize)) continue;
    const off = elf.vaddrToOffset(e.val, 1);
    if (off !== undefined && (off < (is64 ? 64 : 52) || (BigInt(off) >= h.e_phoff && BigInt(off) < rewrittenEnd))) {
      throw refuseLayout(`dynamic tag ${hex(e.tag)} points into the ELF or program headers`);
    }
  }

  // Dynamic entries: pointer tags follow their pieces; the string table is the new copy.
  // A table pointer always names the start of its table; one pointing into the middle of a
  // piece we move means the headers disagree, and we refuse.
  for (const e of entries) {
    if (!POINTER_TAGS.has(e.tag) || e.tag === DT_STRTAB) continue;
    const m = movedAt(e.val);
    if (m !== undefined && !m.starts.includes(e.val)) throw refuseLayout(`dynamic tag ${hex(e.tag)} points into the middle of a section that would have to move`);
  }
  for (const e of entries) {
    if (e.tag === DT_STRTAB) e.val = dynstrMove.newAddr;
    else if (e.tag === DT_STRSZ) e.val = dynstrMove.newSize;
    else if (POINTER_TAGS.has(e.tag)) e.val = remap(e.val) ?? e.val;
  }
  writeDynamicArray(w, dynMove?.newOffset ?? dyn.offset, dynCapacity, entries);

  // Program headers.
  const newPh: { type: number; flags: number; offset: bigint; vaddr: bigint; paddr: bigint; filesz: bigint; memsz: bigint; align: bigint }[] = phdrs.map((p) => ({
    type: p.p_type,
    flags: p.p_flags,
    offset: p.p_offset,
    vaddr: p.p_vaddr,
    paddr: p.p_paddr,
    filesz: p.p_filesz,
    memsz: p.p_memsz,
    align: p.p_align,
  }));
  const segFlags = PF_R | (moveDynamic ? PF_W : 0);
  const segment = { type: PT_LOAD, flags: segFlags, offset: O, vaddr: V, paddr: V, filesz: segSize, memsz: segSize, align: P };
  if (slot.kind === 'reuse') {
    newPh[slot.ph.index] = segment;
  } else {
    if (slot.kind === 'null') newPh.splice(slot.ph.index, 1);
    let lastLoad = -1;
    newPh.forEach((p, i) => {
      if (p.type === PT_LOAD) lastLoad = i;
    });
    newPh.splice(lastLoad + 1, 0, segment);
  }
  const phnum = newPh.length;
  if (phnum >= 0xffff) throw refuseLayout('the program header table would need extended numbering');
  for (const p of newPh) {
    if (p === segment) continue;
    if (p.type === PT_PHDR) {
      p.filesz = BigInt(phnum) * phent;
      p.memsz = p.filesz;
    } else if (p.type === PT_DYNAMIC && dynMove !== undefined) {
      p.offset = BigInt(dynMove.newOffset);
      p.vaddr = dynMove.newAddr;
      p.paddr = dynMove.newAddr;
      p.filesz = dynMove.newSize;
      p.memsz = dynMove.newSize;
      p.flags = PF_R | PF_W;
    } else if (p.type === PT_INTERP || p.type === PT_NOTE || p.type === PT_GNU_PROPERTY) {
      if (sections.length === 0) {
        // A table that moved holds the whole segment: it moves by the table's delta.
        const host = copied.find((m) => p.vaddr >= m.oldAddr && p.vaddr + p.filesz <= m.oldAddr + m.oldSize);
        if (host !== undefined) {
          p.offset = BigInt(host.newOffset) + (p.offset - BigInt(host.oldOffset));
          p.vaddr = host.newAddr + (p.vaddr - host.oldAddr);
          p.paddr = p.vaddr;
        }
        continue;
      }
      // These cover sections we may have moved: follow them (whole groups move together).
      const covered = copied.filter((m) => m.section !== undefined && m.oldAddr >= p.vaddr && m.oldAddr < p.vaddr + (p.memsz > 0n ? p.memsz : 1n));
      if (covered.length > 0) {
        const first = covered[0] as Move;
        const last = covered[covered.length - 1] as Move;
        const lead = first.oldAddr - p.vaddr;
        p.offset = BigInt(first.newOffset) - lead;
        p.vaddr = first.newAddr - lead;
        p.paddr = p.vaddr;
        const size = last.newAddr + last.newSize - p.vaddr;
        if (size > p.filesz) {
          p.filesz = size;
          p.memsz = size;
        }
      }
    }
  }
  const phoff = Number(h.e_phoff);
  const phentSize = h.e_phentsize;
  newPh.forEach((p, i) => {
    const o = phoff + i * phentSize;
    const what = `program header ${i}`;
    if (is64) {
      w.u32(o, p.type, `${what} p_type`);
      w.u32(o + 4, p.flags, `${what} p_flags`);
      w.u64(o + 8, p.offset, `${what} p_offset`);
      w.u64(o + 16, p.vaddr, `${what} p_vaddr`);
      w.u64(o + 24, p.paddr, `${what} p_paddr`);
      w.u64(o + 32, p.filesz, `${what} p_filesz`);
      w.u64(o + 40, p.memsz, `${what} p_memsz`);
      w.u64(o + 48, p.align, `${what} p_align`);
    } else {
      w.u32(o, p.type, `${what} p_type`);
      w.word(o + 4, p.offset, `${what} p_offset`);
      w.word(o + 8, p.vaddr, `${what} p_vaddr`);
      w.word(o + 12, p.paddr, `${what} p_paddr`);
      w.word(o + 16, p.filesz, `${what} p_filesz`);
      w.word(o + 20, p.memsz, `${what} p_memsz`);
      w.u32(o + 24, p.flags, `${what} p_flags`);
      w.word(o + 28, p.align, `${what} p_align`);
    }
  });
  w.u16(is64 ? 0x38 : 0x2c, phnum, 'e_phnum');

  // Section headers of moved sections; indexes never change, so links and st_shndx stay valid.
  const shoff = Number(h.e_shoff);
  for (const m of moves) {
    if (m.section === undefined) continue;
    const o = shoff + m.section.index * h.e_shentsize;
    if (is64) {
      w.u64(o + 0x10, m.newAddr, 'sh_addr');
      w.u64(o + 0x18, BigInt(m.newOffset), 'sh_offset');
      w.u64(o + 0x20, m.newSize, 'sh_size');
    } else {
      w.word(o + 0x0c, m.newAddr, 'sh_addr');
      w.word(o + 0x10, BigInt(m.newOffset), 'sh_offset');
      w.word(o + 0x14, m.newSize, 'sh_size');
    }
  }

  // Symbols defined in moved sections move with them; _DYNAMIC follows .dynamic.
  const movedByIndex = new Map<number, Move>();
  for (const m of moves) if (m.section !== undefined) movedByIndex.set(m.section.index, m);
  for (const symSec of sections.filter((s) => s.sh_type === SHT_DYNSYM || s.sh_type === SHT_SYMTAB)) {
    const strSec = sections[symSec.sh_link];
    const inNew = movedByIndex.get(symSec.index);
    const base = inNew !== undefined ? inNew.newOffset : Number(symSec.sh_offset);
    const symEnt = is64 ? 24 : 16;
    const count = Math.floor(Number(symSec.sh_size) / symEnt);
    const strBase = strSec === undefined ? undefined : (movedByIndex.get(strSec.index)?.newOffset ?? Number(strSec.sh_offset));
    const rr = new ByteReader(out, le, is64);
    for (let i = 1; i < count; i++) {
      const o = base + i * symEnt;
      const shndx = rr.u16(o + (is64 ? 6 : 14), 'st_shndx');
      const valueOff = o + (is64 ? 8 : 4);
      // Section symbols and anything defined in a moved section (.dynamic included) follow it.
      const m = movedByIndex.get(shndx);
      if (m !== undefined) {
        const v = rr.word(valueOff, 'st_value');
        w.word(valueOff, v + (m.newAddr - m.oldAddr), 'st_value');
      }
      if (dynMove !== undefined && strBase !== undefined) {
        const nameOff = rr.u32(o, 'st_name');
        if (isName(out, strBase + nameOff, '_DYNAMIC')) w.word(valueOff, dynMove.newAddr, 'st_value');
      }
    }
  }
  if (sections.length === 0 && dynMove !== undefined) {
    // Without section headers only .dynsym is known: _DYNAMIC, when it is there, follows
    // .dynamic (section symbols inside moved tables were refused by the safety scan).
    const at = elf.dynamicSymbols().find((s) => s.name === '_DYNAMIC');
    const symtabAddr = dynamicValue(dyn, DT_SYMTAB);
    const symtab = symtabAddr === undefined ? undefined : elf.vaddrToOffset(symtabAddr, 1);
    if (at !== undefined && symtab !== undefined) {
      w.word(newOffsetOf(symtab) + at.index * symEntrySize(is64) + (is64 ? 8 : 4), dynMove.newAddr, '_DYNAMIC st_value');
    }
  }

  // Verneed: renamed files point at their new strings, wherever the table now lives.
  for (const [off, val] of verneedFiles) w.u32(newOffsetOf(off) + 4, Number(val), 'vn_file');
  return { bytes: out, reused: slot.kind === 'reuse' };
}

/**
 * A piece is copied by its own size; a table the dynamic array names inside it must end
 * within it, or the copy would cut the table the loader reads (a section header smaller
 * than the table it holds).
 */
function checkTablesInsidePieces(elf: ElfFile, toMove: readonly Piece[]): void {
  const dyn = elf.dynamic;
  if (dyn === undefined || toMove.length === 0) return;
  for (const t of dynamicTableExtents(elf, dyn)) {
    const host = toMove.find((p) => t.vaddr >= p.vaddr && t.vaddr < p.vaddr + p.size);
    if (host !== undefined && t.vaddr + t.size > host.vaddr + host.size) {
      throw new ElfFormatError('ELF_MALFORMED', `${t.name} (${hex(t.size)} bytes by the dynamic array) does not fit in section ${host.name} (${hex(host.size)} bytes)`);
    }
  }
}

/**
 * A note or interpreter segment moves only as a whole. With section headers it must be
 * exactly the sections that move inside it; without them it must lie inside one moved table.
 */
function checkSegmentsMoveWhole(phdrs: readonly ProgramHeader[], toMove: readonly Piece[], bySections: boolean): void {
  for (const p of phdrs) {
    if (p.p_type !== PT_INTERP && p.p_type !== PT_NOTE && p.p_type !== PT_GNU_PROPERTY) continue;
    if (!bySections) {
      const overlapping = toMove.filter((m) => m.vaddr < p.p_vaddr + p.p_memsz && p.p_vaddr < m.vaddr + m.size);
      if (overlapping.length === 0) continue;
      const host = overlapping[0] as Piece;
      if (overlapping.length > 1 || host.vaddr > p.p_vaddr || host.vaddr + host.size < p.p_vaddr + p.p_filesz || p.p_offset - host.offset !== p.p_vaddr - host.vaddr) {
        throw refuseLayout(`program header ${p.index} does not match the tables it covers`);
      }
      continue;
    }
    const inside = toMove.filter((s) => s.vaddr >= p.p_vaddr && s.vaddr < p.p_vaddr + (p.p_memsz > 0n ? p.p_memsz : 1n));
    if (inside.length === 0) continue;
    const start = inside.reduce((m, s) => (s.vaddr < m ? s.vaddr : m), inside[0]?.vaddr ?? 0n);
    const end = inside.reduce((m, s) => (s.vaddr + s.size > m ? s.vaddr + s.size : m), 0n);
    if (start !== p.p_vaddr || end !== p.p_vaddr + p.p_filesz || p.p_offset - (inside[0]?.offset ?? 0n) !== p.p_vaddr - (inside[0]?.vaddr ?? 0n)) {
      throw refuseLayout(`program header ${p.index} does not match the sections it covers`);
    }
  }
}

function isName(bytes: Uint8Array, at: number, name: string): boolean {
  if (at < 0 || at + name.length >= bytes.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[at + i] !== name.charCodeAt(i)) return false;
  return bytes[at + name.length] === 0;
}
