// Differential test: src/elf must agree with GNU readelf on every file of the corpus (our
// gcc-built fixtures for 8 architectures, plus real Debian libraries, native and cross).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.js';
import { SHN_UNDEF, STB_WEAK } from '../../src/elf/constants.js';
import { fixtureElfs, REPO, systemElfs } from '../helpers/corpus.js';
import { readelfDynamic, readelfDynSyms, readelfHeader, readelfIsaNeeded, readelfVersions } from '../helpers/readelf.js';
import { needs, requireTool } from '../helpers/requires.js';

const corpus = [...fixtureElfs(), ...systemElfs()];

describe('parseElf agrees with readelf', needs(requireTool('readelf', 'binutils')), () => {
  it('has a corpus that spans classes, byte orders and machines', () => {
    const machines = new Set<number>();
    const orders = new Set<boolean>();
    for (const p of corpus) {
      const f = parseElf(new Uint8Array(readFileSync(p)));
      machines.add(f.header.e_machine);
      orders.add(f.ident.littleEndian);
    }
    // x86_64, i386, aarch64, arm, ppc64, s390, riscv at least, both byte orders.
    expect([...machines].sort((a, b) => a - b)).toEqual(expect.arrayContaining([3, 21, 22, 40, 62, 183, 243]));
    expect(orders).toEqual(new Set([true, false]));
  });

  for (const p of corpus) {
    const label = p.startsWith(REPO) ? path.relative(REPO, p) : p;
    it(label, () => {
      const f = parseElf(new Uint8Array(readFileSync(p)));
      const h = readelfHeader(p);
      expect(f.ident.elfClass).toBe(h.elfClass);
      expect(f.ident.littleEndian).toBe(h.littleEndian);
      expect(f.header.e_phnum).toBe(h.phnum);
      expect(f.header.e_shnum).toBe(h.shnum);
      expect(f.header.e_flags).toBe(h.flags);
      expect(f.header.e_entry).toBe(h.entry);

      const d = readelfDynamic(p);
      expect(f.interpreter).toBe(d.interpreter);
      expect(f.dynamic?.needed ?? []).toEqual(d.needed);
      expect(f.dynamic?.soname).toBe(d.soname);
      expect(f.dynamic?.rpath).toBe(d.rpath);
      expect(f.dynamic?.runpath).toBe(d.runpath);

      const noSections = f.header.e_shnum === 0;
      // readelf reads version tables only through section headers; without them it has no
      // view to compare with (our reader uses DT_VERNEED, checked in the show verdict tests).
      if (!noSections) {
        const v = readelfVersions(p);
        expect(f.versionNeeds().map((n) => [n.file, n.aux.map((a) => a.name)])).toEqual(v.needs);
        expect(f.versionDefs().map((x) => x.aux[0]?.name)).toEqual(v.defs);
      }

      if (!noSections) {
        const syms = readelfDynSyms(p);
        const ours = f.dynamicSymbols();
        expect(ours.length).toBe(syms.length);
        ours.forEach((s, i) => {
          const theirs = syms[i];
          // readelf prints a section symbol under its section's name.
          if (theirs?.type !== 'SECTION') expect(s.name).toBe(theirs?.name);
          expect(s.st_shndx === SHN_UNDEF).toBe(theirs?.undefined);
          expect(s.bind === STB_WEAK).toBe(theirs?.bind === 'WEAK');
          const ver = f.symbolVersion(i);
          const name = ver !== undefined && ver.index >= 2 ? ver.name : undefined;
          // readelf omits the version of the marker symbols that carry a version's own name.
          if (!(theirs?.version === undefined && name === s.name)) expect(name).toBe(theirs?.version);
        });

        const isa = readelfIsaNeeded(p);
        const mask = f.x86IsaNeeded();
        if (isa === undefined) {
          expect(mask).toBeUndefined();
        } else {
          const levels = ['x86-64-baseline', 'x86-64-v2', 'x86-64-v3', 'x86-64-v4'].filter((_, i) => ((mask ?? 0) >> i) & 1);
          expect(levels.join(', ')).toBe(isa);
        }
      }
      expect(f.warnings).toEqual([]);
    });
  }
});
