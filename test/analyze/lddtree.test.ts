// lddtree on real ELF files compiled with gcc (spec §5): the chain through $ORIGIN, what a
// dependency inherits from the top-level file, the exact search order, --ldpaths against the
// environment, candidates that must be skipped, exclusion, libpython, symlinks, sysroots and the
// in-wheel file system. Every describe compiles its own tree once, in beforeAll.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.js';
import { summarizeElf, type ElfSummary } from '../../src/analyze/elf-summary.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import { LIBPYTHON_RE, lddtree, resolveFinalSymlinks, type DynamicExecutable, type DynamicLibrary, type LogLevel } from '../../src/analyze/lddtree.js';
import type { LdEnvironment } from '../../src/analyze/ld-paths.js';
import { OverlayFs, WheelFs, WHEEL_MOUNT, type LibraryFs } from '../../src/analyze/library-fs.js';
import { AnalyzeError } from '../../src/errors.js';
import { disposeBuildCache, haveCompiler, LibTree, type ElfSpec } from '../helpers/build-libs.js';
import { needs, requireTool } from '../helpers/requires.js';

const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const canBuild = haveCompiler('x86_64');
const canCross = canBuild && haveCompiler('aarch64');
const CC = requireTool('gcc', 'gcc');
const CROSS = requireTool('aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu');

afterAll(() => disposeBuildCache());

interface Run {
  readonly tree: DynamicExecutable;
  readonly logs: (readonly [LogLevel, string])[];
}

interface RunOptions {
  readonly fs?: LibraryFs;
  readonly root?: string;
  readonly cwd?: string;
  readonly env?: LdEnvironment;
  /** Default '' (no system directories), so the host's libraries never interfere. */
  readonly ldpaths?: string | undefined;
  readonly exclude?: readonly string[];
  readonly display?: string;
}

function ldd(file: string, o: RunOptions = {}): Run {
  const logs: (readonly [LogLevel, string])[] = [];
  const tree = lddtree(
    file,
    {
      // A fresh HostFs each time: its ELF cache must not outlive files a test removes.
      fs: o.fs ?? new HostFs(),
      root: o.root ?? '',
      cwd: o.cwd ?? path.dirname(file),
      env: o.env ?? {},
      ldpaths: 'ldpaths' in o ? o.ldpaths : '',
      exclude: o.exclude ?? [],
      log: (level, message) => logs.push([level, message]),
    },
    o.display,
  );
  return { tree, logs };
}

function lib(tree: DynamicExecutable, soname: string): DynamicLibrary {
  const l = tree.libraries.get(soname);
  if (l === undefined) throw new Error(`${soname} is not in the tree (have: ${[...tree.libraries.keys()].join(', ')})`);
  return l;
}

function summary(file: string): ElfSummary {
  return summarizeElf(parseElf(new Uint8Array(readFileSync(file))), path.basename(file));
}

/** A library that needs only a marker soname, so a test can tell which copy was picked. */
function probe(out: string, soname: string, marker: string, extra: Partial<ElfSpec> = {}): ElfSpec {
  return { out, needed: [marker], ...extra, soname };
}

describe('helper: build-libs', needs(CC), () => {
  const lt = new LibTree();
  afterAll(() => lt.cleanup());

  it('writes SONAME, DT_NEEDED in order, DT_RPATH, DT_RUNPATH, both, and aarch64 files', async () => {
    const specs: ElfSpec[] = [
      { out: 'n.so', soname: 'libn.so.1', needed: ['libz.so', 'liba.so', 'libm.so'] },
      { out: 'r.so', rpath: '$ORIGIN/r' },
      { out: 'u.so', runpath: '${ORIGIN}/u' },
      { out: 'b.so', rpath: '/rp', runpath: '/ru', needed: ['libq.so'] },
      { out: 'e', kind: 'exe', needed: ['libq.so'] },
    ];
    if (canCross) specs.push({ out: 'arm.so', arch: 'aarch64', needed: ['libq.so'] });
    const files = await lt.build(specs);
    const [n, r, u, b, e] = files.map(summary) as [ElfSummary, ElfSummary, ElfSummary, ElfSummary, ElfSummary];
    expect(n.soname).toBe('libn.so.1');
    expect(n.needed).toEqual(['libz.so', 'liba.so', 'libm.so']);
    expect([r.rpath, r.runpath]).toEqual(['$ORIGIN/r', undefined]);
    expect([u.rpath, u.runpath]).toEqual([undefined, '${ORIGIN}/u']);
    expect([b.rpath, b.runpath, b.needed]).toEqual(['/rp', '/ru', ['libq.so']]);
    expect(e.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(e.needed).toEqual(['libq.so']);
    expect(n.platform.machine).toBe(EM_X86_64);
    if (canCross) expect(summary(files[5] as string).platform.machine).toBe(EM_AARCH64);
  });
});

describe('a chain ext -> liba -> libb through $ORIGIN', needs(CC), () => {
  const lt = new LibTree();
  beforeAll(async () => {
    await lt.build([
      { out: 'pkg/ext.so', needed: ['liba.so.1'], rpath: '$ORIGIN/../a:/nonexistent/dir:$ORIGIN/../a/' },
      // liba is reached through a symlink; its ${ORIGIN} is the directory of the real file.
      { out: 'real/liba.so.1.0', soname: 'liba.so.1', needed: ['libb.so'], rpath: '${ORIGIN}/deps' },
      { out: 'real/deps/libb.so', soname: 'libb.so' },
      { out: 'pkg/ext-relative.so', needed: ['libb.so'], rpath: 'real/deps' },
      { out: 'pkg/ext-runpath.so', needed: ['liba.so.1'], runpath: '$ORIGIN/../a' },
    ]);
    lt.symlink('a/liba.so.1', '../real/liba.so.1.0');
  });
  afterAll(() => lt.cleanup());

  it('resolves the chain, reporting path, realpath, platform and needed for each library', () => {
    const { tree, logs } = ldd(lt.p('pkg/ext.so'));
    expect(tree.path).toBe(lt.p('pkg/ext.so'));
    expect(tree.realpath).toBe(lt.p('pkg/ext.so'));
    expect(tree.interpreter).toBeUndefined();
    expect(tree.libc).toBeUndefined();
    expect(tree.platform.machine).toBe(EM_X86_64);
    expect(tree.needed).toEqual(['liba.so.1']);
    // Existence-filtered, normalised and de-duplicated.
    expect(tree.rpath).toEqual([lt.p('a')]);
    expect(tree.runpath).toEqual([]);
    expect([...tree.libraries.keys()]).toEqual(['liba.so.1', 'libb.so']);
    const a = lib(tree, 'liba.so.1');
    expect(a.path).toBe(lt.p('a/liba.so.1'));
    expect(a.realpath).toBe(lt.p('real/liba.so.1.0'));
    expect(a.needed).toEqual(['libb.so']);
    expect(a.platform?.machine).toBe(EM_X86_64);
    const b = lib(tree, 'libb.so');
    expect(b.path).toBe(lt.p('real/deps/libb.so'));
    expect(b.realpath).toBe(lt.p('real/deps/libb.so'));
    expect(b.needed).toEqual([]);
    expect(b.platform?.machine).toBe(EM_X86_64);
    expect(logs).toEqual([]);
  });

  it('reports the display path for the top-level file and keeps the real one', () => {
    const { tree } = ldd(lt.p('pkg/ext.so'), { display: 'pkg/ext.so' });
    expect(tree.path).toBe('pkg/ext.so');
    expect(tree.realpath).toBe(lt.p('pkg/ext.so'));
  });

  it('a top-level DT_RUNPATH works the same way for the chain', () => {
    const { tree } = ldd(lt.p('pkg/ext-runpath.so'));
    expect(tree.rpath).toEqual([]);
    expect(tree.runpath).toEqual([lt.p('a')]);
    expect(lib(tree, 'libb.so').realpath).toBe(lt.p('real/deps/libb.so'));
  });

  it("a relative DT_RPATH entry means '/entry', not the working directory", () => {
    const { tree } = ldd(lt.p('pkg/ext-relative.so'), { cwd: lt.p() });
    expect(tree.rpath).toEqual([]);
    expect(lib(tree, 'libb.so').path).toBeUndefined();
  });

  it('a top-level file that is not ELF is an ANALYZE_BAD_PATH error', () => {
    lt.write('notelf.so', 'hello\n');
    let caught: unknown;
    try {
      ldd(lt.p('notelf.so'));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AnalyzeError);
    expect((caught as AnalyzeError).code).toBe('ANALYZE_BAD_PATH');
  });
});

describe('what a dependency inherits from the top-level file', needs(CC), () => {
  const lt = new LibTree();
  beforeAll(async () => {
    await lt.build([
      { out: 'top/ext-r.so', needed: ['libmid.so'], rpath: '$ORIGIN/../shared' },
      { out: 'top/ext-u.so', needed: ['libmid.so'], runpath: '$ORIGIN/../shared' },
      { out: 'top/ext-none.so', needed: ['libmid.so'] },
      { out: 'shared/libmid.so', soname: 'libmid.so', needed: ['libleaf.so'] },
      { out: 'shared/libleaf.so', soname: 'libleaf.so' },
      { out: 'top/ext-deep.so', needed: ['libmid3.so'], rpath: '$ORIGIN/../deepA' },
      { out: 'deepA/libmid3.so', soname: 'libmid3.so', needed: ['libinner.so'], rpath: '$ORIGIN/../deepB' },
      { out: 'deepB/libinner.so', soname: 'libinner.so', needed: ['libleaf3.so'] },
      { out: 'deepB/libleaf3.so', soname: 'libleaf3.so' },
      // Both tags, both existing: RUNPATH wins and RPATH is not searched.
      { out: 'top/ext-both.so', needed: ['libonlyr.so', 'libonlyu.so'], rpath: '$ORIGIN/../r', runpath: '$ORIGIN/../u' },
      // Both tags, but no RUNPATH directory exists: the RPATH is still used (reference quirk).
      { out: 'top/ext-deadrun.so', needed: ['libonlyr.so'], rpath: '$ORIGIN/../r', runpath: '$ORIGIN/../missing:/no/such' },
      { out: 'r/libonlyr.so', soname: 'libonlyr.so' },
      { out: 'u/libonlyu.so', soname: 'libonlyu.so' },
    ]);
  });
  afterAll(() => lt.cleanup());

  it('the top-level DT_RPATH is searched for a dependency that has no paths of its own', () => {
    const { tree } = ldd(lt.p('top/ext-r.so'));
    expect(lib(tree, 'libleaf.so').realpath).toBe(lt.p('shared/libleaf.so'));
  });

  it('so is the top-level DT_RUNPATH (ld.so would not do that)', () => {
    const { tree } = ldd(lt.p('top/ext-u.so'));
    expect(tree.runpath).toEqual([lt.p('shared')]);
    expect(lib(tree, 'libleaf.so').realpath).toBe(lt.p('shared/libleaf.so'));
  });

  it("a dependency's own DT_RPATH is not passed on to the libraries it brings in (ld.so would use it)", () => {
    const { tree } = ldd(lt.p('top/ext-deep.so'));
    expect(lib(tree, 'libmid3.so').realpath).toBe(lt.p('deepA/libmid3.so'));
    expect(lib(tree, 'libinner.so').realpath).toBe(lt.p('deepB/libinner.so'));
    // libleaf3 sits next to libinner, in libmid3's RPATH directory, and is still not found.
    expect(lib(tree, 'libleaf3.so').path).toBeUndefined();
  });

  it('a dependency with no paths of its own finds nothing without the top-level paths', () => {
    const alone = ldd(lt.p('top/ext-none.so'));
    expect([...alone.tree.libraries.keys()]).toEqual(['libmid.so']);
    expect(lib(alone.tree, 'libmid.so').path).toBeUndefined();
    const viaEnv = ldd(lt.p('top/ext-none.so'), { env: { AUDITWHEEL_LD_LIBRARY_PATH: lt.p('shared') } });
    expect(lib(viaEnv.tree, 'libleaf.so').realpath).toBe(lt.p('shared/libleaf.so'));
  });

  it('DT_RPATH is ignored when DT_RUNPATH names an existing directory', () => {
    const s = summary(lt.p('top/ext-both.so'));
    expect([s.rpath, s.runpath]).toEqual(['$ORIGIN/../r', '$ORIGIN/../u']);
    const { tree } = ldd(lt.p('top/ext-both.so'));
    expect(tree.rpath).toEqual([]);
    expect(tree.runpath).toEqual([lt.p('u')]);
    expect(lib(tree, 'libonlyr.so').path).toBeUndefined();
    expect(lib(tree, 'libonlyu.so').realpath).toBe(lt.p('u/libonlyu.so'));
  });

  it('DT_RPATH is still used when every DT_RUNPATH directory is missing', () => {
    const { tree } = ldd(lt.p('top/ext-deadrun.so'));
    expect(tree.rpath).toEqual([lt.p('r')]);
    expect(tree.runpath).toEqual([]);
    expect(lib(tree, 'libonlyr.so').realpath).toBe(lt.p('r/libonlyr.so'));
  });
});

describe('discovery order, DT_NEEDED order and first resolution wins', needs(CC), () => {
  const lt = new LibTree();
  beforeAll(async () => {
    await lt.build([
      { out: 'ext.so', needed: ['libz.so', 'liba.so', 'libmissing.so'] },
      // libz finds libq in its own RPATH directory first...
      { out: 'main/libz.so', soname: 'libz.so', needed: ['libq.so'], rpath: '$ORIGIN/../zq' },
      probe('zq/libq.so', 'libq.so', 'from-zq.so'),
      // ...so liba, which would find the copy in main/, gets libz's libq.
      probe('main/libq.so', 'libq.so', 'from-main.so'),
      { out: 'main/liba.so', soname: 'liba.so', needed: ['libb.so', 'libq.so'] },
      { out: 'main/libb.so', soname: 'libb.so' },
    ]);
  });
  afterAll(() => lt.cleanup());

  it('libraries are in depth-first discovery order; each soname is resolved once', () => {
    const { tree } = ldd(lt.p('ext.so'), { ldpaths: lt.p('main') });
    expect(tree.needed).toEqual(['libz.so', 'liba.so', 'libmissing.so']);
    expect([...tree.libraries.keys()]).toEqual(['libz.so', 'libq.so', 'from-zq.so', 'liba.so', 'libb.so', 'libmissing.so']);
    expect(lib(tree, 'libq.so').realpath).toBe(lt.p('zq/libq.so'));
    expect(lib(tree, 'libq.so').needed).toEqual(['from-zq.so']);
    expect(tree.libraries.has('from-main.so')).toBe(false);
    // liba still lists libq among its needs, in DT_NEEDED order.
    expect(lib(tree, 'liba.so').needed).toEqual(['libb.so', 'libq.so']);
  });

  it('a library that is not found is kept, with no path, platform or needs', () => {
    const { tree, logs } = ldd(lt.p('ext.so'), { ldpaths: lt.p('main') });
    expect(lib(tree, 'libmissing.so')).toEqual({ soname: 'libmissing.so', path: undefined, realpath: undefined, platform: undefined, needed: [] });
    expect(lib(tree, 'from-zq.so').path).toBeUndefined();
    expect(logs).toEqual([]); // not finding a library logs nothing
  });

  it('without libz, liba resolves libq itself', () => {
    const { tree } = ldd(lt.p('main/liba.so'), { ldpaths: lt.p('main') });
    expect([...tree.libraries.keys()]).toEqual(['libb.so', 'libq.so', 'from-main.so']);
    expect(lib(tree, 'libq.so').realpath).toBe(lt.p('main/libq.so'));
  });
});

// The search list for every ELF in the tree is
//   inherited RPATH + own RPATH + own RUNPATH + env + inherited RUNPATH + conf + interp.
// Each ladder puts a copy of libprobe.so (needing a marker naming its directory) in every
// source that applies, then removes the winning copy, one at a time, front to back.
describe('search order', needs(CC), () => {
  const lt = new LibTree();
  interface Ladder {
    readonly name: string;
    readonly top: 'rpath' | 'runpath';
    readonly mid: 'rpath' | 'runpath';
    readonly order: readonly string[];
  }
  const ladders: readonly Ladder[] = [
    { name: 'top DT_RPATH, dependency DT_RPATH', top: 'rpath', mid: 'rpath', order: ['opt/top', 'opt/mid', 'env', 'conf', 'lib64', 'usr/lib64'] },
    { name: 'top DT_RPATH, dependency DT_RUNPATH', top: 'rpath', mid: 'runpath', order: ['opt/top', 'opt/mid', 'env', 'conf', 'lib64', 'usr/lib64'] },
    { name: 'top DT_RUNPATH, dependency DT_RPATH', top: 'runpath', mid: 'rpath', order: ['opt/mid', 'env', 'opt/top', 'conf', 'lib64', 'usr/lib64'] },
    { name: 'top DT_RUNPATH, dependency DT_RUNPATH', top: 'runpath', mid: 'runpath', order: ['opt/mid', 'env', 'opt/top', 'conf', 'lib64', 'usr/lib64'] },
  ];
  const marker = (dir: string): string => `from-${dir.replace(/\//g, '_')}.so`;

  beforeAll(async () => {
    // Each distinct file is linked once, then copied into the ladders' sysroots.
    const dirs = ['opt/top', 'opt/mid', 'env', 'conf', 'lib64', 'usr/lib64', 'ldlib'];
    const specs: ElfSpec[] = dirs.map((d) => probe(`proto/${marker(d)}`, 'libprobe.so', marker(d)));
    for (const kind of ['rpath', 'runpath'] as const) {
      specs.push({ out: `proto/app-${kind}`, kind: 'exe', needed: ['libmid.so'], [kind]: '/opt/top' });
      specs.push({ out: `proto/mid-${kind}`, soname: 'libmid.so', needed: ['libprobe.so'], [kind]: '/opt/mid' });
    }
    // The top-level file's own needs: own RUNPATH is searched before the environment.
    specs.push({ out: 'own/ext.so', needed: ['libprobe.so'], runpath: '$ORIGIN/run' });
    specs.push(probe('own/run/libprobe.so', 'libprobe.so', marker('run')));
    specs.push(probe('own/env/libprobe.so', 'libprobe.so', marker('env')));
    // The system directories of a sysroot without --ldpaths.
    specs.push({ out: 'sysconf/bin/app', kind: 'exe', needed: ['libprobe.so'] });
    specs.push(probe('sysconf/usr/lib/libprobe.so', 'libprobe.so', marker('usr/lib')));
    specs.push(probe('sysconf/opt/conf/libprobe.so', 'libprobe.so', marker('opt/conf')));
    await lt.build(specs);
    ladders.forEach((l, i) => {
      // A sysroot per ladder: its PT_INTERP directories (/lib64, /usr/lib64) are then ours.
      const s = `sys${i}`;
      lt.copy(`proto/app-${l.top}`, `${s}/bin/app`);
      lt.copy(`proto/mid-${l.mid}`, `${s}/opt/top/libmid.so`);
      for (const d of dirs) lt.copy(`proto/${marker(d)}`, `${s}/${d}/libprobe.so`);
    });
    lt.write('sysconf/etc/ld.so.conf', 'include ld.so.conf.d/*.conf\n');
    lt.write('sysconf/etc/ld.so.conf.d/x.conf', '/opt/conf\n');
  });
  afterAll(() => lt.cleanup());

  ladders.forEach((l, i) => {
    it(`${l.name}: ${l.order.join(' > ')}`, () => {
      const root = lt.p(`sys${i}`);
      const opts: RunOptions = {
        root,
        ldpaths: `${root}/conf`,
        // LD_LIBRARY_PATH is ignored both under --ldpaths and under a sysroot.
        env: { AUDITWHEEL_LD_LIBRARY_PATH: `${root}/env`, LD_LIBRARY_PATH: `${root}/ldlib` },
      };
      const first = ldd(`${root}/bin/app`, opts).tree;
      expect(first.interpreter).toBe(`${root}/lib64/ld-linux-x86-64.so.2`);
      expect(lib(first, 'libmid.so').realpath).toBe(`${root}/opt/top/libmid.so`);
      const picked: string[] = [];
      for (const d of l.order) {
        const p = lib(ldd(`${root}/bin/app`, opts).tree, 'libprobe.so');
        picked.push(p.realpath === undefined ? '(none)' : path.relative(root, path.dirname(p.realpath)));
        expect(p.needed).toEqual([marker(d)]);
        lt.remove(`sys${i}/${d}/libprobe.so`);
      }
      expect(picked).toEqual(l.order);
      expect(lib(ldd(`${root}/bin/app`, opts).tree, 'libprobe.so').path).toBeUndefined();
    });
  });

  it("the top-level file's own DT_RUNPATH comes before the environment", () => {
    const { tree } = ldd(lt.p('own/ext.so'), { env: { AUDITWHEEL_LD_LIBRARY_PATH: lt.p('own/env') } });
    expect(lib(tree, 'libprobe.so').realpath).toBe(lt.p('own/run/libprobe.so'));
  });

  it('without --ldpaths a sysroot uses its own ld.so.conf and trusted directories', () => {
    const root = lt.p('sysconf');
    const { tree } = ldd(`${root}/bin/app`, { root, ldpaths: undefined });
    expect(tree.libc).toBe('glibc');
    expect(lib(tree, 'libprobe.so').realpath).toBe(`${root}/opt/conf/libprobe.so`);
    lt.remove('sysconf/opt/conf');
    expect(lib(ldd(`${root}/bin/app`, { root, ldpaths: undefined }).tree, 'libprobe.so').realpath).toBe(`${root}/usr/lib/libprobe.so`);
    // --ldpaths '' drops them.
    expect(lib(ldd(`${root}/bin/app`, { root, ldpaths: '' }).tree, 'libprobe.so').path).toBeUndefined();
  });
});

describe('--ldpaths, AUDITWHEEL_LD_LIBRARY_PATH and LD_LIBRARY_PATH', needs(CC), () => {
  const lt = new LibTree();
  beforeAll(async () => {
    await lt.build([
      { out: 'ext.so', needed: ['libp.so'] },
      probe('A/libp.so', 'libp.so', 'from-A.so'),
      probe('B/libp.so', 'libp.so', 'from-B.so'),
      { out: 'ext-libc.so', needed: ['libp.so'], libc: true },
    ]);
  });
  afterAll(() => lt.cleanup());

  const from = (o: RunOptions): string | undefined => {
    const p = lib(ldd(lt.p('ext.so'), { cwd: lt.p(), ...o }).tree, 'libp.so');
    return p.realpath === undefined ? undefined : path.basename(path.dirname(p.realpath));
  };

  it('--ldpaths A with LD_LIBRARY_PATH=B finds A (LD_LIBRARY_PATH is ignored)', () => {
    expect(from({ ldpaths: lt.p('A'), env: { LD_LIBRARY_PATH: lt.p('B') } })).toBe('A');
  });

  it('--ldpaths A with AUDITWHEEL_LD_LIBRARY_PATH=B finds B (it still comes first)', () => {
    expect(from({ ldpaths: lt.p('A'), env: { AUDITWHEEL_LD_LIBRARY_PATH: lt.p('B') } })).toBe('B');
  });

  it('without --ldpaths, AUDITWHEEL_LD_LIBRARY_PATH=B LD_LIBRARY_PATH=A finds B', () => {
    expect(from({ ldpaths: undefined, env: { AUDITWHEEL_LD_LIBRARY_PATH: lt.p('B'), LD_LIBRARY_PATH: lt.p('A') } })).toBe('B');
    expect(from({ ldpaths: undefined, env: { LD_LIBRARY_PATH: `${lt.p('A')}:${lt.p('B')}` } })).toBe('A');
  });

  it("--ldpaths '' searches nothing but AUDITWHEEL_LD_LIBRARY_PATH", () => {
    expect(from({ ldpaths: '', env: { LD_LIBRARY_PATH: lt.p('A') } })).toBeUndefined();
    expect(from({ ldpaths: '', env: { AUDITWHEEL_LD_LIBRARY_PATH: lt.p('A') } })).toBe('A');
  });

  it('relative and empty entries resolve against cwd, and the reported path is absolute', () => {
    const t = ldd(lt.p('ext.so'), { cwd: lt.p(), ldpaths: undefined, env: { LD_LIBRARY_PATH: 'B' } }).tree;
    expect(lib(t, 'libp.so').path).toBe(lt.p('B/libp.so'));
    expect(from({ cwd: lt.p('A'), ldpaths: ':' })).toBe('A');
    expect(from({ cwd: lt.p('B'), ldpaths: 'nope::../A' })).toBe('B');
    expect(from({ cwd: lt.p(), ldpaths: 'nope:A:B' })).toBe('A');
  });

  it("the system directories find the host's libc.so.6 only when --ldpaths is not given", () => {
    const sys = ldd(lt.p('ext-libc.so'), { ldpaths: undefined }).tree;
    expect(sys.libc).toBe('glibc');
    expect(sys.needed).toEqual(['libp.so', 'libc.so.6']);
    const libc = lib(sys, 'libc.so.6');
    expect(libc.path).toMatch(/^\/(usr\/)?lib.*\/libc\.so\.6$/);
    expect(libc.platform?.machine).toBe(EM_X86_64);
    expect(lib(ldd(lt.p('ext-libc.so'), { ldpaths: '' }).tree, 'libc.so.6').path).toBeUndefined();
  });
});

describe('candidates that are skipped', needs(CC), () => {
  const lt = new LibTree();
  beforeAll(async () => {
    const specs: ElfSpec[] = [{ out: 'ext.so', needed: ['libp.so'] }, probe('good/libp.so', 'libp.so', 'from-good.so')];
    if (canCross) {
      specs.push(probe('arm/libp.so', 'libp.so', 'from-arm.so', { arch: 'aarch64' }));
      specs.push({ out: 'arm-ext.so', needed: ['libp.so'], arch: 'aarch64' });
    }
    await lt.build(specs);
    lt.write('script/libp.so', '/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /lib/libp.so.1 )\n');
    lt.mkdir('dir/libp.so');
    lt.write('bad/libp.so', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 1, 2, 3]));
    lt.write('empty/libp.so', '');
    lt.symlink('loop/libp.so', 'libp2.so');
    lt.symlink('loop/libp2.so', 'libp.so');
    lt.symlink('dangling/libp.so', 'no-such-target.so');
  });
  afterAll(() => lt.cleanup());

  const junk = ['script', 'dir', 'bad', 'empty', 'loop', 'dangling'];

  it.each(junk)('a candidate in %s/ is skipped and the next directory is searched', (d) => {
    const fs = new HostFs();
    const { tree } = ldd(lt.p('ext.so'), { fs, ldpaths: `${lt.p(d)}:${lt.p('good')}` });
    expect(lib(tree, 'libp.so').realpath).toBe(lt.p('good/libp.so'));
    expect(lib(ldd(lt.p('ext.so'), { ldpaths: lt.p(d) }).tree, 'libp.so').path).toBeUndefined();
  });

  it('all of them before the real one', () => {
    const { tree } = ldd(lt.p('ext.so'), { ldpaths: [...junk, 'good'].map((d) => lt.p(d)).join(':') });
    expect(lib(tree, 'libp.so').path).toBe(lt.p('good/libp.so'));
  });

  it('a truncated ELF candidate is noted by HostFs', () => {
    const fs = new HostFs();
    ldd(lt.p('ext.so'), { fs, ldpaths: `${lt.p('bad')}:${lt.p('good')}` });
    expect(fs.notes.map((n) => n.path)).toEqual([lt.p('bad/libp.so')]);
  });

  it('a library for another machine (aarch64) is skipped for an x86_64 file', needs(CC, CROSS), () => {
    const { tree } = ldd(lt.p('ext.so'), { ldpaths: `${lt.p('arm')}:${lt.p('good')}` });
    expect(lib(tree, 'libp.so').realpath).toBe(lt.p('good/libp.so'));
    expect(lib(tree, 'libp.so').platform?.machine).toBe(EM_X86_64);
    expect(lib(ldd(lt.p('ext.so'), { ldpaths: lt.p('arm') }).tree, 'libp.so').path).toBeUndefined();
  });

  it('and the other way round for an aarch64 file', needs(CC, CROSS), () => {
    const { tree } = ldd(lt.p('arm-ext.so'), { ldpaths: `${lt.p('good')}:${lt.p('arm')}` });
    expect(tree.platform.machine).toBe(EM_AARCH64);
    expect(lib(tree, 'libp.so').realpath).toBe(lt.p('arm/libp.so'));
    expect(lib(tree, 'libp.so').needed).toEqual(['from-arm.so']);
  });
});

describe('exclusion and libpython', needs(CC), () => {
  const lt = new LibTree();
  beforeAll(async () => {
    await lt.build([
      { out: 'ext.so', needed: ['liba.so', 'libx.so', 'libpython3.11.so.1.0'] },
      { out: 'main/liba.so', soname: 'liba.so', needed: ['libb.so', 'liby.so'] },
      { out: 'main/libb.so', soname: 'libb.so', needed: ['libonlyb.so', 'libshared.so'] },
      { out: 'main/libonlyb.so', soname: 'libonlyb.so' },
      { out: 'main/liby.so', soname: 'liby.so', needed: ['libshared.so'] },
      { out: 'main/libshared.so', soname: 'libshared.so' },
      { out: 'excl/libx.so', soname: 'libx.so', needed: ['libxdep.so'] },
      { out: 'excl/libxdep.so', soname: 'libxdep.so' },
      // A real libpython is available, and still not resolved.
      { out: 'main/libpython3.11.so.1.0', soname: 'libpython3.11.so.1.0' },
    ]);
  });
  afterAll(() => lt.cleanup());

  const run = (exclude: readonly string[]): Run => ldd(lt.p('ext.so'), { ldpaths: `${lt.p('main')}:${lt.p('excl')}`, exclude });

  it('with no patterns everything is resolved except libpython', () => {
    const { tree, logs } = run([]);
    expect([...tree.libraries.keys()]).toEqual([
      'liba.so',
      'libb.so',
      'libonlyb.so',
      'libshared.so',
      'liby.so',
      'libx.so',
      'libxdep.so',
      'libpython3.11.so.1.0',
    ]);
    expect(logs).toEqual([['debug', 'Skip libpython3.11.so.1.0 resolution']]);
    expect(lib(tree, 'libpython3.11.so.1.0')).toEqual({
      soname: 'libpython3.11.so.1.0',
      path: undefined,
      realpath: undefined,
      platform: undefined,
      needed: [],
    });
    expect(tree.needed).toEqual(['liba.so', 'libx.so', 'libpython3.11.so.1.0']);
  });

  it('a soname pattern excludes the library and everything only it needs', () => {
    const { tree, logs } = run(['libb*']);
    expect(logs).toEqual([
      ['info', 'Excluding libb.so'],
      ['debug', 'Skip libpython3.11.so.1.0 resolution'],
    ]);
    expect(tree.libraries.has('libb.so')).toBe(false);
    expect(tree.libraries.has('libonlyb.so')).toBe(false);
    // Reached another way (through liby), so still there (#474).
    expect(lib(tree, 'libshared.so').realpath).toBe(lt.p('main/libshared.so'));
    expect(lib(tree, 'liba.so').needed).toEqual(['liby.so']);
  });

  it('a realpath pattern, where * crosses directories, excludes after the lookup', () => {
    const { tree, logs } = run(['*/excl/*']);
    expect(logs[0]).toEqual(['info', `Excluding ${lt.p('excl/libx.so')}`]);
    expect(tree.libraries.has('libx.so')).toBe(false);
    expect(tree.libraries.has('libxdep.so')).toBe(false);
    expect(tree.needed).toEqual(['liba.so', 'libpython3.11.so.1.0']);
  });

  it('patterns are full, case-sensitive matches with character classes', () => {
    expect(run(['LIBB*']).tree.libraries.has('libb.so')).toBe(true);
    expect(run(['libb']).tree.libraries.has('libb.so')).toBe(true);
    expect(run(['*/main']).tree.libraries.has('libb.so')).toBe(true);
    const both = run(['lib[bx].so']).tree;
    expect(both.libraries.has('libb.so')).toBe(false);
    expect(both.libraries.has('libx.so')).toBe(false);
    expect(both.libraries.has('liby.so')).toBe(true);
  });

  it('excluding libpython by pattern wins over the libpython rule', () => {
    const { tree, logs } = run(['libpython*']);
    expect(logs).toEqual([['info', 'Excluding libpython3.11.so.1.0']]);
    expect(tree.libraries.has('libpython3.11.so.1.0')).toBe(false);
    expect(tree.needed).toEqual(['liba.so', 'libx.so']);
  });

  it.each(['libpython3.7m.so.1.0', 'libpython3.9.so.1.0', 'libpython3.10.so.1.0', 'libpython999.999.so.1.0', 'libpython3.13.so', 'libpython3.10Xso'])(
    'LIBPYTHON_RE accepts %j',
    (s) => {
      expect(LIBPYTHON_RE.test(s)).toBe(true);
    },
  );

  it.each(['libpython3.7m.soa1.0', 'libpython3.9.so.1a0', 'libpython3.so', 'libpython3.9.so.10', 'xlibpython3.9.so', 'libpython3.9.so.1.0.', 'libpython.so'])(
    'LIBPYTHON_RE rejects %j',
    (s) => {
      expect(LIBPYTHON_RE.test(s)).toBe(false);
    },
  );
});

describe('symlinks and sysroots', needs(CC), () => {
  const lt = new LibTree();
  let root: string;
  beforeAll(async () => {
    root = lt.p('root');
    await lt.build([
      { out: 'root/bin/app', kind: 'exe', needed: ['libq.so', 'ld-linux-x86-64.so.2'], rpath: '/usr/lib' },
      { out: 'root/bin/app2', kind: 'exe', needed: ['libq.so'] },
      { out: 'root/opt/libq.so.1', soname: 'libq.so' },
      { out: 'outside/libq.so', soname: 'libq.so' },
    ]);
    lt.write('real/libz.so.1.2.3', 'not even an ELF file: resolution is lexical\n');
    lt.symlink('lib/libz.so.1', 'libz.so.1.2');
    lt.symlink('lib/libz.so.1.2', '../real/libz.so.1.2.3');
    lt.symlink('lib/abs.so', lt.p('real/libz.so.1.2.3'));
    lt.symlink('lib/loop1', 'loop2');
    lt.symlink('lib/loop2', 'loop1');
    lt.symlink('dirlink', 'real');
    // Inside the sysroot, absolute targets are taken inside it.
    lt.symlink('root/usr/lib/libq.so', '/opt/libq.so.1');
    lt.symlink('root/usr/lib/rel.so', '../../opt/libq.so.1');
    lt.symlink('root/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    lt.write('root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 'loader\n');
  });
  afterAll(() => lt.cleanup());

  it('follows a chain of relative links in the final component', () => {
    expect(resolveFinalSymlinks(new HostFs(), lt.p('lib/libz.so.1'), '')).toBe(lt.p('real/libz.so.1.2.3'));
  });

  it('follows an absolute link', () => {
    expect(resolveFinalSymlinks(new HostFs(), lt.p('lib/abs.so'), '')).toBe(lt.p('real/libz.so.1.2.3'));
  });

  it('does not resolve links in directory components, only normalises', () => {
    expect(resolveFinalSymlinks(new HostFs(), lt.p('dirlink/libz.so.1.2.3'), '')).toBe(lt.p('dirlink/libz.so.1.2.3'));
    expect(resolveFinalSymlinks(new HostFs(), `${lt.p('lib')}/../real/./libz.so.1.2.3`, '')).toBe(lt.p('real/libz.so.1.2.3'));
  });

  it('terminates on a loop', () => {
    const got = resolveFinalSymlinks(new HostFs(), lt.p('lib/loop1'), '');
    expect([lt.p('lib/loop1'), lt.p('lib/loop2')]).toContain(got);
  });

  it('re-roots absolute targets inside a sysroot', () => {
    expect(resolveFinalSymlinks(new HostFs(), `${root}/usr/lib/libq.so`, root)).toBe(`${root}/opt/libq.so.1`);
    expect(resolveFinalSymlinks(new HostFs(), `${root}/usr/lib/rel.so`, root)).toBe(`${root}/opt/libq.so.1`);
  });

  it('does not re-root a path outside the sysroot, even one whose name starts with it', () => {
    lt.symlink('root2/lib/x.so', lt.p('real/libz.so.1.2.3'));
    expect(resolveFinalSymlinks(new HostFs(), lt.p('root2/lib/x.so'), root)).toBe(lt.p('real/libz.so.1.2.3'));
    expect(resolveFinalSymlinks(new HostFs(), lt.p('lib/abs.so'), root)).toBe(lt.p('real/libz.so.1.2.3'));
  });

  it('lddtree in a sysroot: rooted RPATH, re-rooted links, the interpreter entry first and reused', () => {
    const { tree } = ldd(`${root}/bin/app`, { root });
    expect(tree.interpreter).toBe(`${root}/lib64/ld-linux-x86-64.so.2`);
    expect(tree.libc).toBe('glibc');
    expect(tree.rpath).toEqual([`${root}/usr/lib`]);
    expect([...tree.libraries.keys()]).toEqual(['ld-linux-x86-64.so.2', 'libq.so']);
    const ld = lib(tree, 'ld-linux-x86-64.so.2');
    expect(ld.path).toBe(`${root}/lib64/ld-linux-x86-64.so.2`);
    expect(ld.realpath).toBe(`${root}/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2`);
    expect(ld.platform).toEqual(tree.platform);
    expect(ld.needed).toEqual([]);
    const q = lib(tree, 'libq.so');
    expect(q.path).toBe(`${root}/usr/lib/libq.so`);
    expect(q.realpath).toBe(`${root}/opt/libq.so.1`);
    expect(tree.needed).toEqual(['libq.so', 'ld-linux-x86-64.so.2']);
  });

  it('with a sysroot, an --ldpaths directory is the one inside it when it exists there, else the one named', () => {
    // Only outside the sysroot: a directory the user named (a build directory) is used as written.
    const hostDir = lt.p('outside');
    const outside = ldd(`${root}/bin/app2`, { root, ldpaths: hostDir }).tree;
    expect(lib(outside, 'libq.so').path).toBe(`${hostDir}/libq.so`);
    // The same path inside the sysroot wins: as if run there, the host copy is not used.
    lt.symlink(`root${hostDir}/libq.so`, '/opt/libq.so.1');
    const inside = ldd(`${root}/bin/app2`, { root, ldpaths: hostDir }).tree;
    expect(lib(inside, 'libq.so').path).toBe(`${root}${hostDir}/libq.so`);
    expect(lib(inside, 'libq.so').realpath).toBe(`${root}/opt/libq.so.1`);
  });

  it('with a sysroot, AUDITWHEEL_LD_LIBRARY_PATH is taken as written (root-prefixed by the user)', () => {
    const { tree } = ldd(`${root}/bin/app2`, { root, env: { AUDITWHEEL_LD_LIBRARY_PATH: `${root}/usr/lib` } });
    expect(lib(tree, 'libq.so').realpath).toBe(`${root}/opt/libq.so.1`);
  });

  it('a symlink loop in a search directory does not hang lddtree', () => {
    lt.symlink('looped/libq.so', 'libq.so');
    const { tree } = ldd(`${root}/bin/app2`, { ldpaths: lt.p('looped') });
    expect(lib(tree, 'libq.so').path).toBeUndefined();
  });
});

describe('the wheel file system (WheelFs over HostFs)', needs(CC), () => {
  const lt = new LibTree();
  let wheel: WheelFs;
  beforeAll(async () => {
    await lt.build([
      { out: 'w/pkg/_ext.so', needed: ['libfoo.so.1', 'libbar.so'], rpath: '$ORIGIN/../pkg.libs' },
      { out: 'w/pkg.libs/libfoo.so.1', soname: 'libfoo.so.1', libc: true },
    ]);
    const elves = new Map<string, ElfSummary>([
      ['pkg/_ext.so', summary(lt.p('w/pkg/_ext.so'))],
      ['pkg.libs/libfoo.so.1', summary(lt.p('w/pkg.libs/libfoo.so.1'))],
    ]);
    // pkg.libs/libbar.so is in the wheel but not an ELF file (no summary).
    wheel = new WheelFs(['pkg/', 'pkg/__init__.py', 'pkg/_ext.so', 'pkg.libs/libfoo.so.1', 'pkg.libs/libbar.so'], elves);
  });
  afterAll(() => lt.cleanup());

  it('mounts entries and implied directories under WHEEL_MOUNT', () => {
    expect(wheel.pathOf('pkg/_ext.so')).toBe(`${WHEEL_MOUNT}/pkg/_ext.so`);
    expect(wheel.pathOf('pkg-1.0.data/platlib/pkg2/_x.so')).toBe(`${WHEEL_MOUNT}/pkg2/_x.so`);
    expect(wheel.owns(`${WHEEL_MOUNT}/pkg.libs/libfoo.so.1`)).toBe(true);
    expect(wheel.owns('/usr/lib/libfoo.so.1')).toBe(false);
    expect(wheel.isDirectory(`${WHEEL_MOUNT}/pkg.libs`)).toBe(true);
    expect(wheel.isDirectory(WHEEL_MOUNT)).toBe(true);
    expect(wheel.exists(`${WHEEL_MOUNT}/pkg/__init__.py`)).toBe(true);
    expect(wheel.loadElf(`${WHEEL_MOUNT}/pkg/__init__.py`)).toBeUndefined();
  });

  it("an in-wheel library is found through the extension's $ORIGIN RPATH; libc comes from the host", () => {
    const fs = new OverlayFs(wheel, new HostFs());
    const { tree } = ldd(wheel.pathOf('pkg/_ext.so'), { fs, cwd: lt.p(), ldpaths: undefined, display: 'pkg/_ext.so' });
    expect(tree.path).toBe('pkg/_ext.so');
    expect(tree.rpath).toEqual([`${WHEEL_MOUNT}/pkg.libs`]);
    const foo = lib(tree, 'libfoo.so.1');
    expect(foo.path).toBe(`${WHEEL_MOUNT}/pkg.libs/libfoo.so.1`);
    expect(foo.realpath).toBe(`${WHEEL_MOUNT}/pkg.libs/libfoo.so.1`);
    expect(foo.needed).toEqual(['libc.so.6']);
    const libc = lib(tree, 'libc.so.6');
    expect(libc.realpath).toBeDefined();
    expect(wheel.owns(libc.realpath as string)).toBe(false);
    // The wheel entry that is not an ELF file is skipped.
    expect(lib(tree, 'libbar.so').path).toBeUndefined();
  });

  it('a host directory never shadows the wheel mount', () => {
    const fs = new OverlayFs(wheel, new HostFs());
    const { tree } = ldd(wheel.pathOf('pkg/_ext.so'), { fs, cwd: lt.p(), ldpaths: lt.p('w/pkg.libs') });
    // $ORIGIN RPATH comes first and points into the wheel.
    expect(lib(tree, 'libfoo.so.1').path).toBe(`${WHEEL_MOUNT}/pkg.libs/libfoo.so.1`);
  });

  it('with a sysroot, in-wheel libraries are still found through $ORIGIN', () => {
    const sysroot = lt.mkdir('sysroot');
    const fs = new OverlayFs(wheel, new HostFs());
    const { tree } = ldd(wheel.pathOf('pkg/_ext.so'), { fs, root: sysroot, cwd: lt.p(), ldpaths: '' });
    expect(tree.rpath).toEqual([`${WHEEL_MOUNT}/pkg.libs`]);
    expect(lib(tree, 'libfoo.so.1').path).toBe(`${WHEEL_MOUNT}/pkg.libs/libfoo.so.1`);
    expect(lib(tree, 'libfoo.so.1').realpath).toBe(`${WHEEL_MOUNT}/pkg.libs/libfoo.so.1`);
  });
});
