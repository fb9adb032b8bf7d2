// The ELF header and the header tables (src/elf/headers.ts): identification checks, counts
// checked before any array is built, and extended numbering (PN_XNUM, SHN_XINDEX, e_shnum 0)
// read from section header 0.
import { describe, expect, it } from 'vitest';
import { EI_CLASS, EI_DATA, EI_VERSION, PN_XNUM, SHN_XINDEX } from '../../src/elf/constants.js';
import { hasElfMagic, parseHeader, parseIdent, parseProgramHeaders, parseSectionHeaders } from '../../src/elf/headers.js';
import { EHDR, fieldAt, SHDR } from '../../src/elf/layout.js';
import { isWheelauditError } from '../../src/errors.js';
import { ByteReader } from '../../src/util/bytes.js';
import { readelfHeader } from '../helpers/readelf.js';
import { needs, requireTool } from '../helpers/requires.js';
import { fixture, load, SAMPLES } from './fixture.js';

const errorOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isWheelauditError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
};
const reader = (b: Uint8Array): ByteReader => {
  const id = parseIdent(b);
  return new ByteReader(b, id.littleEndian, id.elfClass === 64);
};

describe('identification', () => {
  it('checks the magic, class, byte order and version', () => {
    const b = load('x86_64/verdemo/libverdemo.so.1');
    expect(hasElfMagic(b)).toBe(true);
    expect(parseIdent(b)).toEqual({ elfClass: 64, littleEndian: true, ei_osabi: 0, ei_abiversion: 0 });
    expect(parseIdent(load('s390x/libverdemo.so.1')).littleEndian).toBe(false);
    expect(errorOf(() => parseIdent(new TextEncoder().encode('#!/bin/sh\n')))).toMatch(/^ELF_BAD_MAGIC: not an ELF file/);
    for (const [at, v, why] of [[EI_CLASS, 3, 'unknown EI_CLASS 3'], [EI_DATA, 0, 'unknown EI_DATA 0'], [EI_VERSION, 2, 'unknown EI_VERSION 2']] as const) {
      const bad = b.slice();
      bad[at] = v;
      expect(errorOf(() => parseIdent(bad))).toMatch(new RegExp(`^ELF_UNSUPPORTED: ${why}`));
    }
    expect(errorOf(() => parseIdent(b.subarray(0, 10)))).toMatch(/^ELF_TRUNCATED: e_ident is truncated/);
  });
});

describe('header tables', needs(requireTool('readelf', 'binutils')), () => {
  for (const rel of SAMPLES) {
    it(`${rel}: the counts readelf reads, one record per entry`, () => {
      const r = reader(load(rel));
      const h = parseHeader(r);
      const want = readelfHeader(fixture(rel));
      expect([h.e_phnum, h.e_shnum, h.e_flags, h.e_entry]).toEqual([want.phnum, want.shnum, want.flags, want.entry]);
      expect(parseProgramHeaders(r, h).map((p) => p.index)).toEqual([...Array(h.e_phnum).keys()]);
      expect(parseSectionHeaders(r, h)).toHaveLength(h.e_shnum);
    });
  }
});

describe('counts and extended numbering', () => {
  it('refuses a program header table past the end of the file before building it', () => {
    const b = load('x86_64/verdemo/libverdemo.so.1');
    new DataView(b.buffer).setUint16(fieldAt(EHDR.fields.e_phnum, true), 0xfff0, true);
    expect(errorOf(() => parseHeader(reader(b)))).toMatch(/^ELF_TRUNCATED: program header table \(65520 entries of 56 bytes at 0x40\) lies past the end of the file/);
  });

  it('refuses entry sizes that do not match the class', () => {
    const b = load('i686/libverdemo.so.1');
    new DataView(b.buffer).setUint16(fieldAt(EHDR.fields.e_phentsize, false), 56, true);
    expect(errorOf(() => parseHeader(reader(b)))).toBe('ELF_MALFORMED: e_phentsize is 56, expected 32 for ELF32');
  });

  it('reads the real counts from section header 0 when the header fields overflow', () => {
    const b = load('x86_64/verdemo/libverdemo.so.1');
    const r = reader(b);
    const h = parseHeader(r);
    const dv = new DataView(b.buffer);
    const sh0 = Number(h.e_shoff);
    // e_phnum = PN_XNUM, e_shnum = 0, e_shstrndx = SHN_XINDEX; the real values in shdr[0].
    dv.setUint16(fieldAt(EHDR.fields.e_phnum, true), PN_XNUM, true);
    dv.setUint16(fieldAt(EHDR.fields.e_shnum, true), 0, true);
    dv.setUint16(fieldAt(EHDR.fields.e_shstrndx, true), SHN_XINDEX, true);
    dv.setUint32(sh0 + fieldAt(SHDR.fields.sh_info, true), h.e_phnum, true);
    dv.setBigUint64(sh0 + fieldAt(SHDR.fields.sh_size, true), BigInt(h.e_shnum), true);
    dv.setUint32(sh0 + fieldAt(SHDR.fields.sh_link, true), h.e_shstrndx, true);
    const x = parseHeader(reader(b));
    expect([x.e_phnum, x.e_shnum, x.e_shstrndx]).toEqual([h.e_phnum, h.e_shnum, h.e_shstrndx]);
    // An absurd extended count is refused.
    dv.setBigUint64(sh0 + fieldAt(SHDR.fields.sh_size, true), 1n << 40n, true);
    expect(errorOf(() => parseHeader(reader(b)))).toMatch(/^ELF_MALFORMED: extended section count 0x10000000000 cannot fit in the file/);
  });
});
