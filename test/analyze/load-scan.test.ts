// Run-time load hints: library names in ELF read-only data (compiled fixtures, the no-section
// path, real Debian libraries) and ctypes calls in Python source.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.js';
import { MAX_LOAD_HINTS_PER_FILE, scanElfLoadStrings, scanPythonLoads } from '../../src/analyze/load-scan.js';
import { FIXTURES } from '../helpers/corpus.js';
import { needs, requireFile } from '../helpers/requires.js';
import { cpuClock } from '../helpers/cpu-clock.js';

const X = path.join(FIXTURES, 'elf', 'out', 'x86_64');
const scan = (file: string): string[] => scanElfLoadStrings(parseElf(new Uint8Array(readFileSync(file))));

describe('scanElfLoadStrings', () => {
  it('finds the names an extension passes to dlopen(), in file order', () => {
    expect(scan(path.join(X, 'dlopen', '_dlopener.cpython-311-x86_64-linux-gnu.so'))).toEqual(['libwaplug.so.1', 'libz.so.1', 'libwheelaudit-absent.so.3']);
  });

  it('leaves out DT_NEEDED and DT_SONAME, and files that load nothing at run time', () => {
    expect(scan(path.join(X, 'dlopen', 'libwaplug.so.1'))).toEqual([]);
    expect(scan(path.join(X, 'with-ffi', '_withffi.cpython-311-x86_64-linux-gnu.so'))).toEqual([]);
  });

  it('without section headers, reads the read-only segments and still leaves out the dynamic strings', () => {
    expect(scan(path.join(X, 'no-sections', '_nosect.cpython-311-x86_64-linux-gnu.so'))).toEqual([]);
  });

  it('finds glibc\'s own run-time loads (NSS modules, libgcc_s for unwinding)', needs(requireFile('/lib/x86_64-linux-gnu/libc.so.6', 'libc6')), () => {
    const names = scan('/lib/x86_64-linux-gnu/libc.so.6');
    expect(names).toContain('libgcc_s.so.1');
    expect(names.every((n) => /(^|\/)lib[^/]*\.so(\.\d+)*$/.test(n))).toBe(true);
  });

  it('takes whole strings only, bounded per file, from hand-made read-only data', () => {
    const words = ['libok.so.2', '/opt/lib/libpath.so', 'error: libmsg.so.1 missing', 'libfmt%d.so', 'notlib.so.1', 'libnum.so.1.2.3'];
    const many = Array.from({ length: 100 }, (_, i) => `libmany${i}.so`);
    const elf = syntheticRodata([...words, ...many]);
    const found = scanElfLoadStrings(elf);
    expect(found.slice(0, 3)).toEqual(['libok.so.2', '/opt/lib/libpath.so', 'libnum.so.1.2.3']);
    expect(found).toHaveLength(MAX_LOAD_HINTS_PER_FILE);
  });
});

/** A minimal ELF view whose only section is a .rodata of NUL-terminated strings. */
function syntheticRodata(strings: readonly string[]): Parameters<typeof scanElfLoadStrings>[0] {
  const data = new TextEncoder().encode(`\0${strings.join('\0')}\0`);
  const section = { index: 1, sh_name: 0, name: '.rodata', sh_type: 1, sh_flags: 2n, sh_addr: 0n, sh_offset: 0n, sh_size: BigInt(data.length), sh_link: 0, sh_info: 0, sh_addralign: 1n, sh_entsize: 0n };
  return { bytes: data, dynamic: undefined, programHeaders: [], sections: () => [section] } as unknown as Parameters<typeof scanElfLoadStrings>[0];
}

describe('scanPythonLoads', () => {
  const SRC = [
    'import ctypes, ctypes.util, os', // 1
    '# ctypes.CDLL("libcommented.so.1")', // 2
    'lib = ctypes.CDLL("libwaplug.so.1")', // 3
    "z = ctypes.cdll.LoadLibrary(ctypes.util.find_library('z'))", // 4
    'p = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "libinwheel.so"), mode=ctypes.RTLD_GLOBAL)', // 5
    "q = ctypes.PyDLL(r'/opt/lib/libraw.so')", // 6
    's = "not a call CDLL(x)"', // 7
    'd = """doc', // 8
    "CDLL('libdoc.so')", // 9
    '"""', // 10
    'def find_library(name):', // 11
    '    return None', // 12
    't = CDLL(', // 13
    "    'libmulti.so.2',", // 14
    ')', // 15
    'u = CDLL(f"lib{x}.so")', // 16
    'v = ctypes.cdll . LoadLibrary(name)', // 17
  ].join('\n');

  it('reports each call with its line and its literal argument, or the computed argument', () => {
    expect(scanPythonLoads(SRC)).toEqual([
      { line: 3, call: 'CDLL', literal: 'libwaplug.so.1', argument: '"libwaplug.so.1"', embedded: [] },
      { line: 4, call: 'find_library', literal: 'z', argument: "'z'", embedded: [] },
      { line: 5, call: 'CDLL', literal: undefined, argument: 'os.path.join(os.path.dirname(__file__), "libinwheel.so")', embedded: ['libinwheel.so'] },
      { line: 6, call: 'PyDLL', literal: '/opt/lib/libraw.so', argument: "r'/opt/lib/libraw.so'", embedded: [] },
      { line: 13, call: 'CDLL', literal: 'libmulti.so.2', argument: "'libmulti.so.2'", embedded: [] },
      { line: 16, call: 'CDLL', literal: undefined, argument: 'f"lib{x}.so"', embedded: [] },
      { line: 17, call: 'LoadLibrary', literal: undefined, argument: 'name', embedded: [] },
    ]);
  });

  it('survives unterminated strings and huge inputs in bounded time', () => {
    expect(scanPythonLoads('CDLL("libx.so')).toEqual([{ line: 1, call: 'CDLL', literal: undefined, argument: '"libx.so', embedded: [] }]);
    const start = cpuClock();
    const big = `${'x = "a" # b\n'.repeat(200_000)}${'CDLL("liby.so")\n'.repeat(1000)}`;
    expect(scanPythonLoads(big)).toHaveLength(MAX_LOAD_HINTS_PER_FILE);
    expect(start()).toBeLessThan(10_000);
  });
});
