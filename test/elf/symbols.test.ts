// The dynamic symbol table (src/elf/symbols.ts): its size without section headers (from DT_HASH,
// or DT_GNU_HASH raised to the symbols the relocations name), the 8-byte DT_HASH words of
// 64-bit s390, the GNU hash table's exact size, and the st_info/st_other helpers. Oracles:
// readelf on the files before sstrip cut their section headers off, and the section sizes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import { EM_ALPHA, EM_S390, EM_X86_64, STB_GLOBAL, STB_WEAK, STT_FUNC, STT_OBJECT, STV_HIDDEN } from '../../src/elf/constants.js';
import { parseElf } from '../../src/elf/read.js';
import { gnuHashExtent, hashEntrySize, symbolBind, symbolType, symbolVisibility } from '../../src/elf/symbols.js';
import { ByteReader } from '../../src/util/bytes.js';
import { readelfDynSyms } from '../helpers/readelf.js';
import { needs, requireTool } from '../helpers/requires.js';
import { fixture, readelfSections, SAMPLES } from './fixture.js';

const FILES = [...SAMPLES.map(fixture), fixture('x86_64/exe/hello-nopie'), fixture('x86_64/ffitool/ffitool'), '/lib/x86_64-linux-gnu/libz.so.1', '/usr/s390x-linux-gnu/lib/libm.so.6'].filter((f) => existsSync(f));

describe('dynamic symbols without section headers', needs(requireTool('readelf', 'binutils')), () => {
  for (const file of FILES) {
    it(`${file.replace(/.*fixtures\/elf\/out\//, '')}: the same symbols as readelf lists with the sections`, () => {
      const bytes = new Uint8Array(readFileSync(file));
      const stripped = parseElf(sstrip(bytes));
      const expected = readelfDynSyms(file);
      expect(stripped.header.e_shnum).toBe(0);
      expect(stripped.dynamicSymbolCount()).toBe(expected.length);
      // readelf prints a section symbol with its section's name; its st_name is 0.
      expect(stripped.dynamicSymbols().map((s) => s.name)).toEqual(expected.map((s) => (s.type === 'SECTION' ? '' : s.name)));
      // With the sections, the count comes from .dynsym itself.
      expect(parseElf(bytes).dynamicSymbolCount()).toBe(expected.length);
    });
  }

  it('sizes DT_GNU_HASH exactly as the linker wrote .gnu.hash', () => {
    for (const file of FILES) {
      const elf = parseElf(new Uint8Array(readFileSync(file)));
      const section = readelfSections(file).find((s) => s.name === '.gnu.hash');
      const r = new ByteReader(elf.bytes, elf.ident.littleEndian, elf.ident.elfClass === 64);
      const ext = elf.dynamic === undefined ? undefined : gnuHashExtent(r, elf.dynamic, elf.vaddrToOffset);
      expect(ext?.size, file).toBe(section === undefined ? undefined : Number(section.size));
    }
  });
});

describe('DT_HASH words are 8 bytes on 64-bit s390', () => {
  it('hashEntrySize follows the psABIs', () => {
    expect(hashEntrySize(EM_S390, true)).toBe(8);
    expect(hashEntrySize(EM_ALPHA, true)).toBe(8);
    expect(hashEntrySize(EM_S390, false)).toBe(4);
    expect(hashEntrySize(EM_X86_64, true)).toBe(4);
  });

  it('counts the symbols of an sstripped s390x library with only DT_HASH', needs(requireTool('s390x-linux-gnu-gcc', 'gcc-s390x-linux-gnu'), requireTool('readelf', 'binutils')), () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-s390x-hash-'));
    writeFileSync(path.join(dir, 'h.c'), 'int one(void) { return 1; }\nint two(void) { return 2; }\nint three = 3;\n');
    const lib = path.join(dir, 'libh.so');
    const cc = spawnSync('s390x-linux-gnu-gcc', ['-shared', '-fPIC', '-Wl,--hash-style=sysv', '-o', lib, path.join(dir, 'h.c')], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    expect(execFileSync('readelf', ['-SW', lib], { encoding: 'utf8' })).toMatch(/\.hash\s+HASH\s+\S+\s+\S+\s+\S+\s+08\s/); // entsize 8
    const elf = parseElf(sstrip(new Uint8Array(readFileSync(lib))));
    const names = readelfDynSyms(lib).map((s) => (s.type === 'SECTION' ? '' : s.name));
    expect(elf.dynamicSymbols().map((s) => s.name)).toEqual(names);
    expect(names).toEqual(expect.arrayContaining(['one', 'two', 'three']));
  });
});

describe('st_info and st_other', () => {
  it('splits binding, type and visibility as elf.h does', () => {
    expect(symbolBind((STB_WEAK << 4) | STT_FUNC)).toBe(STB_WEAK);
    expect(symbolType((STB_WEAK << 4) | STT_FUNC)).toBe(STT_FUNC);
    expect(symbolBind((STB_GLOBAL << 4) | STT_OBJECT)).toBe(STB_GLOBAL);
    expect(symbolVisibility(0xf0 | STV_HIDDEN)).toBe(STV_HIDDEN);
    const verdemo = parseElf(new Uint8Array(readFileSync(fixture('x86_64/verdemo/libverdemo.so.1')))).dynamicSymbols();
    const answer = verdemo.find((s) => s.name === 'verdemo_answer' && s.st_shndx !== 0);
    expect([answer?.bind, answer?.type]).toEqual([STB_GLOBAL, STT_FUNC]);
  });
});
