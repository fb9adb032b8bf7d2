// summarizeElf keeps the facts the analysis needs, checked against readelf on the fixtures:
// needed, soname, run paths and version requirements (loader versions left out), undefined
// strong symbols, which versions each import binds to, and the Python-extension facts.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoaderName, summarizeElf, versionedImportKey } from '../../src/analyze/elf-summary.js';
import { parseElf } from '../../src/elf/index.js';
import { ELF_OUT, elfFixture, summaryOf } from '../helpers/elf-contents.js';
import { readelfDynamic, readelfDynSyms, readelfVersions } from '../helpers/readelf.js';
import { needs, requireTool } from '../helpers/requires.js';

const FILES = [
  'x86_64/verdemo/libverdemo.so.1',
  'x86_64/verdemo/verdemo-main',
  'x86_64/with-ffi/_withffi.cpython-311-x86_64-linux-gnu.so',
  'x86_64/zlib-blacklist/_zblack.cpython-311-x86_64-linux-gnu.so',
  'x86_64/chain-rpath/_chainrpath.cpython-311-x86_64-linux-gnu.so',
  'x86_64/chain-runpath/_chainrunpath.cpython-311-x86_64-linux-gnu.so',
  'aarch64/libverdemo.so.1',
  's390x/verdemo-main',
];

describe('summarizeElf agrees with readelf', needs(requireTool('readelf', 'binutils')), () => {
  it.each(FILES)('%s', (rel) => {
    const file = path.join(ELF_OUT, rel);
    const s = summaryOf(rel, path.basename(rel));
    const d = readelfDynamic(file);
    expect([...s.needed]).toEqual(d.needed);
    expect(s.soname).toBe(d.soname);
    expect(s.rpath).toBe(d.rpath);
    expect(s.runpath).toBe(d.runpath);
    const v = readelfVersions(file).needs.filter(([f]) => !isLoaderName(f));
    expect(s.versionRequirements.map(([f, n]) => `${f} ${n}`).sort()).toEqual(v.flatMap(([f, ns]) => ns.map((n) => `${f} ${n}`)).sort());
    const syms = readelfDynSyms(file);
    const strong = syms.filter((x) => x.undefined && x.bind !== 'WEAK' && x.name !== '').map((x) => x.name);
    expect([...s.undefinedStrong].sort()).toEqual([...new Set(strong)].sort());
    // Each undefined versioned import is listed under its (file, version) key.
    let checked = 0;
    for (const x of syms.filter((y) => y.undefined && y.version !== undefined)) {
      const owner = v.find(([, ns]) => ns.includes(x.version as string));
      if (owner === undefined) continue;
      expect(s.versionedImports?.get(versionedImportKey(owner[0], x.version as string)), `${x.name}@${x.version ?? ''}`).toContain(x.name);
      checked++;
    }
    expect(checked > 0).toBe(v.length > 0);
  });
});

describe('Python extension facts', () => {
  it('PyInit_<module> makes a Python 3 extension, init<module> a Python 2 one, and the module name comes from the file name', () => {
    expect(summaryOf('x86_64/symver-old/_symverold.cpython-311-x86_64-linux-gnu.so', 'p/_symverold.cpython-311-x86_64-linux-gnu.so').pythonExtension).toBe(3);
    // The same file under another module name exports no PyInit_ for it.
    expect(summaryOf('x86_64/symver-old/_symverold.cpython-311-x86_64-linux-gnu.so', 'p/_other.so').pythonExtension).toBeUndefined();
    const ucs2 = summaryOf('x86_64/ucs2/_ucs2.so', 'p/_ucs2.so');
    expect([ucs2.pythonExtension, ucs2.usesUcs2, ucs2.usesPyFPE]).toEqual([2, true, false]);
    const fpe = summaryOf('x86_64/pyfpe/_fpe.cpython-311-x86_64-linux-gnu.so', 'p/_fpe.cpython-311-x86_64-linux-gnu.so');
    expect([fpe.pythonExtension, fpe.usesPyFPE, fpe.usesUcs2]).toEqual([3, true, false]);
    expect(summaryOf('x86_64/verdemo/libverdemo.so.1', 'libverdemo.so.1').pythonExtension).toBeUndefined();
  });

  it('symbols: false skips the symbol table (no extension facts, no imports) but keeps the dynamic facts', () => {
    const elf = parseElf(elfFixture('x86_64/with-ffi/_withffi.cpython-311-x86_64-linux-gnu.so'));
    const lean = summarizeElf(elf, '_withffi.cpython-311-x86_64-linux-gnu.so', { symbols: false });
    expect([lean.pythonExtension, lean.undefinedStrong.size, lean.versionedImports]).toEqual([undefined, 0, undefined]);
    expect(lean.needed).toContain('libffi.so.8');
    expect(lean.versionRequirements.length).toBeGreaterThan(0);
    expect(lean.interpreter).toBeUndefined();
    expect(lean.hasDynamic).toBe(true);
  });

  it('a static executable has no dynamic facts; a PIE executable has its interpreter', () => {
    const st = summaryOf('x86_64/exe/hello-static', 'hello-static');
    expect([st.hasDynamic, st.needed, st.interpreter]).toEqual([false, [], undefined]);
    expect(summaryOf('x86_64/exe/hello-pie', 'hello-pie').interpreter).toMatch(/^\/lib64\/ld-linux-x86-64\.so\.2$/);
  });
});

describe('isLoaderName', () => {
  it('is true for the glibc loaders of each architecture, false for libraries', () => {
    for (const n of ['ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1', 'ld-linux.so.2', 'ld64.so.2', 'ld64.so.1']) expect(isLoaderName(n), n).toBe(true);
    for (const n of ['libc.so.6', 'ld-musl-x86_64.so.1', 'libld.so']) expect(isLoaderName(n), n).toBe(false);
  });
});
