// The lddtree JSON document: auditwheel's dataclass fields in their order, enum values in
// Python repr form, nulls for what was not found; the values are those of a real tree of a
// fixture whose dependencies resolve inside its own directory (checked with readelf).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostFs } from '../../../src/analyze/host-fs.js';
import { lddtree } from '../../../src/analyze/lddtree.js';
import { lddtreeJson } from '../../../src/cli/render/lddtree-json.js';
import { ELF_OUT } from '../../helpers/elf-contents.js';
import { readelfDynamic } from '../../helpers/readelf.js';
import { needs, requireTool } from '../../helpers/requires.js';

const EXT = path.join(ELF_OUT, 'x86_64/chain-rpath/_chainrpath.cpython-311-x86_64-linux-gnu.so');

function tree(file: string, ldpaths?: string): ReturnType<typeof lddtree> {
  return lddtree(file, { fs: new HostFs(), root: '', cwd: ELF_OUT, env: {}, ldpaths, exclude: [], log: () => undefined });
}

describe('lddtreeJson', () => {
  it('has the reference fields in order, with the platform as Python reprs', () => {
    const j = lddtreeJson(tree(EXT)) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['interpreter', 'libc', 'path', 'realpath', 'platform', 'needed', 'rpath', 'runpath', 'libraries']);
    expect(j['platform']).toEqual({ _elf_osabi: 'ELFOSABI_SYSV', _elf_class: 64, _elf_little_endian: true, _elf_machine: 'EM_X86_64', _base_arch: "<Architecture.x86_64: 'x86_64'>", _ext_arch: null, _error_msg: null });
    expect(j['libc']).toBe("<Libc.GLIBC: 'glibc'>");
    expect(j['interpreter']).toBeNull();
  });

  it('needed and rpath as readelf reads them; liba resolved through $ORIGIN/lib, with its own needed', needs(requireTool('readelf', 'binutils')), () => {
    const j = lddtreeJson(tree(EXT)) as { needed: string[]; rpath: string[]; libraries: Record<string, { soname: string; path: string | null; realpath: string | null; needed: string[]; platform: unknown }> };
    const d = readelfDynamic(EXT);
    expect(j.needed).toEqual(d.needed);
    expect(j.rpath).toEqual([path.join(path.dirname(EXT), 'lib')]);
    const a = j.libraries['liba.so'];
    expect(a?.path).toBe(path.join(path.dirname(EXT), 'lib', 'liba.so'));
    expect(a?.needed).toEqual(readelfDynamic(path.join(path.dirname(EXT), 'lib', 'liba.so')).needed);
    expect(Object.keys(a ?? {})).toEqual(['soname', 'path', 'realpath', 'platform', 'needed']);
  });

  it('a library that is not found has null path, realpath and platform', () => {
    // With an empty --ldpaths, libc.so.6 is found nowhere.
    const j = lddtreeJson(tree(path.join(ELF_OUT, 'x86_64/symver-old/_symverold.cpython-311-x86_64-linux-gnu.so'), '')) as { libraries: Record<string, unknown> };
    expect(j.libraries['libc.so.6']).toEqual({ soname: 'libc.so.6', path: null, realpath: null, platform: null, needed: [] });
  });
});
