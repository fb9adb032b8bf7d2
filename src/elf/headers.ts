// ELF file header, program headers and section headers (gABI chapter 4 "ELF Header",
// "Section Header"; chapter 5 "Program Header"). Counts and entry sizes are checked against
// the file before any array is built, and extended numbering (PN_XNUM, SHN_XINDEX) is honoured.
import { ElfFormatError } from '../errors.js';
import { ByteReader, hex, toOffset } from '../util/bytes.js';
import {
  EI_ABIVERSION,
  EI_CLASS,
  EI_DATA,
  EI_NIDENT,
  EI_OSABI,
  EI_VERSION,
  ELF32_EHDR_SIZE,
  ELF32_PHDR_SIZE,
  ELF32_SHDR_SIZE,
  ELF64_EHDR_SIZE,
  ELF64_PHDR_SIZE,
  ELF64_SHDR_SIZE,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  PN_XNUM,
  SHN_XINDEX,
} from './constants.js';
import type { ElfHeader, ElfIdent, ProgramHeader, SectionHeader } from './types.js';

/** True when the bytes start with \x7fELF. */
export function hasElfMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseIdent(bytes: Uint8Array): ElfIdent {
  if (!hasElfMagic(bytes)) {
    throw new ElfFormatError('ELF_BAD_MAGIC', 'not an ELF file (no \\x7fELF magic)', { offset: 0 });
  }
  if (bytes.length < EI_NIDENT) {
    throw new ElfFormatError('ELF_TRUNCATED', `e_ident is truncated (file size ${hex(bytes.length)})`, { offset: 0 });
  }
  const cls = bytes[EI_CLASS];
  const data = bytes[EI_DATA];
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) {
    throw new ElfFormatError('ELF_UNSUPPORTED', `unknown EI_CLASS ${cls ?? 0}, expected 1 (32-bit) or 2 (64-bit)`, { offset: EI_CLASS });
  }
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) {
    throw new ElfFormatError('ELF_UNSUPPORTED', `unknown EI_DATA ${data ?? 0}, expected 1 (little-endian) or 2 (big-endian)`, { offset: EI_DATA });
  }
  if (bytes[EI_VERSION] !== 1) {
    throw new ElfFormatError('ELF_UNSUPPORTED', `unknown EI_VERSION ${bytes[EI_VERSION] ?? 0}, expected 1`, { offset: EI_VERSION });
  }
  return {
    elfClass: cls === ELFCLASS64 ? 64 : 32,
    littleEndian: data === ELFDATA2LSB,
    ei_osabi: bytes[EI_OSABI] ?? 0,
    ei_abiversion: bytes[EI_ABIVERSION] ?? 0,
  };
}

interface RawHeader extends Omit<ElfHeader, 'e_phnum' | 'e_shnum' | 'e_shstrndx'> {
  readonly rawPhnum: number;
  readonly rawShnum: number;
  readonly rawShstrndx: number;
}

function readRawHeader(r: ByteReader): RawHeader {
  const ehsize = r.is64 ? ELF64_EHDR_SIZE : ELF32_EHDR_SIZE;
  if (r.length < ehsize) {
    throw new ElfFormatError('ELF_TRUNCATED', `ELF header is truncated: file has ${hex(r.length)} bytes, the header needs ${hex(ehsize)}`, { offset: 0 });
  }
  if (r.is64) {
    return {
      e_type: r.u16(0x10, 'e_type'), // 0x10 e_type
      e_machine: r.u16(0x12, 'e_machine'), // 0x12 e_machine
      e_version: r.u32(0x14, 'e_version'), // 0x14 e_version
      e_entry: r.u64(0x18, 'e_entry'), // 0x18 e_entry
      e_phoff: r.u64(0x20, 'e_phoff'), // 0x20 e_phoff
      e_shoff: r.u64(0x28, 'e_shoff'), // 0x28 e_shoff
      e_flags: r.u32(0x30, 'e_flags'), // 0x30 e_flags
      e_ehsize: r.u16(0x34, 'e_ehsize'), // 0x34 e_ehsize
      e_phentsize: r.u16(0x36, 'e_phentsize'), // 0x36 e_phentsize
      rawPhnum: r.u16(0x38, 'e_phnum'), // 0x38 e_phnum
      e_shentsize: r.u16(0x3a, 'e_shentsize'), // 0x3a e_shentsize
      rawShnum: r.u16(0x3c, 'e_shnum'), // 0x3c e_shnum
      rawShstrndx: r.u16(0x3e, 'e_shstrndx'), // 0x3e e_shstrndx
    };
  }
  return {
    e_type: r.u16(0x10, 'e_type'), // 0x10 e_type
    e_machine: r.u16(0x12, 'e_machine'), // 0x12 e_machine
    e_version: r.u32(0x14, 'e_version'), // 0x14 e_version
    e_entry: BigInt(r.u32(0x18, 'e_entry')), // 0x18 e_entry
    e_phoff: BigInt(r.u32(0x1c, 'e_phoff')), // 0x1c e_phoff
    e_shoff: BigInt(r.u32(0x20, 'e_shoff')), // 0x20 e_shoff
    e_flags: r.u32(0x24, 'e_flags'), // 0x24 e_flags
    e_ehsize: r.u16(0x28, 'e_ehsize'), // 0x28 e_ehsize
    e_phentsize: r.u16(0x2a, 'e_phentsize'), // 0x2a e_phentsize
    rawPhnum: r.u16(0x2c, 'e_phnum'), // 0x2c e_phnum
    e_shentsize: r.u16(0x2e, 'e_shentsize'), // 0x2e e_shentsize
    rawShnum: r.u16(0x30, 'e_shnum'), // 0x30 e_shnum
    rawShstrndx: r.u16(0x32, 'e_shstrndx'), // 0x32 e_shstrndx
  };
}

/**
 * Read the ELF header, resolving extended numbering through section header 0 when needed,
 * and check that both header tables fit inside the file.
 */
export function parseHeader(r: ByteReader): ElfHeader {
  const raw = readRawHeader(r);
  const shentsize = r.is64 ? ELF64_SHDR_SIZE : ELF32_SHDR_SIZE;
  const phentsize = r.is64 ? ELF64_PHDR_SIZE : ELF32_PHDR_SIZE;

  let e_phnum = raw.rawPhnum;
  let e_shnum = raw.rawShnum;
  let e_shstrndx = raw.rawShstrndx;
  const shoff = raw.e_shoff;
  const needSh0 = shoff !== 0n && (raw.rawShnum === 0 || raw.rawPhnum === PN_XNUM || raw.rawShstrndx === SHN_XINDEX);
  if (needSh0) {
    if (raw.e_shentsize !== shentsize) {
      throw new ElfFormatError('ELF_MALFORMED', `e_shentsize is ${raw.e_shentsize}, expected ${shentsize}`, { offset: r.is64 ? 0x3a : 0x2e });
    }
    const off = toOffset(shoff, r.length, 'e_shoff');
    r.check(off, shentsize, 'section header 0 (extended numbering)');
    // Section header 0 carries the real counts when they overflow the 16-bit header fields.
    const sh0Size = r.is64 ? r.u64(off + 0x20, 'shdr[0].sh_size') : BigInt(r.u32(off + 0x14, 'shdr[0].sh_size'));
    const sh0Link = r.u32(off + (r.is64 ? 0x28 : 0x18), 'shdr[0].sh_link');
    const sh0Info = r.u32(off + (r.is64 ? 0x2c : 0x1c), 'shdr[0].sh_info');
    if (raw.rawShnum === 0) {
      if (sh0Size > BigInt(r.length)) {
        throw new ElfFormatError('ELF_MALFORMED', `extended section count ${hex(sh0Size)} cannot fit in the file (size ${hex(r.length)})`);
      }
      e_shnum = Number(sh0Size);
    }
    if (raw.rawPhnum === PN_XNUM) e_phnum = sh0Info;
    if (raw.rawShstrndx === SHN_XINDEX) e_shstrndx = sh0Link;
  }

  if (e_phnum > 0) {
    if (raw.e_phentsize !== phentsize) {
      throw new ElfFormatError('ELF_MALFORMED', `e_phentsize is ${raw.e_phentsize}, expected ${phentsize} for ELF${r.is64 ? 64 : 32}`, {
        offset: r.is64 ? 0x36 : 0x2a,
      });
    }
    const phoff = toOffset(raw.e_phoff, r.length, 'e_phoff');
    // Count check before allocating (a hostile e_phnum must not make us build a huge array).
    if (e_phnum * phentsize > r.length - phoff) {
      throw new ElfFormatError(
        'ELF_TRUNCATED',
        `program header table (${e_phnum} entries of ${phentsize} bytes at ${hex(phoff)}) lies past the end of the file (size ${hex(r.length)})`,
        { offset: phoff },
      );
    }
  }
  if (e_shnum > 0 && shoff !== 0n) {
    if (raw.e_shentsize !== shentsize) {
      throw new ElfFormatError('ELF_MALFORMED', `e_shentsize is ${raw.e_shentsize}, expected ${shentsize} for ELF${r.is64 ? 64 : 32}`, {
        offset: r.is64 ? 0x3a : 0x2e,
      });
    }
    const off = toOffset(shoff, r.length, 'e_shoff');
    if (e_shnum * shentsize > r.length - off) {
      throw new ElfFormatError(
        'ELF_TRUNCATED',
        `section header table (${e_shnum} entries of ${shentsize} bytes at ${hex(off)}) lies past the end of the file (size ${hex(r.length)})`,
        { offset: off },
      );
    }
    if (e_shstrndx >= e_shnum && e_shstrndx !== 0) {
      throw new ElfFormatError('ELF_MALFORMED', `e_shstrndx ${e_shstrndx} is not a section index (e_shnum ${e_shnum})`);
    }
  }
  const { rawPhnum: _p, rawShnum: _s, rawShstrndx: _x, ...rest } = raw;
  return { ...rest, e_phnum, e_shnum: shoff === 0n ? 0 : e_shnum, e_shstrndx };
}

export function parseProgramHeaders(r: ByteReader, h: ElfHeader): ProgramHeader[] {
  const out: ProgramHeader[] = [];
  if (h.e_phnum === 0) return out;
  const base = toOffset(h.e_phoff, r.length, 'e_phoff');
  for (let i = 0; i < h.e_phnum; i++) {
    const o = base + i * h.e_phentsize;
    const w = `program header ${i}`;
    let ph: ProgramHeader;
    if (r.is64) {
      ph = {
        index: i,
        p_type: r.u32(o, `${w} p_type`), // 0x00 p_type
        p_flags: r.u32(o + 0x04, `${w} p_flags`), // 0x04 p_flags
        p_offset: r.u64(o + 0x08, `${w} p_offset`), // 0x08 p_offset
        p_vaddr: r.u64(o + 0x10, `${w} p_vaddr`), // 0x10 p_vaddr
        p_paddr: r.u64(o + 0x18, `${w} p_paddr`), // 0x18 p_paddr
        p_filesz: r.u64(o + 0x20, `${w} p_filesz`), // 0x20 p_filesz
        p_memsz: r.u64(o + 0x28, `${w} p_memsz`), // 0x28 p_memsz
        p_align: r.u64(o + 0x30, `${w} p_align`), // 0x30 p_align
      };
    } else {
      ph = {
        index: i,
        p_type: r.u32(o, `${w} p_type`), // 0x00 p_type
        p_offset: BigInt(r.u32(o + 0x04, `${w} p_offset`)), // 0x04 p_offset
        p_vaddr: BigInt(r.u32(o + 0x08, `${w} p_vaddr`)), // 0x08 p_vaddr
        p_paddr: BigInt(r.u32(o + 0x0c, `${w} p_paddr`)), // 0x0c p_paddr
        p_filesz: BigInt(r.u32(o + 0x10, `${w} p_filesz`)), // 0x10 p_filesz
        p_memsz: BigInt(r.u32(o + 0x14, `${w} p_memsz`)), // 0x14 p_memsz
        p_flags: r.u32(o + 0x18, `${w} p_flags`), // 0x18 p_flags
        p_align: BigInt(r.u32(o + 0x1c, `${w} p_align`)), // 0x1c p_align
      };
    }
    out.push(ph);
  }
  return out;
}

/** Raw section headers (names unresolved: `name` is filled in by the caller). */
export function parseSectionHeaders(r: ByteReader, h: ElfHeader): Omit<SectionHeader, 'name'>[] {
  const out: Omit<SectionHeader, 'name'>[] = [];
  if (h.e_shnum === 0 || h.e_shoff === 0n) return out;
  const base = toOffset(h.e_shoff, r.length, 'e_shoff');
  for (let i = 0; i < h.e_shnum; i++) {
    const o = base + i * h.e_shentsize;
    const w = `section header ${i}`;
    if (r.is64) {
      out.push({
        index: i,
        sh_name: r.u32(o, `${w} sh_name`), // 0x00 sh_name
        sh_type: r.u32(o + 0x04, `${w} sh_type`), // 0x04 sh_type
        sh_flags: r.u64(o + 0x08, `${w} sh_flags`), // 0x08 sh_flags
        sh_addr: r.u64(o + 0x10, `${w} sh_addr`), // 0x10 sh_addr
        sh_offset: r.u64(o + 0x18, `${w} sh_offset`), // 0x18 sh_offset
        sh_size: r.u64(o + 0x20, `${w} sh_size`), // 0x20 sh_size
        sh_link: r.u32(o + 0x28, `${w} sh_link`), // 0x28 sh_link
        sh_info: r.u32(o + 0x2c, `${w} sh_info`), // 0x2c sh_info
        sh_addralign: r.u64(o + 0x30, `${w} sh_addralign`), // 0x30 sh_addralign
        sh_entsize: r.u64(o + 0x38, `${w} sh_entsize`), // 0x38 sh_entsize
      });
    } else {
      out.push({
        index: i,
        sh_name: r.u32(o, `${w} sh_name`), // 0x00 sh_name
        sh_type: r.u32(o + 0x04, `${w} sh_type`), // 0x04 sh_type
        sh_flags: BigInt(r.u32(o + 0x08, `${w} sh_flags`)), // 0x08 sh_flags
        sh_addr: BigInt(r.u32(o + 0x0c, `${w} sh_addr`)), // 0x0c sh_addr
        sh_offset: BigInt(r.u32(o + 0x10, `${w} sh_offset`)), // 0x10 sh_offset
        sh_size: BigInt(r.u32(o + 0x14, `${w} sh_size`)), // 0x14 sh_size
        sh_link: r.u32(o + 0x18, `${w} sh_link`), // 0x18 sh_link
        sh_info: r.u32(o + 0x1c, `${w} sh_info`), // 0x1c sh_info
        sh_addralign: BigInt(r.u32(o + 0x20, `${w} sh_addralign`)), // 0x20 sh_addralign
        sh_entsize: BigInt(r.u32(o + 0x24, `${w} sh_entsize`)), // 0x24 sh_entsize
      });
    }
  }
  return out;
}
