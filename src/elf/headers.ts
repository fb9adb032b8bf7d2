// ELF file header, program headers and section headers (gABI chapter 4 "ELF Header",
// "Section Header"; chapter 5 "Program Header"), read against the field tables of layout.ts.
// Counts and entry sizes are checked against the file before any array is built, and extended
// numbering (PN_XNUM, SHN_XINDEX) is honoured.
import { ElfFormatError } from '../errors.js';
import { ByteReader, hex, toOffset } from '../util/bytes.js';
import {
  EI_ABIVERSION,
  EI_CLASS,
  EI_DATA,
  EI_NIDENT,
  EI_OSABI,
  EI_VERSION,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  PN_XNUM,
  SHN_XINDEX,
} from './constants.js';
import { EHDR, fieldAt, PHDR, readRecord, recordSize, SHDR } from './layout.js';
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

/**
 * Read the ELF header, resolving extended numbering through section header 0 when needed,
 * and check that both header tables fit inside the file.
 */
export function parseHeader(r: ByteReader): ElfHeader {
  const ehsize = recordSize(EHDR, r.is64);
  if (r.length < ehsize) {
    throw new ElfFormatError('ELF_TRUNCATED', `ELF header is truncated: file has ${hex(r.length)} bytes, the header needs ${hex(ehsize)}`, { offset: 0 });
  }
  const raw = readRecord(r, EHDR, 0, 'ELF header');
  const shentsize = recordSize(SHDR, r.is64);
  const phentsize = recordSize(PHDR, r.is64);

  let e_phnum = raw.e_phnum;
  let e_shnum = raw.e_shnum;
  let e_shstrndx = raw.e_shstrndx;
  const shoff = raw.e_shoff;
  const needSh0 = shoff !== 0n && (raw.e_shnum === 0 || raw.e_phnum === PN_XNUM || raw.e_shstrndx === SHN_XINDEX);
  if (needSh0) {
    if (raw.e_shentsize !== shentsize) {
      throw new ElfFormatError('ELF_MALFORMED', `e_shentsize is ${raw.e_shentsize}, expected ${shentsize}`, { offset: fieldAt(EHDR.fields.e_shentsize, r.is64) });
    }
    const off = toOffset(shoff, r.length, 'e_shoff');
    r.check(off, shentsize, 'section header 0 (extended numbering)');
    // Section header 0 carries the real counts when they overflow the 16-bit header fields.
    const sh0 = readRecord(r, SHDR, off, 'shdr[0]');
    if (raw.e_shnum === 0) {
      if (sh0.sh_size > BigInt(r.length)) {
        throw new ElfFormatError('ELF_MALFORMED', `extended section count ${hex(sh0.sh_size)} cannot fit in the file (size ${hex(r.length)})`);
      }
      e_shnum = Number(sh0.sh_size);
    }
    if (raw.e_phnum === PN_XNUM) e_phnum = sh0.sh_info;
    if (raw.e_shstrndx === SHN_XINDEX) e_shstrndx = sh0.sh_link;
  }

  if (e_phnum > 0) {
    if (raw.e_phentsize !== phentsize) {
      throw new ElfFormatError('ELF_MALFORMED', `e_phentsize is ${raw.e_phentsize}, expected ${phentsize} for ELF${r.is64 ? 64 : 32}`, {
        offset: fieldAt(EHDR.fields.e_phentsize, r.is64),
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
        offset: fieldAt(EHDR.fields.e_shentsize, r.is64),
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
  return { ...raw, e_phnum, e_shnum: shoff === 0n ? 0 : e_shnum, e_shstrndx };
}

export function parseProgramHeaders(r: ByteReader, h: ElfHeader): ProgramHeader[] {
  const out: ProgramHeader[] = [];
  if (h.e_phnum === 0) return out;
  const base = toOffset(h.e_phoff, r.length, 'e_phoff');
  for (let i = 0; i < h.e_phnum; i++) out.push({ index: i, ...readRecord(r, PHDR, base + i * h.e_phentsize, `program header ${i}`) });
  return out;
}

/** Raw section headers (names unresolved: `name` is filled in by the caller). */
export function parseSectionHeaders(r: ByteReader, h: ElfHeader): Omit<SectionHeader, 'name'>[] {
  const out: Omit<SectionHeader, 'name'>[] = [];
  if (h.e_shnum === 0 || h.e_shoff === 0n) return out;
  const base = toOffset(h.e_shoff, r.length, 'e_shoff');
  for (let i = 0; i < h.e_shnum; i++) out.push({ index: i, ...readRecord(r, SHDR, base + i * h.e_shentsize, `section header ${i}`) });
  return out;
}
