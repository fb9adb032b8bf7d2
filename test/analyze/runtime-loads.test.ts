// Marking run-time load hints as found in the wheel, on the host or missing, over a small
// in-memory file system; and the search directories taken from the real host.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ElfSummary } from '../../src/analyze/elf-summary.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import type { LibraryFs } from '../../src/analyze/library-fs.js';
import { resolveRuntimeLoads, runtimeSearchDirs, type RuntimeLoadHints } from '../../src/analyze/runtime-loads.js';

class MemFs implements LibraryFs {
  constructor(private readonly files: readonly string[]) {}
  isDirectory(p: string): boolean {
    return this.files.some((f) => f.startsWith(`${p}/`));
  }
  exists(p: string): boolean {
    return this.files.includes(p) || this.isDirectory(p);
  }
  readlink(): undefined {
    return undefined;
  }
  loadElf(): undefined {
    return undefined;
  }
  readText(): undefined {
    return undefined;
  }
  glob(pattern: string): string[] {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    return this.files.filter((f) => re.test(f)).sort();
  }
}

const fs = new MemFs(['/usr/lib/libz.so', '/usr/lib/libz.so.1', '/lib/libssl.so.3', '/opt/sdk/libsdk.so', '/root/sys/opt/x/libr.so']);
const elves = new Map<string, ElfSummary>([['pkg/.libs/libreal-1.so', { soname: 'libplug.so.2' } as ElfSummary]]);
const ctx = { entryNames: ['pkg/', 'pkg/_ext.so', 'pkg/lib/libown.so.1', 'pkg/.libs/libreal-1.so', 'pkg/loader.py'], elves, fs, root: '', searchDirs: ['/lib', '/usr/lib'] };

const hints: RuntimeLoadHints = {
  elf: new Map([['pkg/_ext.so', ['libown.so.1', 'libplug.so.2', 'libssl.so.3', 'libnothere.so', '/opt/sdk/libsdk.so', '/opt/sdk/libgone.so', 'sub/libown.so.1']]]),
  py: new Map([
    [
      'pkg/loader.py',
      [
        { line: 3, call: 'find_library', literal: 'z', argument: "'z'", embedded: [] },
        { line: 4, call: 'find_library', literal: 'own', argument: "'own'", embedded: [] },
        { line: 5, call: 'CDLL', literal: undefined, argument: 'os.path.join(here, "libown.so.1")', embedded: ['libown.so.1'] },
        { line: 6, call: 'LoadLibrary', literal: undefined, argument: 'name', embedded: [] },
        { line: 7, call: 'find_library', literal: 'nope', argument: "'nope'", embedded: [] },
      ],
    ],
  ]),
};

describe('resolveRuntimeLoads', () => {
  const loads = resolveRuntimeLoads(hints, ctx);
  const status = Object.fromEntries(loads.map((l) => [`${l.file}:${l.line ?? ''} ${l.name}`, l.status]));

  it('a bare name: a wheel file of that name or SONAME first, then the search directories in order', () => {
    expect(status['pkg/_ext.so: libown.so.1']).toEqual({ kind: 'wheel', entry: 'pkg/lib/libown.so.1' });
    expect(status['pkg/_ext.so: libplug.so.2']).toEqual({ kind: 'wheel', entry: 'pkg/.libs/libreal-1.so' });
    expect(status['pkg/_ext.so: libssl.so.3']).toEqual({ kind: 'host', path: '/lib/libssl.so.3' });
    expect(status['pkg/_ext.so: libnothere.so']).toEqual({ kind: 'missing' });
  });

  it('an absolute path is looked up on the host as it is; a relative one only in the wheel', () => {
    expect(status['pkg/_ext.so: /opt/sdk/libsdk.so']).toEqual({ kind: 'host', path: '/opt/sdk/libsdk.so' });
    expect(status['pkg/_ext.so: /opt/sdk/libgone.so']).toEqual({ kind: 'missing' });
    expect(status['pkg/_ext.so: sub/libown.so.1']).toEqual({ kind: 'missing' });
  });

  it('find_library("z") prefers the run-time name, as ldconfig does; the wheel comes first', () => {
    expect(status['pkg/loader.py:3 z']).toEqual({ kind: 'host', path: '/usr/lib/libz.so.1' });
    expect(status['pkg/loader.py:4 own']).toEqual({ kind: 'wheel', entry: 'pkg/lib/libown.so.1' });
    expect(status['pkg/loader.py:7 nope']).toEqual({ kind: 'missing' });
  });

  it('a computed argument is marked as such, a literal inside it is looked up by its file name', () => {
    expect(status['pkg/loader.py:5 libown.so.1']).toEqual({ kind: 'wheel', entry: 'pkg/lib/libown.so.1' });
    expect(loads.find((l) => l.line === 5)?.form).toBe('embedded');
    expect(status['pkg/loader.py:6 name']).toEqual({ kind: 'computed' });
  });

  it('with a sysroot, absolute paths are read inside it', () => {
    const r = resolveRuntimeLoads({ elf: new Map([['a.so', ['/opt/x/libr.so']]]), py: new Map() }, { ...ctx, root: '/root/sys' });
    expect(r[0]?.status).toEqual({ kind: 'host', path: '/root/sys/opt/x/libr.so' });
  });
});

describe('runtimeSearchDirs', () => {
  const host = new HostFs();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-dirs-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const [mine, a, b] = ['mine', 'a', 'b'].map((d) => {
    mkdirSync(path.join(tmp, d));
    return path.join(tmp, d);
  }) as [string, string, string];

  it('glibc: the environment first, then ld.so.conf and the trusted directories (existing ones only)', () => {
    const dirs = runtimeSearchDirs('glibc', { fs: host, root: '', cwd: tmp, env: { LD_LIBRARY_PATH: `${mine}:/nonexistent` }, ldpaths: undefined });
    expect(dirs[0]).toBe(mine);
    expect(dirs).not.toContain('/nonexistent');
    expect(dirs).toContain('/usr/lib');
    expect(dirs).toContain('/lib64');
  });
  it('--ldpaths replaces the system part; Android searches nothing on the build machine', () => {
    expect(runtimeSearchDirs('glibc', { fs: host, root: '', cwd: tmp, env: {}, ldpaths: 'a:b' })).toEqual([a, b]);
    expect(runtimeSearchDirs('android', { fs: host, root: '', cwd: tmp, env: {}, ldpaths: undefined })).toEqual([]);
  });
});
