// The relocation write (design §3 phase D). One new PT_LOAD past the end of the file, aligned
// for the machine's largest page size, holds a copy of .dynstr with the new strings appended,
// any sections evicted to make room for one more program header, and .dynamic when it had to
// grow. The program header table never moves and no existing vaddr changes. A segment this
// code appended on an earlier run is rebuilt in place instead of adding another one.
import { ElfFormatError } from '../errors.js';
import { ByteReader, ByteWriter, hex } from '../util/bytes.js';
import {
  DT_ANDROID_REL,
  DT_BIND_NOW,
  DT_FINI_ARRAYSZ,
  DT_FLAGS,
  DT_FLAGS_1,
  DT_INIT_ARRAYSZ,
  DT_NEEDED,
  DT_PLTREL,
  DT_PLTRELSZ,
  DT_PREINIT_ARRAYSZ,
  DT_RELACOUNT,
  DT_RELAENT,
  DT_RELASZ,
  DT_RELCOUNT,
  DT_RELENT,
  DT_RELRENT,
  DT_RELRSZ,
  DT_RELSZ,
  DT_RPATH,
  DT_RUNPATH,
  DT_SONAME,
  DT_SYMBOLIC,
  DT_SYMENT,
  DT_TEXTREL,
  DT_VERDEFNUM,
  DT_VERNEEDNUM,
  DT_ANDROID_RELA,
  DT_GNU_HASH,
  DT_HASH,
  DT_JMPREL,
  DT_REL,
  DT_RELA,
  DT_RELR,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMTAB,
  DT_VERDEF,
  DT_VERNEED,
  DT_VERSYM,
  EM_AARCH64,
  EM_LOONGARCH,
  EM_MIPS,
  EM_PPC,
  EM_PPC64,
  PF_R,
  PF_W,
  PT_DYNAMIC,
  PT_GNU_PROPERTY,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  PT_NULL,
  PT_PHDR,
  SHF_ALLOC,
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
  SHT_REL,
  SHT_RELA,
  SHT_RELR,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_LOCAL,
  STT_SECTION,
} from './constants.js';
import { dynEntrySize } from './dynamic.js';
import { dynamicRelocations } from './relocs.js';
import type { ElfFile, ProgramHeader, SectionHeader } from './types.js';
import { refuseLayout, takeOutput, writeDynamicArray, type PlannedEntry } from './dynamic-write.js';

/** Largest page size kernels of each machine use (design §2, page-size table). */
export function machinePageSize(e_machine: number): number {
  switch (e_machine) {
    case EM_AARCH64:
    case EM_PPC64:
    case EM_PPC:
    case EM_LOONGARCH:
    case EM_MIPS:
      return 0x10000;
    default:
      return 0x1000;
  }
}

/** Dynamic tags holding addresses of sections we may move; everything else is left alone. */
export const POINTER_TAGS: ReadonlySet<bigint> = new Set([DT_HASH, DT_STRTAB, DT_SYMTAB, DT_RELA, DT_REL, DT_JMPREL, DT_RELR, DT_GNU_HASH, DT_VERSYM, DT_VERDEF, DT_VERNEED, DT_ANDROID_REL, DT_ANDROID_RELA]);

const MOVABLE_TYPES = new Set([SHT_NOTE, SHT_GNU_HASH, SHT_HASH, SHT_DYNSYM, SHT_STRTAB, SHT_GNU_versym, SHT_GNU_verdef, SHT_GNU_verneed, SHT_RELA, SHT_REL, SHT_RELR]);

const SPARE_DYNAMIC_SLOTS = 4;
const NEW_SEGMENT_GAP = 0x100000n;

function roundUp(v: bigint, a: bigint): bigint {
  return a <= 1n ? v : ((v + a - 1n) / a) * a;
}

function isAlloc(s: SectionHeader): boolean {
  return (s.sh_flags & SHF_ALLOC) !== 0n && s.sh_type !== 0;
}

function occupiesFile(s: SectionHeader): boolean {
  return s.sh_type !== SHT_NOBITS && s.sh_type !== 0 && s.sh_size > 0n;
}

interface Move {
  readonly section: SectionHeader | undefined;
  readonly oldAddr: bigint;
  readonly oldSize: bigint;
  readonly oldOffset: number;
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

/** The PT_LOAD a previous run appended, when it can be rebuilt in place. */
function ownSegment(elf: ElfFile, sections: readonly SectionHeader[]): ProgramHeader | undefined {
  const loads = elf.programHeaders.filter((p) => p.p_type === PT_LOAD);
  const last = loads.reduce<ProgramHeader | undefined>((a, p) => (a === undefined || p.p_vaddr > a.p_vaddr ? p : a), undefined);
  if (last === undefined || sections.length === 0) return undefined;
  if (last.p_offset + last.p_filesz !== BigInt(elf.bytes.length) || last.p_filesz !== last.p_memsz) return undefined;
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
  return last;
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
  const r = new ByteReader(input, le, is64);
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
  const own = ownSegment(elf, sections);
  let O: bigint;
  let V: bigint;
  let slot: { kind: 'reuse'; ph: ProgramHeader } | { kind: 'null'; ph: ProgramHeader } | { kind: 'grow'; evict: SectionHeader[] };
  if (own !== undefined) {
    O = own.p_offset;
    V = own.p_vaddr;
    slot = { kind: 'reuse', ph: own };
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
    slot = nul !== undefined ? { kind: 'null', ph: nul } : { kind: 'grow', evict: phtGrowth(elf, sections, loads, phent) };
  }
  if (!is64 && V > 0xffffffffn - 0x1000000n) throw refuseLayout('no 32-bit address space is left for a new segment');

  // Sections to move: .dynstr always (so the segment starts with a section that has no
  // program header of its own), evicted ones, everything in a segment being rebuilt.
  const toMove: SectionHeader[] = [];
  if (slot.kind === 'grow') toMove.push(...slot.evict);
  if (slot.kind === 'reuse') {
    for (const s of sections) if (occupiesFile(s) && s.sh_offset >= slot.ph.p_offset && s.sh_offset < slot.ph.p_offset + slot.ph.p_filesz) toMove.push(s);
  }
  const dynamicInOwn = slot.kind === 'reuse' && dynSec !== undefined && toMove.includes(dynSec);
  const moveDynamic = needDyn || dynamicInOwn;

  // Safety scan before evicting: nothing may point into an evicted section except the
  // pointer tags we remap and the program headers we move with it.
  if (slot.kind === 'grow' && slot.evict.length > 0) safetyScan(elf, slot.evict, r);

  // Everything we move must sit where its section header says, inside a PT_LOAD; and a note or
  // interpreter segment must be exactly the sections that move with it. Otherwise the file's
  // headers disagree with each other and we refuse rather than guess.
  for (const s of [...toMove, ...(dynstrSec === undefined ? [] : [dynstrSec])]) {
    const home = loads.find((l) => s.sh_addr >= l.p_vaddr && s.sh_addr + s.sh_size <= l.p_vaddr + l.p_filesz);
    if (home === undefined || s.sh_offset - home.p_offset !== s.sh_addr - home.p_vaddr) {
      throw refuseLayout(`section ${s.name || `#${s.index}`} is not where its PT_LOAD segment maps it`);
    }
  }
  for (const p of phdrs) {
    if (p.p_type !== PT_INTERP && p.p_type !== PT_NOTE && p.p_type !== PT_GNU_PROPERTY) continue;
    const inside = toMove.filter((s) => s.sh_addr >= p.p_vaddr && s.sh_addr < p.p_vaddr + (p.p_memsz > 0n ? p.p_memsz : 1n));
    if (inside.length === 0) continue;
    const start = inside.reduce((m, s) => (s.sh_addr < m ? s.sh_addr : m), inside[0]?.sh_addr ?? 0n);
    const end = inside.reduce((m, s) => (s.sh_addr + s.sh_size > m ? s.sh_addr + s.sh_size : m), 0n);
    if (start !== p.p_vaddr || end !== p.p_vaddr + p.p_filesz || p.p_offset - (inside[0]?.sh_offset ?? 0n) !== p.p_vaddr - (inside[0]?.sh_addr ?? 0n)) {
      throw refuseLayout(`program header ${p.index} does not match the sections it covers`);
    }
  }

  const moves: Move[] = [];
  const dynstrBytes = new Uint8Array(dyn.strtabSize + appended.length);
  dynstrBytes.set(input.subarray(dyn.strtabOffset, dyn.strtabOffset + dyn.strtabSize), 0);
  dynstrBytes.set(appended, dyn.strtabSize);
  const dynstrMove: Move = {
    section: dynstrSec,
    oldAddr: dyn.strtabAddr,
    oldSize: BigInt(dyn.strtabSize),
    oldOffset: dyn.strtabOffset,
    newOffset: 0,
    newAddr: 0n,
    newSize: BigInt(dynstrBytes.length),
    bytes: dynstrBytes,
    align: dynstrSec?.sh_addralign ?? 1n,
  };
  moves.push(dynstrMove);
  for (const s of [...toMove].sort((a, b) => (a.sh_offset < b.sh_offset ? -1 : 1))) {
    if (s === dynstrSec || s === dynSec) continue;
    const off = Number(s.sh_offset);
    moves.push({
      section: s,
      oldAddr: s.sh_addr,
      oldSize: s.sh_size,
      oldOffset: off,
      newOffset: 0,
      newAddr: 0n,
      newSize: s.sh_size,
      bytes: input.subarray(off, off + Number(s.sh_size)),
      align: s.sh_addralign,
    });
  }
  const ent = dynEntrySize(is64);
  const dynCapacity = moveDynamic ? entries.length + 1 + SPARE_DYNAMIC_SLOTS : dyn.capacity;
  let dynMove: Move | undefined;
  if (moveDynamic) {
    dynMove = {
      section: dynSec,
      oldAddr: dyn.vaddr,
      oldSize: BigInt(dyn.size),
      oldOffset: dyn.offset,
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
      throw refuseLayout(`section ${m.section?.name ?? '.dynstr'} asks for alignment ${hex(m.align)}`);
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
  const remap = (addr: bigint): bigint | undefined => {
    for (const m of moves) {
      if (m === dynMove) continue;
      if (addr >= m.oldAddr && addr < m.oldAddr + (m.oldSize > 0n ? m.oldSize : 1n)) return m.newAddr + (addr - m.oldAddr);
    }
    return undefined;
  };

  // The header and the program header table are rewritten in place: no table may live there.
  const rewrittenEnd = BigInt(h.e_phoff) + BigInt(h.e_phnum + (slot.kind === 'grow' ? 1 : 0)) * phent;
  for (const e of entries) {
    if (!POINTER_TAGS.has(e.tag)) continue;
    if (moves.some((m) => m !== dynMove && e.val >= m.oldAddr && e.val < m.oldAddr + m.oldSize)) continue;
    const off = elf.vaddrToOffset(e.val, 1);
    if (off !== undefined && (off < (is64 ? 64 : 52) || (BigInt(off) >= h.e_phoff && BigInt(off) < rewrittenEnd))) {
      throw refuseLayout(`dynamic tag ${hex(e.tag)} points into the ELF or program headers`);
    }
  }

  // Dynamic entries: pointer tags follow their sections; the string table is the new copy.
  // A table pointer always names the start of its section; one pointing into the middle of a
  // section we move means the headers disagree, and we refuse.
  for (const e of entries) {
    if (!POINTER_TAGS.has(e.tag) || e.tag === DT_STRTAB) continue;
    const m = moves.find((x) => x !== dynMove && e.val >= x.oldAddr && e.val < x.oldAddr + (x.oldSize > 0n ? x.oldSize : 1n));
    if (m !== undefined && m.oldAddr !== e.val) throw refuseLayout(`dynamic tag ${hex(e.tag)} points into the middle of a section that would have to move`);
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
      // These cover sections we may have moved: follow them (whole groups move together).
      const covered = moves.filter((m) => m.section !== undefined && m.oldAddr >= p.vaddr && m.oldAddr < p.vaddr + (p.memsz > 0n ? p.memsz : 1n));
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

  // Verneed: renamed files point at their new strings, wherever the table now lives.
  const verneedMove = verneedSec !== undefined ? movedByIndex.get(verneedSec.index) : undefined;
  for (const [off, val] of verneedFiles) {
    const at = verneedMove !== undefined ? verneedMove.newOffset + (off - verneedMove.oldOffset) : off;
    w.u32(at + 4, Number(val), 'vn_file');
  }
  return { bytes: out, reused: slot.kind === 'reuse' };
}

function isName(bytes: Uint8Array, at: number, name: string): boolean {
  if (at < 0 || at + name.length >= bytes.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[at + i] !== name.charCodeAt(i)) return false;
  return bytes[at + name.length] === 0;
}

/**
 * Room for one more program header right after the table: free space, or the movable
 * sections that follow it. Returns the sections to evict ([] when there is free space).
 */
function phtGrowth(elf: ElfFile, sections: readonly SectionHeader[], loads: readonly ProgramHeader[], phent: bigint): SectionHeader[] {
  const h = elf.header;
  if (sections.length === 0) throw refuseLayout('the file has no section headers and no PT_NULL program header to reuse');
  const phtStart = h.e_phoff;
  const phtEnd = phtStart + BigInt(h.e_phnum) * phent;
  const need = phtEnd + phent;
  const home = loads.find((l) => phtStart >= l.p_offset && phtEnd <= l.p_offset + l.p_filesz);
  if (home === undefined) throw refuseLayout('the program header table is not inside a PT_LOAD segment');
  if (need > home.p_offset + home.p_filesz) throw refuseLayout('the program header table cannot grow inside its PT_LOAD segment');
  if (h.e_shoff >= phtEnd && h.e_shoff < need) throw refuseLayout('the section header table follows the program header table directly');

  const after = sections.filter((s) => occupiesFile(s) && s.sh_offset + s.sh_size > phtEnd).sort((a, b) => (a.sh_offset < b.sh_offset ? -1 : 1));
  for (const s of sections) {
    if (occupiesFile(s) && s.sh_offset < phtEnd && s.sh_offset + s.sh_size > phtStart) throw refuseLayout(`section ${s.name} overlaps the program header table`);
  }
  const evict: SectionHeader[] = [];
  const groupOf = (s: SectionHeader): SectionHeader[] => {
    const ph = elf.programHeaders.find(
      (p) => (p.p_type === PT_NOTE || p.p_type === PT_GNU_PROPERTY || p.p_type === PT_INTERP) && s.sh_addr >= p.p_vaddr && s.sh_addr < p.p_vaddr + p.p_memsz,
    );
    if (ph === undefined) return [s];
    return sections.filter((x) => occupiesFile(x) && isAlloc(x) && x.sh_addr >= ph.p_vaddr && x.sh_addr < ph.p_vaddr + ph.p_memsz);
  };
  for (const s of after) {
    const remaining = after.filter((x) => !evict.includes(x));
    const next = remaining[0];
    if (next === undefined || next.sh_offset >= need) break;
    for (const g of groupOf(next)) {
      if (evict.includes(g)) continue;
      const movable = isAlloc(g) && (MOVABLE_TYPES.has(g.sh_type) || (g.sh_type === SHT_PROGBITS && g.name === '.interp' && elf.programHeaders.some((p) => p.p_type === PT_INTERP && p.p_vaddr === g.sh_addr)));
      if (!movable) throw refuseLayout(`section ${g.name || `#${g.index}`} (type ${hex(g.sh_type)}) follows the program header table and cannot be moved`);
      evict.push(g);
    }
    void s;
  }
  // The grown table must not cover bytes that a program header still describes (a damaged
  // .interp section header could hide PT_INTERP's string from the walk above).
  for (const p of elf.programHeaders) {
    if (p.p_type === PT_LOAD || p.p_type === PT_PHDR || p.p_filesz === 0n) continue;
    if (p.p_offset >= need || p.p_offset + p.p_filesz <= phtEnd) continue;
    const moved = evict.filter((x) => x.sh_offset >= p.p_offset && x.sh_offset < p.p_offset + p.p_filesz);
    const end = moved.reduce((m, x) => (x.sh_offset + x.sh_size > m ? x.sh_offset + x.sh_size : m), 0n);
    if (moved.length === 0 || moved[0]?.sh_offset !== p.p_offset || end !== p.p_offset + p.p_filesz) {
      throw refuseLayout(`program header ${p.index} lies where the program header table would grow`);
    }
  }
  return evict;
}

/** Refuse to evict sections that anything but remappable pointers refers to. */
function safetyScan(elf: ElfFile, evict: readonly SectionHeader[], r: ByteReader): void {
  const inEvicted = (addr: bigint): SectionHeader | undefined => evict.find((s) => addr >= s.sh_addr && addr < s.sh_addr + s.sh_size);
  const dyn = elf.dynamic;
  if (dyn !== undefined) {
    for (const e of dyn.entries) {
      if (POINTER_TAGS.has(e.d_tag)) continue;
      // Only tags whose value is an address can point anywhere; sizes and flags are small.
      const s = isAddressTag(e.d_tag) ? inEvicted(e.d_val) : undefined;
      if (s !== undefined) throw refuseLayout(`dynamic tag ${hex(e.d_tag)} points into ${s.name}, which would have to move`);
    }
    for (const rel of dynamicRelocations(r, dyn, elf.vaddrToOffset)) {
      const s = inEvicted(rel.r_offset) ?? (rel.target !== undefined ? inEvicted(rel.target) : undefined);
      if (s !== undefined) throw refuseLayout(`a dynamic relocation refers to ${s.name}, which would have to move`);
    }
  }
  const evictedIdx = new Set(evict.map((s) => s.index));
  for (const s of elf.dynamicSymbols()) {
    if (s.type === STT_SECTION) continue;
    if (evictedIdx.has(s.st_shndx)) throw refuseLayout(`symbol ${s.name} is defined inside ${evict.find((x) => x.index === s.st_shndx)?.name ?? 'a section'}, which would have to move`);
  }
  // .symtab: global symbols only (crt files define local markers such as __abi_tag in notes,
  // which nothing resolves at run time).
  const symtab = elf.sections().find((s) => s.sh_type === SHT_SYMTAB);
  if (symtab !== undefined) {
    const ent = r.is64 ? 24 : 16;
    const base = Number(symtab.sh_offset);
    const count = Math.floor(Number(symtab.sh_size) / ent);
    r.check(base, count * ent, '.symtab');
    for (let i = 1; i < count; i++) {
      const o = base + i * ent;
      const info = r.u8(o + (r.is64 ? 4 : 12), 'st_info');
      const shndx = r.u16(o + (r.is64 ? 6 : 14), 'st_shndx');
      if (info >> 4 !== STB_LOCAL && (info & 0xf) !== STT_SECTION && evictedIdx.has(shndx)) {
        throw refuseLayout(`a global symbol (.symtab entry ${i}) is defined inside a section that would have to move`);
      }
    }
  }
}

function isAddressTag(tag: bigint): boolean {
  // DT_INIT/DT_FINI, the *_ARRAY tags, DT_PLTGOT, DT_DEBUG... and processor/OS specific
  // pointers. Treat every tag we do not know to be a size, count or flag as an address.
  const NON_ADDRESS = new Set([DT_NEEDED, DT_PLTRELSZ, DT_RELASZ, DT_RELAENT, DT_STRSZ, DT_SYMENT, DT_SONAME, DT_RPATH, DT_SYMBOLIC, DT_RELSZ, DT_RELENT, DT_PLTREL, DT_TEXTREL, DT_BIND_NOW, DT_INIT_ARRAYSZ, DT_FINI_ARRAYSZ, DT_RUNPATH, DT_FLAGS, DT_PREINIT_ARRAYSZ, DT_RELRSZ, DT_RELRENT, DT_RELACOUNT, DT_RELCOUNT, DT_FLAGS_1, DT_VERDEFNUM, DT_VERNEEDNUM]);
  return !NON_ADDRESS.has(tag);
}
