// --include: a library named by path or found by soname in the loader's search path becomes a
// wheel entry under the libs directory before the analysis; executables, missing files,
// duplicate names and names the wheel already has are refused with the flag's value named.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostFs } from '../../src/analyze/host-fs.js';
import { resolveIncludes, withIncludes, type IncludeContext } from '../../src/repair/includes.js';
import { contentsOf, ELF_OUT } from '../helpers/elf-contents.js';
import { needs, requireLibs } from '../helpers/requires.js';

const C: IncludeContext = { libDir: 'pkg.libs', libc: 'glibc', fs: new HostFs(), root: '', cwd: ELF_OUT, env: {}, ldpaths: undefined };
const PLUG = 'x86_64/dlopen/libwaplug.so.1';

describe('resolveIncludes', () => {
  it('a path: its entry, soname and content hash', () => {
    const [r] = resolveIncludes([PLUG], C);
    const real = realpathSync(path.join(ELF_OUT, PLUG));
    expect(r?.library).toMatchObject({ entry: 'pkg.libs/libwaplug.so.1', name: 'libwaplug.so.1', soname: 'libwaplug.so.1', hasRunPath: false });
    expect(r?.library.source.realpath).toBe(real);
    expect(r?.library.source.h8).toBe(createHash('sha256').update(readFileSync(real)).digest('hex').slice(0, 8));
    expect(r?.summary.hasDynamic).toBe(true);
  });

  it('a bare soname is found through the environment, and through the system search path', needs(requireLibs('libffi.so.8')), () => {
    const [viaEnv] = resolveIncludes(['libwaplug.so.1'], { ...C, env: { LD_LIBRARY_PATH: path.join(ELF_OUT, 'x86_64/dlopen') } });
    expect(viaEnv?.library.source.realpath).toBe(realpathSync(path.join(ELF_OUT, PLUG)));
    const [sys] = resolveIncludes(['libffi.so.8'], C);
    expect(sys?.library.entry).toBe('pkg.libs/libffi.so.8');
    expect(sys?.library.source.realpath).toMatch(/\/libffi\.so\.8[.\d]*$/);
  });

  it('refuses a missing path, an unknown soname, an executable and two includes of one name', () => {
    expect(() => resolveIncludes(['./nope/libx.so'], C)).toThrow(expect.objectContaining({ code: 'USAGE', message: '--include ./nope/libx.so: no such file' }) as Error);
    expect(() => resolveIncludes(['libnotthere-wheelaudit.so.9'], C)).toThrow(expect.objectContaining({ code: 'REPAIR_LIB_NOT_FOUND', message: '--include libnotthere-wheelaudit.so.9: not found in the library search path' }) as Error);
    expect(() => resolveIncludes(['x86_64/exe/hello-pie'], C)).toThrow(/^--include x86_64\/exe\/hello-pie: .*hello-pie is not a shared library$/);
    expect(() => resolveIncludes([PLUG, `./${PLUG}`], C)).toThrow(`--include ./${PLUG}: another --include already adds pkg.libs/libwaplug.so.1`);
  });
});

describe('withIncludes', () => {
  const contents = contentsOf('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl', { 'dlopener/_dlopener.cpython-311-x86_64-linux-gnu.so': 'x86_64/dlopen/_dlopener.cpython-311-x86_64-linux-gnu.so' });

  it('adds each library as an ELF entry listed in RECORD; nothing to add returns the same contents', () => {
    const inc = resolveIncludes([PLUG], C);
    const c = withIncludes(contents, inc);
    expect(c.entryNames).toEqual([...contents.entryNames, 'pkg.libs/libwaplug.so.1']);
    expect(c.recordPaths.at(-1)).toBe('pkg.libs/libwaplug.so.1');
    expect(c.elves.get('pkg.libs/libwaplug.so.1')).toBe(inc[0]?.summary);
    expect(contents.elves.has('pkg.libs/libwaplug.so.1')).toBe(false);
    expect(withIncludes(contents, [])).toBe(contents);
  });

  it('refuses a library the wheel already has at that entry', () => {
    const inc = resolveIncludes([PLUG], { ...C, libDir: 'dlopener' });
    const has = contentsOf('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl', { 'dlopener/libwaplug.so.1': PLUG });
    expect(() => withIncludes(has, inc)).toThrow('--include libwaplug.so.1: the wheel already has dlopener/libwaplug.so.1');
  });
});
