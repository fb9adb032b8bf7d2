// The segment write (design §3 phase D): one new PT_LOAD past the end of the file, aligned for
// the machine's largest page size, holds a copy of .dynstr with the new strings appended, the
// pieces evicted to make room for one more program header, and .dynamic when it had to grow.
// The program header table never moves and no existing vaddr changes. A segment this writer
// appended on an earlier run is rebuilt in place instead of adding another one.
//
// It runs in named phases over one record, SegmentPlan: planning (checkInput, choosePlace,
// checkPieces, layOut, checkPointers) refuses anything it cannot rewrite safely before a byte
// is written; writing (copyImage, writeDynamic, writeProgramHeaders, writeSectionHeaders,
// moveSymbols, writeVerneedFiles) then cannot fail on the input's account.
import { ElfFormatError } from '../errors.js';
import { ByteReader, ByteWriter, hex, roundUp, takeOutput } from '../util/bytes.js';
import { DT_STRSZ, DT_STRTAB, DT_SYMTAB, PF_R, PF_W, PT_DYNAMIC, PT_GNU_PROPERTY, PT_INTERP, PT_LOAD, PT_NOTE, PT_NULL, PT_PHDR, SHT_DYNAMIC, SHT_DYNSYM, SHT_GNU_verneed, SHT_STRTAB, SHT_SYMTAB } from './constants.js';
import { writeDynamicArray, type PlannedEntry } from './dynamic-array.js';
import { dynamicValue } from './dynamic.js';
import { isAlloc, planEviction, sectionPiece, type Piece } from './evict.js';
import { addrSize, DYN, EHDR, fieldAt, PHDR, recordSize, SHDR, SYM, writeRecord, type RecordValues } from './layout.js';
import { machinePageSize, POINTER_TAGS } from './loader-facts.js';
import { findOwnSegment } from './own-segment.js';
import { refuseLayout } from './refuse.js';
import { dynamicTableExtents } from './tables.js';
import type { DynamicInfo, ElfFile, ProgramHeader, SectionHeader } from './types.js';

/** Spare DT_NULL slots a moved .dynamic gets, so the next edit can add entries in place. */
const SPARE_DYNAMIC_SLOTS = 4;
/**
 * Free address space between the old image and the new segment, so checkers that add a
 * function's size to a PLT slot's address (eu-elflint) do not see it reach into our segment.
 */
const NEW_SEGMENT_GAP = 0x100000n;
/** The largest existing p_align the new segment adopts (2 MiB alignments would only pad the file). */
const MAX_ADOPTED_ALIGN = 0x10000n;
/** Address space an ELF32 file must have left above the new segment. */
const ELF32_ADDRESS_RESERVE = 0x1000000n;

export interface SegmentWriteResult {
  readonly bytes: Uint8Array;
  /** True when a segment an earlier run appended was rebuilt instead of adding one. */
  readonly reused: boolean;
}

/** A piece on its way into the new segment: where it was, where it goes. */
interface Move {
  /** The section header to update; undefined for .dynstr/.dynamic without one, and for tables. */
  readonly section: SectionHeader | undefined;
  readonly name: string;
  readonly oldAddr: bigint;
  readonly oldSize: bigint;
  readonly oldOffset: number;
  /** Addresses a pointer tag may name inside it (anything else inside it is refused). */
  readonly starts: readonly bigint[];
  readonly newOffset: number;
  readonly newAddr: bigint;
  readonly newSize: bigint;
  /** What is written there: the old bytes, or (.dynamic) nothing yet. */
  readonly bytes: Uint8Array | undefined;
}

/** Where the program header describing the segment comes from. */
type Slot = { readonly kind: 'reuse'; readonly ph: ProgramHeader } | { readonly kind: 'null'; readonly ph: ProgramHeader } | { readonly kind: 'grow' };

/** What checkInput finds out about the input. */
interface InputFacts {
  readonly elf: ElfFile;
  readonly dyn: DynamicInfo;
  readonly sections: readonly SectionHeader[];
  readonly loads: readonly ProgramHeader[];
  readonly dynstrSec: SectionHeader | undefined;
  readonly dynSec: SectionHeader | undefined;
  /** The new segment's alignment (P in the design). */
  readonly page: bigint;
}

/** Where the segment goes and what moves into it (choosePlace). */
interface Place {
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly slot: Slot;
  /** Pieces copied into the segment besides .dynstr and .dynamic. */
  readonly toMove: readonly Piece[];
  readonly moveDynamic: boolean;
}

/** The one record the writing phases work from. */
interface SegmentPlan extends InputFacts, Place {
  /** Every piece in its new place, in layout order (.dynstr first). */
  readonly moves: readonly Move[];
  readonly dynstrMove: Move;
  readonly dynMove: Move | undefined;
  /** The size of the new segment (file and memory). */
  readonly size: bigint;
  readonly dynCapacity: number;
}

/**
 * Write `entries` (strings placed, the new ones in `appended`) through a new or rebuilt
 * segment. Throws ElfFormatError ELF_EDIT_NO_ROOM for layouts it will not rewrite.
 */
export function writeNewSegment(
  elf: ElfFile,
  entries: PlannedEntry[],
  verneedFiles: ReadonlyMap<number, bigint>,
  appended: Uint8Array,
  needDyn: boolean,
  output?: Uint8Array | 'in-place',
): SegmentWriteResult {
  const facts = checkInput(elf);
  const place = choosePlace(facts, needDyn);
  checkPieces(facts, place);
  const plan = layOut(facts, place, entries.length, appended);
  checkPointers(plan, entries);
  const out = copyImage(plan, output);
  const w = new ByteWriter(out, elf.ident.littleEndian, elf.ident.elfClass === 64);
  writeDynamic(plan, entries, w);
  writeProgramHeaders(plan, w);
  writeSectionHeaders(plan, w);
  moveSymbols(plan, out, w);
  for (const [off, val] of verneedFiles) w.u32(newOffsetOf(plan, off) + 4, Number(val), 'vn_file');
  return { bytes: out, reused: plan.slot.kind === 'reuse' };
}

/** Phase 1: the input's string table, dynamic section and segments, and the page size. */
function checkInput(elf: ElfFile): InputFacts {
  const dyn = elf.dynamic;
  if (dyn === undefined) throw new ElfFormatError('ELF_EDIT_INVALID', 'no dynamic section');
  const sections = elf.sections();
  const dynstrSec = sections.find((s) => s.sh_type === SHT_STRTAB && isAlloc(s) && s.sh_addr === dyn.strtabAddr);
  if (sections.length > 0 && dynstrSec === undefined) throw refuseLayout(`no section matches DT_STRTAB ${hex(dyn.strtabAddr)}`);
  const verneedSec = sections.find((s) => s.sh_type === SHT_GNU_verneed);
  if (verneedSec !== undefined && dynstrSec !== undefined && verneedSec.sh_link !== dynstrSec.index) {
    throw refuseLayout(`.gnu.version_r links section ${verneedSec.sh_link}, not .dynstr (${dynstrSec.index})`);
  }
  const loads = elf.programHeaders.filter((p) => p.p_type === PT_LOAD);
  // A file whose segments overlap or are out of order would not load anyway; moving pieces
  // around in it could only hide that, so refuse.
  let prev: ProgramHeader | undefined;
  for (const l of loads) {
    if (prev !== undefined && l.p_vaddr < prev.p_vaddr + prev.p_memsz) throw refuseLayout('its PT_LOAD segments overlap or are out of order');
    prev = l;
  }
  let page = BigInt(machinePageSize(elf.header.e_machine));
  for (const l of loads) if (l.p_align > page && l.p_align <= MAX_ADOPTED_ALIGN && (l.p_align & (l.p_align - 1n)) === 0n) page = l.p_align;
  return { elf, dyn, sections, loads, dynstrSec, dynSec: sections.find((s) => s.sh_type === SHT_DYNAMIC), page };
}

/** Phase 2: rebuild our own segment, or append one described by a PT_NULL slot or a grown table. */
function choosePlace(f: InputFacts, needDyn: boolean): Place {
  const own = findOwnSegment(f.elf, f.sections);
  if (own !== undefined) {
    return { offset: own.ph.p_offset, vaddr: own.ph.p_vaddr, slot: { kind: 'reuse', ph: own.ph }, toMove: own.inside, moveDynamic: needDyn || own.holdsDynamic };
  }
  // Above every segment and every allocated section (a section outside all segments in a
  // damaged file must not end up inside ours), and past the end of the file.
  let top = 0n;
  for (const l of f.loads) if (l.p_vaddr + l.p_memsz > top) top = l.p_vaddr + l.p_memsz;
  for (const s of f.sections) if (isAlloc(s) && s.sh_addr + s.sh_size > top) top = s.sh_addr + s.sh_size;
  const vaddr = roundUp(top + NEW_SEGMENT_GAP, f.page);
  if (f.elf.ident.elfClass === 32 && vaddr > 0xffffffffn - ELF32_ADDRESS_RESERVE) throw refuseLayout('no 32-bit address space is left for a new segment');
  const offset = roundUp(BigInt(f.elf.bytes.length), f.page);
  const nul = f.elf.programHeaders.find((p) => p.p_type === PT_NULL);
  if (nul !== undefined) return { offset, vaddr, slot: { kind: 'null', ph: nul }, toMove: [], moveDynamic: needDyn };
  // Eviction includes its safety scan: nothing may point into an evicted piece except the
  // pointer tags we remap and the program headers we move with it.
  const evict = planEviction(f.elf, f.sections, f.loads, BigInt(f.elf.header.e_phentsize));
  return { offset, vaddr, slot: { kind: 'grow' }, toMove: evict, moveDynamic: needDyn };
}

const isDynstrPiece = (f: InputFacts, p: Piece): boolean => (p.section !== undefined ? p.section === f.dynstrSec : p.starts.includes(f.dyn.strtabAddr));
const isDynamicPiece = (f: InputFacts, p: Piece): boolean => p.section !== undefined && p.section === f.dynSec;

/**
 * Phase 3: everything that moves must sit where its header says, inside a PT_LOAD; a note or
 * interpreter segment must be exactly what moves with it; a table the dynamic array names
 * must fit in the piece that holds it. Otherwise the file's headers disagree with each other
 * and we refuse rather than guess.
 */
function checkPieces(f: InputFacts, place: Place): void {
  for (const m of [...place.toMove, ...(f.dynstrSec === undefined ? [] : [sectionPiece(f.dynstrSec)])]) {
    const home = f.loads.find((l) => m.vaddr >= l.p_vaddr && m.vaddr + m.size <= l.p_vaddr + l.p_filesz);
    if (home === undefined || m.offset - home.p_offset !== m.vaddr - home.p_vaddr) {
      throw refuseLayout(`section ${m.name} is not where its PT_LOAD segment maps it`);
    }
    // Without section headers .dynstr is a table like the others, but it is copied (with the
    // new strings) by itself: it must not share bytes with another table.
    if (m.section === undefined && isDynstrPiece(f, m) && (m.vaddr !== f.dyn.strtabAddr || m.size !== BigInt(f.dyn.strtabSize))) {
      throw refuseLayout(`the dynamic string table overlaps another table (${m.name})`);
    }
  }
  checkSegmentsMoveWhole(f.elf.programHeaders, place.toMove, f.sections.length > 0);
  // A piece is copied by its own size: a table inside it must end within it, or the copy
  // would cut the table the loader reads (a section header smaller than its table).
  for (const t of place.toMove.length === 0 ? [] : dynamicTableExtents(f.elf, f.dyn)) {
    const host = place.toMove.find((p) => t.vaddr >= p.vaddr && t.vaddr < p.vaddr + p.size);
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
      const [host, ...more] = overlapping;
      if (host === undefined) continue;
      if (more.length > 0 || host.vaddr > p.p_vaddr || host.vaddr + host.size < p.p_vaddr + p.p_filesz || p.p_offset - host.offset !== p.p_vaddr - host.vaddr) {
        throw refuseLayout(`program header ${p.index} does not match the tables it covers`);
      }
      continue;
    }
    const inside = toMove.filter((s) => s.vaddr >= p.p_vaddr && s.vaddr < p.p_vaddr + (p.p_memsz > 0n ? p.p_memsz : 1n));
    const [first] = inside;
    if (first === undefined) continue;
    const start = inside.reduce((m, s) => (s.vaddr < m ? s.vaddr : m), first.vaddr);
    const end = inside.reduce((m, s) => (s.vaddr + s.size > m ? s.vaddr + s.size : m), 0n);
    if (start !== p.p_vaddr || end !== p.p_vaddr + p.p_filesz || p.p_offset - first.offset !== p.p_vaddr - first.vaddr) {
      throw refuseLayout(`program header ${p.index} does not match the sections it covers`);
    }
  }
}

/** Phase 4: the segment's contents in order (.dynstr, the moved pieces, .dynamic), each at its alignment. */
function layOut(f: InputFacts, place: Place, entryCount: number, appended: Uint8Array): SegmentPlan {
  const input = f.elf.bytes;
  const dynstrBytes = new Uint8Array(f.dyn.strtabSize + appended.length);
  dynstrBytes.set(input.subarray(f.dyn.strtabOffset, f.dyn.strtabOffset + f.dyn.strtabSize), 0);
  dynstrBytes.set(appended, f.dyn.strtabSize);
  const pieces: { readonly from: Omit<Move, 'newOffset' | 'newAddr'>; readonly align: bigint }[] = [];
  pieces.push({
    from: { section: f.dynstrSec, name: '.dynstr', oldAddr: f.dyn.strtabAddr, oldSize: BigInt(f.dyn.strtabSize), oldOffset: f.dyn.strtabOffset, starts: [f.dyn.strtabAddr], newSize: BigInt(dynstrBytes.length), bytes: dynstrBytes },
    align: f.dynstrSec?.sh_addralign ?? 1n,
  });
  for (const m of [...place.toMove].sort((a, b) => (a.offset < b.offset ? -1 : 1))) {
    if (isDynstrPiece(f, m) || isDynamicPiece(f, m)) continue;
    const off = Number(m.offset);
    pieces.push({ from: { section: m.section, name: m.name, oldAddr: m.vaddr, oldSize: m.size, oldOffset: off, starts: m.starts, newSize: m.size, bytes: input.subarray(off, off + Number(m.size)) }, align: m.align });
  }
  const is64 = f.elf.ident.elfClass === 64;
  const dynCapacity = place.moveDynamic ? entryCount + 1 + SPARE_DYNAMIC_SLOTS : f.dyn.capacity;
  if (place.moveDynamic) {
    const size = BigInt(dynCapacity * recordSize(DYN, is64));
    pieces.push({ from: { section: f.dynSec, name: '.dynamic', oldAddr: f.dyn.vaddr, oldSize: BigInt(f.dyn.size), oldOffset: f.dyn.offset, starts: [], newSize: size, bytes: undefined }, align: BigInt(addrSize(is64)) });
  }
  // Each piece at its alignment: a power of two no larger than a page.
  const moves: Move[] = [];
  let cursor = 0n;
  for (const { from, align } of pieces) {
    if (align > f.page || (align > 0n && (align & (align - 1n)) !== 0n)) throw refuseLayout(`section ${from.name} asks for alignment ${hex(align)}`);
    cursor = roundUp(cursor, align > 0n ? align : 1n);
    moves.push({ ...from, newOffset: Number(place.offset + cursor), newAddr: place.vaddr + cursor });
    cursor += from.newSize;
  }
  const [dynstrMove] = moves;
  if (dynstrMove === undefined) throw new ElfFormatError('ELF_EDIT_INVALID', 'nothing to lay out');
  const dynMove = place.moveDynamic ? moves[moves.length - 1] : undefined;
  return { ...f, ...place, moves, dynstrMove, dynMove, size: cursor, dynCapacity };
}

/** The moves whose old bytes are copied (all but the rebuilt .dynamic). */
const copied = (p: SegmentPlan): readonly Move[] => p.moves.filter((m) => m !== p.dynMove);

function movedAt(p: SegmentPlan, addr: bigint): Move | undefined {
  return copied(p).find((m) => addr >= m.oldAddr && addr < m.oldAddr + (m.oldSize > 0n ? m.oldSize : 1n));
}

/** Where the byte at an old file offset is now (moved pieces are copied whole). */
function newOffsetOf(p: SegmentPlan, off: number): number {
  const m = copied(p).find((x) => off >= x.oldOffset && off < x.oldOffset + Number(x.oldSize));
  return m === undefined ? off : m.newOffset + (off - m.oldOffset);
}

/**
 * Phase 5: pointer tags must be remappable. The headers are rewritten in place, so no table
 * may live there; and a table pointer always names the start of its table, so one pointing
 * into the middle of a piece we move means the headers disagree, and we refuse.
 */
function checkPointers(p: SegmentPlan, entries: readonly PlannedEntry[]): void {
  const h = p.elf.header;
  const is64 = p.elf.ident.elfClass === 64;
  const rewrittenEnd = h.e_phoff + BigInt(h.e_phnum + (p.slot.kind === 'grow' ? 1 : 0)) * BigInt(h.e_phentsize);
  for (const e of entries) {
    if (!POINTER_TAGS.has(e.tag)) continue;
    const m = movedAt(p, e.val);
    if (m !== undefined && e.tag !== DT_STRTAB && !m.starts.includes(e.val)) throw refuseLayout(`dynamic tag ${hex(e.tag)} points into the middle of a section that would have to move`);
    if (copied(p).some((x) => e.val >= x.oldAddr && e.val < x.oldAddr + x.oldSize)) continue;
    const off = p.elf.vaddrToOffset(e.val, 1);
    if (off !== undefined && (off < recordSize(EHDR, is64) || (BigInt(off) >= h.e_phoff && BigInt(off) < rewrittenEnd))) {
      throw refuseLayout(`dynamic tag ${hex(e.tag)} points into the ELF or program headers`);
    }
  }
}

/** Phase 6: the output buffer: the input up to the new segment, zeros, the moved bytes. */
function copyImage(p: SegmentPlan, output: Uint8Array | 'in-place' | undefined): Uint8Array {
  const input = p.elf.bytes;
  const outLen = Number(p.offset + p.size);
  const out = takeOutput(outLen, output, input);
  const kept = Math.min(input.length, Number(p.offset));
  const inPlace = out.buffer === input.buffer && out.byteOffset === input.byteOffset;
  // In place, what moves from where the zeros go (a rebuilt segment's pieces) is copied out first.
  const underZeros = (b: Uint8Array): boolean => b.buffer === input.buffer && b.byteOffset - input.byteOffset + b.length > kept;
  const moved = p.moves.map((m) => (inPlace && m.bytes !== undefined && underZeros(m.bytes) ? m.bytes.slice() : m.bytes));
  if (!inPlace) out.set(input.subarray(0, kept), 0);
  // Padding and the new segment start as zeros (a reused buffer holds old bytes).
  out.fill(0, kept, outLen);
  p.moves.forEach((m, i) => {
    const bytes = moved[i];
    if (bytes !== undefined) out.set(bytes, m.newOffset);
  });
  return out;
}

/** Phase 7: pointer tags follow their pieces; the string table is the new copy. */
function writeDynamic(p: SegmentPlan, entries: PlannedEntry[], w: ByteWriter): void {
  for (const e of entries) {
    if (e.tag === DT_STRTAB) e.val = p.dynstrMove.newAddr;
    else if (e.tag === DT_STRSZ) e.val = p.dynstrMove.newSize;
    else if (POINTER_TAGS.has(e.tag)) {
      const m = movedAt(p, e.val);
      if (m !== undefined) e.val = m.newAddr + (e.val - m.oldAddr);
    }
  }
  writeDynamicArray(w, p.dynMove?.newOffset ?? p.dyn.offset, p.dynCapacity, entries);
}

type PhdrValues = RecordValues<typeof PHDR.fields>;

/** Phase 8: the new PT_LOAD in its slot, and the headers of what moved (PHDR, DYNAMIC, notes, interpreter). */
function writeProgramHeaders(p: SegmentPlan, w: ByteWriter): void {
  const h = p.elf.header;
  const table: PhdrValues[] = p.elf.programHeaders.map(({ index: _i, ...v }) => ({ ...v }));
  const segment: PhdrValues = { p_type: PT_LOAD, p_flags: PF_R | (p.moveDynamic ? PF_W : 0), p_offset: p.offset, p_vaddr: p.vaddr, p_paddr: p.vaddr, p_filesz: p.size, p_memsz: p.size, p_align: p.page };
  if (p.slot.kind === 'reuse') {
    table[p.slot.ph.index] = segment;
  } else {
    if (p.slot.kind === 'null') table.splice(p.slot.ph.index, 1);
    // Right after the last PT_LOAD: it has the highest address, so the order stays ascending.
    const lastLoad = table.reduce((last, ph, i) => (ph.p_type === PT_LOAD ? i : last), -1);
    table.splice(lastLoad + 1, 0, segment);
  }
  if (table.length >= 0xffff) throw refuseLayout('the program header table would need extended numbering');
  for (const ph of table) if (ph !== segment) followMoves(p, ph, BigInt(table.length * h.e_phentsize));
  table.forEach((ph, i) => {
    writeRecord(w, PHDR, Number(h.e_phoff) + i * h.e_phentsize, ph, `program header ${i}`);
  });
  writeRecord(w, EHDR, 0, { e_phnum: table.length }, 'ELF header');
}

/** Update one program header for what moved; `tableSize` is the grown table's size. */
function followMoves(p: SegmentPlan, ph: PhdrValues, tableSize: bigint): void {
  if (ph.p_type === PT_PHDR) {
    ph.p_filesz = tableSize;
    ph.p_memsz = tableSize;
  } else if (ph.p_type === PT_DYNAMIC && p.dynMove !== undefined) {
    Object.assign(ph, { p_offset: BigInt(p.dynMove.newOffset), p_vaddr: p.dynMove.newAddr, p_paddr: p.dynMove.newAddr, p_filesz: p.dynMove.newSize, p_memsz: p.dynMove.newSize, p_flags: PF_R | PF_W });
  } else if (ph.p_type === PT_INTERP || ph.p_type === PT_NOTE || ph.p_type === PT_GNU_PROPERTY) {
    if (p.sections.length === 0) {
      // A table that moved holds the whole segment: it moves by the table's delta.
      const host = copied(p).find((m) => ph.p_vaddr >= m.oldAddr && ph.p_vaddr + ph.p_filesz <= m.oldAddr + m.oldSize);
      if (host === undefined) return;
      ph.p_offset = BigInt(host.newOffset) + (ph.p_offset - BigInt(host.oldOffset));
      ph.p_vaddr = host.newAddr + (ph.p_vaddr - host.oldAddr);
      ph.p_paddr = ph.p_vaddr;
      return;
    }
    // These cover sections we may have moved: follow them (whole groups move together).
    const covered = copied(p).filter((m) => m.section !== undefined && m.oldAddr >= ph.p_vaddr && m.oldAddr < ph.p_vaddr + (ph.p_memsz > 0n ? ph.p_memsz : 1n));
    const first = covered[0];
    const last = covered[covered.length - 1];
    if (first === undefined || last === undefined) return;
    const lead = first.oldAddr - ph.p_vaddr;
    ph.p_offset = BigInt(first.newOffset) - lead;
    ph.p_vaddr = first.newAddr - lead;
    ph.p_paddr = ph.p_vaddr;
    const size = last.newAddr + last.newSize - ph.p_vaddr;
    if (size > ph.p_filesz) {
      ph.p_filesz = size;
      ph.p_memsz = size;
    }
  }
}

/** Phase 9: moved sections' headers; indexes never change, so links and st_shndx stay valid. */
function writeSectionHeaders(p: SegmentPlan, w: ByteWriter): void {
  const h = p.elf.header;
  for (const m of p.moves) {
    if (m.section === undefined) continue;
    writeRecord(w, SHDR, Number(h.e_shoff) + m.section.index * h.e_shentsize, { sh_addr: m.newAddr, sh_offset: BigInt(m.newOffset), sh_size: m.newSize }, `section header ${m.section.index}`);
  }
}

/** Phase 10: symbols defined in moved sections move with them; _DYNAMIC follows .dynamic. */
function moveSymbols(p: SegmentPlan, out: Uint8Array, w: ByteWriter): void {
  const is64 = p.elf.ident.elfClass === 64;
  const ent = recordSize(SYM, is64);
  const valueAt = fieldAt(SYM.fields.st_value, is64);
  const movedByIndex = new Map<number, Move>();
  for (const m of p.moves) if (m.section !== undefined) movedByIndex.set(m.section.index, m);
  const rr = new ByteReader(out, p.elf.ident.littleEndian, is64);
  for (const symSec of p.sections.filter((s) => s.sh_type === SHT_DYNSYM || s.sh_type === SHT_SYMTAB)) {
    const strSec = p.sections[symSec.sh_link];
    const base = movedByIndex.get(symSec.index)?.newOffset ?? Number(symSec.sh_offset);
    const count = Math.floor(Number(symSec.sh_size) / ent);
    const strBase = strSec === undefined ? undefined : (movedByIndex.get(strSec.index)?.newOffset ?? Number(strSec.sh_offset));
    for (let i = 1; i < count; i++) {
      const o = base + i * ent;
      // Section symbols and anything defined in a moved section (.dynamic included) follow it.
      const m = movedByIndex.get(rr.u16(o + fieldAt(SYM.fields.st_shndx, is64), 'st_shndx'));
      if (m !== undefined) w.word(o + valueAt, rr.word(o + valueAt, 'st_value') + (m.newAddr - m.oldAddr), 'st_value');
      if (p.dynMove !== undefined && strBase !== undefined && isName(out, strBase + rr.u32(o, 'st_name'), '_DYNAMIC')) w.word(o + valueAt, p.dynMove.newAddr, 'st_value');
    }
  }
  if (p.sections.length === 0 && p.dynMove !== undefined) {
    // Without section headers only .dynsym is known: _DYNAMIC, when it is there, follows
    // .dynamic (section symbols inside moved tables were refused by the safety scan).
    const at = p.elf.dynamicSymbols().find((s) => s.name === '_DYNAMIC');
    const symtabAddr = dynamicValue(p.dyn, DT_SYMTAB);
    const symtab = symtabAddr === undefined ? undefined : p.elf.vaddrToOffset(symtabAddr, 1);
    if (at !== undefined && symtab !== undefined) w.word(newOffsetOf(p, symtab) + at.index * ent + valueAt, p.dynMove.newAddr, '_DYNAMIC st_value');
  }
}

function isName(bytes: Uint8Array, at: number, name: string): boolean {
  if (at < 0 || at + name.length >= bytes.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[at + i] !== name.charCodeAt(i)) return false;
  return bytes[at + name.length] === 0;
}
