// analyzeWheelAbi over the committed ELF fixtures (no zip): the verdicts per check against
// what readelf says the files need, and each refusal (purelib, several architectures or C
// libraries, no ELF, only another architecture, an extension with no libc) with its code.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeWheelAbi, NonPlatformWheelError, NOT_PLATFORM_MESSAGE } from '../../src/analyze/wheel-abi.js';
import type { AnalyzeOptions, WheelContents } from '../../src/analyze/wheel-abi.js';
import { isWheelauditError } from '../../src/errors.js';
import { contentsOf, ELF_OUT, hostAnalyzeOptions } from '../helpers/elf-contents.js';
import { readelfIsaNeeded, readelfVersions } from '../helpers/readelf.js';
import { needs, requireLibs, requireTool } from '../helpers/requires.js';

const X64 = 'cp311-cp311-linux_x86_64';
const ext = (dir: string, mod: string): string => `x86_64/${dir}/${mod}.cpython-311-x86_64-linux-gnu.so`;
const SYMVEROLD = ext('symver-old', '_symverold');

function analyze(c: WheelContents, over: Partial<AnalyzeOptions> = {}): ReturnType<typeof analyzeWheelAbi> {
  return analyzeWheelAbi(c, hostAnalyzeOptions(over));
}

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isWheelauditError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  return expect.unreachable('the analysis accepted the wheel') as never;
}

describe('verdicts', () => {
  it('symverold: versioned symbols are what readelf -V lists (minus the loader), and they set the tag', needs(requireTool('readelf', 'binutils')), () => {
    const r = analyze(contentsOf(`symverold-0.1.0-${X64}.whl`, { 'symverold/__init__.py': null, 'symverold/_symverold.cpython-311-x86_64-linux-gnu.so': SYMVEROLD }));
    const want = readelfVersions(path.join(ELF_OUT, SYMVEROLD)).needs.filter(([f]) => !f.startsWith('ld-linux'));
    expect(want.length).toBeGreaterThan(0);
    expect([...r.versionedSymbols].map(([f, vs]) => [f, [...vs].sort()])).toEqual(want.map(([f, vs]) => [f, [...vs].sort()]));
    expect([r.libc, r.arch, r.overall.name, r.sym.name]).toEqual(['glibc', 'x86_64', 'manylinux_2_5_x86_64', 'manylinux_2_5_x86_64']);
    expect(r.elves.map((e) => [e.path, e.role, e.topLevel])).toEqual([['symverold/_symverold.cpython-311-x86_64-linux-gnu.so', 'extension', true]]);
    expect(r.findings).toEqual([]);
    expect(r.logs).toContainEqual({ level: 'debug', message: 'setting architecture to x86_64' });
  });

  it('glibcnew: a GLIBC_2.36 requirement gives manylinux_2_36', () => {
    const r = analyze(contentsOf(`glibcnew-0.1.0-${X64}.whl`, { 'glibcnew/_glibcnew.cpython-311-x86_64-linux-gnu.so': ext('glibc-new', '_glibcnew') }));
    expect(r.versionedSymbols.get('libc.so.6')?.has('GLIBC_2.36')).toBe(true);
    expect(r.overall.name).toBe('manylinux_2_36_x86_64');
    expect(r.findings.map((f) => f.kind)).toEqual(['symbol-version-too-new']);
  });

  it('an x86-64-v2 ISA note makes the machine verdict linux unless the check is disabled', needs(requireTool('readelf', 'binutils')), () => {
    const rel = ext('isa-v2', '_isav2');
    expect(readelfIsaNeeded(path.join(ELF_OUT, rel))).toContain('x86-64-v2');
    const c = contentsOf(`isav2-0.1.0-${X64}.whl`, { 'isav2/_isav2.cpython-311-x86_64-linux-gnu.so': rel });
    const checked = analyze(c);
    expect([checked.machine.name, checked.overall.name]).toEqual(['linux_x86_64', 'linux_x86_64']);
    expect(checked.findings).toContainEqual({ kind: 'unsupported-isa', file: 'isav2/_isav2.cpython-311-x86_64-linux-gnu.so', isa: 'x86_64_v2', whitelistedIn: undefined });
    const off = analyze(c, { disableIsaExtCheck: true });
    expect([off.machine.name, off.overall.name]).toEqual(['manylinux_2_5_x86_64', 'manylinux_2_5_x86_64']);
  });

  it('PyFPE_jbuf and UCS2 symbols each make their verdict linux', () => {
    const fpe = analyze(contentsOf(`fpe-0.1.0-${X64}.whl`, { 'fpe/_fpe.cpython-311-x86_64-linux-gnu.so': ext('pyfpe', '_fpe') }));
    expect([fpe.pyfpe.name, fpe.ucs.name, fpe.overall.name]).toEqual(['linux_x86_64', 'manylinux_2_5_x86_64', 'linux_x86_64']);
    const ucs = analyze(contentsOf('ucs2-0.1.0-cp27-cp27m-linux_x86_64.whl', { 'ucs2/_ucs2.so': 'x86_64/ucs2/_ucs2.so' }));
    expect([ucs.ucs.name, ucs.pyfpe.name, ucs.overall.name]).toEqual(['linux_x86_64', 'manylinux_2_5_x86_64', 'linux_x86_64']);
  });

  it('an external library lowers the tag for show, not for repair (allowGraft), and is attributed', needs(requireLibs('libffi.so.8')), () => {
    const c = contentsOf(`withffi-0.1.0-${X64}.whl`, { 'withffi/_withffi.cpython-311-x86_64-linux-gnu.so': ext('with-ffi', '_withffi') });
    const show = analyze(c);
    expect([show.ref.name, show.overall.name]).toEqual(['linux_x86_64', 'linux_x86_64']);
    const lib = show.findings.find((f) => f.kind === 'external-lib');
    expect(lib).toMatchObject({ soname: 'libffi.so.8', neededBy: [{ elf: 'withffi/_withffi.cpython-311-x86_64-linux-gnu.so', chain: ['libffi.so.8'] }] });
    const repair = analyze(c, { allowGraft: true, requestedPolicyBaseName: 'auto' });
    expect(repair.overall.name).not.toBe('linux_x86_64');
    expect(repair.overall.name).toBe(repair.sym.name);
    // The symbol verdict counts what the grafted libffi itself needs.
    expect(repair.graft.priority).toBeGreaterThan(repair.policies.linux.priority);
  });

  it('a library needed by another ELF is not top-level, and borrows its resolution from the extension (chainrpath)', () => {
    const r = analyze(
      contentsOf(`chainrpath-0.1.0-${X64}.whl`, {
        'chainrpath/_chainrpath.cpython-311-x86_64-linux-gnu.so': ext('chain-rpath', '_chainrpath'),
        'chainrpath/lib/liba.so': 'x86_64/chain-rpath/lib/liba.so',
        'chainrpath/lib/libb.so': 'x86_64/chain-rpath/lib/libb.so',
      }),
    );
    const byPath = new Map(r.elves.map((e) => [e.path, e]));
    expect(byPath.get('chainrpath/_chainrpath.cpython-311-x86_64-linux-gnu.so')?.topLevel).toBe(true);
    expect(byPath.get('chainrpath/lib/liba.so')?.topLevel).toBe(false);
    expect(byPath.get('chainrpath/lib/liba.so')?.role).toBe('library');
    // liba has no run path of its own to find libb; the extension's tree found it in the wheel.
    expect(byPath.get('chainrpath/lib/liba.so')?.tree.libraries.get('libb.so')?.realpath).toMatch(/chainrpath\/lib\/libb\.so$/);
    expect(r.externalRefs.get('manylinux_2_5_x86_64')?.libs.size).toBe(0);
  });

  it('learns musl from the extension and judges against musllinux', needs(requireTool('readelf', 'binutils')), () => {
    const r = analyze(contentsOf(`muslext-0.1.0-${X64}.whl`, { 'muslext/_muslext.cpython-311-x86_64-linux-musl.so': 'x86_64-musl/_muslext.cpython-311-x86_64-linux-musl.so' }));
    expect(r.libc).toBe('musl');
    expect(r.overall.name).toMatch(/^musllinux_1_\d_x86_64$/);
  });

  it('warns about a RECORD entry missing from the zip, and skips .py files', () => {
    const c = contentsOf(`symverold-0.1.0-${X64}.whl`, { 'symverold/_symverold.cpython-311-x86_64-linux-gnu.so': SYMVEROLD }, [
      'symverold/gone.so',
      'symverold/_symverold.cpython-311-x86_64-linux-gnu.so',
    ]);
    expect(analyze(c).logs).toContainEqual({ level: 'warning', message: 'symverold/gone.so is listed in RECORD but missing from the wheel' });
  });
});

describe('refusals', () => {
  it('a shared library under a purelib folder: ANALYZE_PURELIB naming it', () => {
    const r = refusal(() => analyze(contentsOf(`symverold-0.1.0-${X64}.whl`, { 'symverold-0.1.0.data/purelib/_symverold.cpython-311-x86_64-linux-gnu.so': SYMVEROLD })));
    expect(r.code).toBe('ANALYZE_PURELIB');
    expect(r.message).toContain('found the following shared library/libraries in purelib folder:\n\t_symverold.cpython-311-x86_64-linux-gnu.so\n');
  });

  it('ELF files of two architectures: ANALYZE_MULTI_ARCH naming the files of each', () => {
    const r = refusal(() =>
      analyze(contentsOf(`symverold-0.1.0-${X64}.whl`, { 'p/_symverold.cpython-311-x86_64-linux-gnu.so': SYMVEROLD, 'p/libverdemo.so.1': 'aarch64/libverdemo.so.1' })),
    );
    expect(r).toEqual({
      code: 'ANALYZE_MULTI_ARCH',
      message: "the wheel's ELF files are for several architectures (x86_64: p/_symverold.cpython-311-x86_64-linux-gnu.so; aarch64: p/libverdemo.so.1); a wheel is for exactly one",
    });
  });

  it('extensions for glibc and musl: ANALYZE_LIBC', () => {
    const r = refusal(() =>
      analyze(
        contentsOf(`symverold-0.1.0-${X64}.whl`, {
          'p/_symverold.cpython-311-x86_64-linux-gnu.so': SYMVEROLD,
          'p/_muslext.cpython-311-x86_64-linux-musl.so': 'x86_64-musl/_muslext.cpython-311-x86_64-linux-musl.so',
        }),
      ),
    );
    expect(r.code).toBe('ANALYZE_LIBC');
    expect(r.message).toMatch(/several C libraries \(glibc: p\/_symverold\S+; musl: p\/_muslext\S+\)/);
  });

  it('no ELF file: NonPlatformWheelError with the reference message', () => {
    let err: unknown;
    try {
      analyze(contentsOf('purepkg-0.1.0-py3-none-any.whl', { 'purepkg/__init__.py': null, 'purepkg/data.txt': null }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonPlatformWheelError);
    expect((err as NonPlatformWheelError).code).toBe('ANALYZE_NON_PLATFORM');
    expect((err as NonPlatformWheelError).message).toBe(NOT_PLATFORM_MESSAGE);
  });

  it('only ELF files of another architecture than the one asked for: ANALYZE_WRONG_ARCH listing them', () => {
    let err: unknown;
    try {
      analyze(contentsOf(`minext-0.1.0-${X64}.whl`, { 'minext/libverdemo.so.1': 'aarch64/libverdemo.so.1' }), { arch: 'x86_64' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonPlatformWheelError);
    expect((err as NonPlatformWheelError).code).toBe('ANALYZE_WRONG_ARCH');
    expect((err as NonPlatformWheelError).invalidMachine).toEqual(['libverdemo.so.1']);
    expect((err as NonPlatformWheelError).logs).toContainEqual({ level: 'warning', message: 'ignoring: libverdemo.so.1 with aarch64 architecture' });
  });

  it('an extension whose libc nothing tells: ANALYZE_LIBC with a hint, unless a fallback libc is given', () => {
    // The ISA fixture has no DT_NEEDED and no interpreter; without the -linux-gnu suffix its
    // name says nothing either.
    const c = contentsOf(`isav2-0.1.0-${X64}.whl`, { 'isav2/_isav2.so': ext('isa-v2', '_isav2') });
    const r = refusal(() => analyze(c));
    expect(r).toEqual({ code: 'ANALYZE_LIBC', message: "couldn't detect libc for python extension isav2/_isav2.so" });
    expect(analyze(c, { fallbackLibc: 'glibc', disableIsaExtCheck: true }).overall.name).toBe('manylinux_2_5_x86_64');
  });
});
