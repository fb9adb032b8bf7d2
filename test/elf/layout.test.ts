// The record layouts (src/elf/layout.ts): each table covers its record exactly (fields inside
// the record, none overlapping, every byte but the header's e_ident accounted for), reads the
// values readelf prints for real files of both classes and byte orders, and writes back what
// it reads.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DYN, EHDR, fieldAt, PHDR, readRecord, recordSize, SHDR, SYM, VERDAUX, VERDEF, VERNAUX, VERNEED, writeRecord, type FieldSpec, type RecordLayout } from '../../src/elf/layout.js';
import { parseElf } from '../../src/elf/read.js';
import { ByteReader, ByteWriter } from '../../src/util/bytes.js';
import { needs, requireTool } from '../helpers/requires.js';
import { fixture, load, readelfSections, readelfSegments, SAMPLES } from './fixture.js';

const WIDTH: Record<FieldSpec['kind'], { 32: number; 64: number }> = { byte: { 32: 1, 64: 1 }, half: { 32: 2, 64: 2 }, word: { 32: 4, 64: 4 }, xword: { 32: 4, 64: 8 }, sxword: { 32: 4, 64: 8 } };
const LAYOUTS: [RecordLayout<Readonly<Record<string, FieldSpec>>>, number][] = [
  [EHDR, 16],
  [PHDR, 0],
  [SHDR, 0],
  [SYM, 0],
  [DYN, 0],
  [VERNEED, 0],
  [VERNAUX, 0],
  [VERDEF, 0],
  [VERDAUX, 0],
];

describe('record layouts', () => {
  for (const [l, start] of LAYOUTS) {
    for (const is64 of [false, true]) {
      it(`${l.what} (ELF${is64 ? 64 : 32}) is tiled exactly by its fields`, () => {
        const size = recordSize(l, is64);
        const owner = new Array<string | undefined>(size).fill(undefined);
        for (const [name, f] of Object.entries(l.fields)) {
          const at = fieldAt(f, is64);
          const width = WIDTH[f.kind][is64 ? 64 : 32];
          expect(at % width, `${name} is aligned`).toBe(0);
          for (let i = at; i < at + width; i++) {
            expect(owner[i], `${name} overlaps ${owner[i]}`).toBeUndefined();
            owner[i] = name;
          }
        }
        // Every byte after the identification belongs to a field; Elf_Sym/Verdef have no padding.
        expect(owner.slice(start).every((o) => o !== undefined)).toBe(true);
      });
    }
  }

  it('writes exactly the fields it is given, and reads back what it wrote, in both byte orders', () => {
    for (const le of [true, false]) {
      for (const is64 of [false, true]) {
        const buf = new Uint8Array(recordSize(PHDR, is64) + 8).fill(0xaa);
        const w = new ByteWriter(buf, le, is64);
        const values = { p_type: 1, p_flags: 6, p_offset: 0x1000n, p_vaddr: 0x2000n, p_paddr: 0x3000n, p_filesz: 0x40n, p_memsz: 0x50n, p_align: 0x1000n };
        writeRecord(w, PHDR, 4, values, 'program header 0');
        expect(readRecord(new ByteReader(buf, le, is64), PHDR, 4, 'program header 0')).toEqual(values);
        expect(Array.from(buf.subarray(0, 4))).toEqual([0xaa, 0xaa, 0xaa, 0xaa]);
        writeRecord(w, PHDR, 4, { p_flags: 5 }, 'program header 0');
        expect(readRecord(new ByteReader(buf, le, is64), PHDR, 4, 'program header 0')).toEqual({ ...values, p_flags: 5 });
      }
    }
  });

  it('names the field and the record when a read runs past the end', () => {
    const r = new ByteReader(new Uint8Array(30), true, true);
    expect(() => readRecord(r, PHDR, 0, 'program header 7')).toThrow(/program header 7 p_\w+ \(0x8 bytes at 0x\w+\) lies past the end of the file \(size 0x1e\)/);
  });
});

describe('layouts agree with readelf on real files', needs(requireTool('readelf', 'binutils')), () => {
  for (const rel of SAMPLES) {
    it(rel, () => {
      const bytes = load(rel);
      const elf = parseElf(bytes);
      const r = new ByteReader(bytes, elf.ident.littleEndian, elf.ident.elfClass === 64);
      const h = readRecord(r, EHDR, 0, 'ELF header');
      const text = execFileSync('readelf', ['-hW', fixture(rel)], { encoding: 'utf8' });
      const field = (name: string): bigint => BigInt(new RegExp(`^\\s*${name}:\\s*(0x[0-9a-f]+|\\d+)`, 'm').exec(text)?.[1] ?? '-1');
      expect(BigInt(h.e_phoff)).toBe(field('Start of program headers'));
      expect(BigInt(h.e_shoff)).toBe(field('Start of section headers'));
      expect(BigInt(h.e_phnum)).toBe(field('Number of program headers'));
      expect(BigInt(h.e_shnum)).toBe(field('Number of section headers'));
      expect(BigInt(h.e_shstrndx)).toBe(field('Section header string table index'));
      expect(h.e_entry).toBe(field('Entry point address'));

      const segs = readelfSegments(fixture(rel));
      expect(segs).toHaveLength(h.e_phnum);
      segs.forEach((s, i) => {
        const p = readRecord(r, PHDR, Number(h.e_phoff) + i * h.e_phentsize, `program header ${i}`);
        expect([p.p_offset, p.p_vaddr, p.p_filesz, p.p_memsz, p.p_align]).toEqual([s.offset, s.vaddr, s.filesz, s.memsz, s.align]);
        expect(`${p.p_flags & 4 ? 'R' : ' '}${p.p_flags & 2 ? 'W' : ' '}${p.p_flags & 1 ? 'E' : ' '}`.trim()).toBe(s.flags.replace(/\s+/g, ' ').trim());
      });
      const sections = readelfSections(fixture(rel));
      expect(sections.length).toBeGreaterThan(0);
      for (const s of sections) {
        const sh = readRecord(r, SHDR, Number(h.e_shoff) + s.index * h.e_shentsize, `section header ${s.index}`);
        expect([sh.sh_addr, sh.sh_offset, sh.sh_size]).toEqual([s.addr, s.offset, s.size]);
      }
    });
  }
});
