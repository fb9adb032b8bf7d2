// Search-path sources (spec §5.2-§5.5, §10.2): colon lists, ld.so.conf with includes, musl's
// path file, the environment and --ldpaths. Run on real temporary directory trees.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostFs } from '../../src/analyze/host-fs.js';
import { argLdPaths, envLdPaths, parseLdPaths, parseLdSoConf, systemLdPaths, type PathContext } from '../../src/analyze/ld-paths.js';
import { AnalyzeError } from '../../src/errors.js';

let tmp: string;

function mk(...rels: string[]): void {
  for (const r of rels) mkdirSync(path.join(tmp, r), { recursive: true });
}

function put(rel: string, text: string): string {
  const full = path.join(tmp, rel);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

/** An absolute symlink at `at` pointing to `target` (absolute: meant to be read inside a sysroot). */
function lt_symlink(at: string, target: string): void {
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at);
}

function t(rel: string): string {
  return path.join(tmp, rel);
}

/** A context on the host ('' root) whose working directory is `cwd`. */
function host(cwd: string): PathContext {
  return { fs: new HostFs(), root: '', cwd };
}

function expectAnalyzeError(fn: () => unknown, code: string, text: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AnalyzeError);
  expect((caught as AnalyzeError).code).toBe(code);
  expect((caught as AnalyzeError).message).toMatch(text);
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'wheelaudit-ldpaths-'));
  mk('here/sub', 'cwd/a', 'cwd/b', 'pkgAL', 'pkg/lib', 'sys/lib', 'sys/opt/x');
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('parseLdPaths (environment and --ldpaths lists)', () => {
  const parse = (list: string): string[] => parseLdPaths(list, undefined, host(t('cwd')), false, 'test');

  it("'' gives no directories at all", () => {
    expect(parse('')).toEqual([]);
  });

  it('keeps the order', () => {
    expect(parse(`${t('here')}:${tmp}`)).toEqual([t('here'), tmp]);
    expect(parse(`${tmp}:${t('here')}`)).toEqual([tmp, t('here')]);
  });

  it('normalises x/.. and ./ and // lexically', () => {
    expect(parse(`${t('here')}/..`)).toEqual([tmp]);
    expect(parse(`${t('here')}/./sub/../sub/`)).toEqual([t('here/sub')]);
    expect(parse(`${t('here')}//sub`)).toEqual([t('here/sub')]);
  });

  it('removes duplicates, also after normalisation, keeping the first', () => {
    expect(parse(`${t('here')}:${tmp}:${t('here')}`)).toEqual([t('here'), tmp]);
    expect(parse(`${t('here')}:${t('here/sub')}/..`)).toEqual([t('here')]);
  });

  it('an empty entry is the working directory', () => {
    expect(parse(':')).toEqual([t('cwd')]);
    expect(parse(`${t('here')}:`)).toEqual([t('here'), t('cwd')]);
    expect(parse(`:${t('here')}`)).toEqual([t('cwd'), t('here')]);
    expect(parse('::')).toEqual([t('cwd')]);
  });

  it("'a:' and ':a' with a relative 'a' resolve against the working directory", () => {
    expect(parse('a:')).toEqual([t('cwd/a'), t('cwd')]);
    expect(parse(':a')).toEqual([t('cwd'), t('cwd/a')]);
    expect(parse('b:a:../cwd/a')).toEqual([t('cwd/b'), t('cwd/a')]);
  });

  it('drops directories that do not exist, and files', () => {
    put('afile', 'x');
    expect(parse(`${t('nope')}:${t('here')}:${t('afile')}:/nonexistent/really`)).toEqual([t('here')]);
    expect(parse('/nonexistent')).toEqual([]);
  });

  it.each(['$ORIGIN', '${ORIGIN}', '$ORIGIN/../lib', 'x:${ORIGIN}/y'])('%j outside an ELF file is an ANALYZE_BAD_PATH error', (entry) => {
    expectAnalyzeError(() => parse(entry), 'ANALYZE_BAD_PATH', /\$ORIGIN/);
  });

  it('does not expand $LIB or $PLATFORM: they are literal text (and usually missing directories)', () => {
    mk('cwd/$LIB');
    expect(parse(`${t('cwd')}/$LIB:${t('here')}/$PLATFORM:${t('here')}`)).toEqual([t('cwd/$LIB'), t('here')]);
  });
});

describe('parseLdPaths (an ELF file’s DT_RPATH/DT_RUNPATH)', () => {
  const elf = (rel: string): string => t(rel);

  it.each(['$ORIGIN', '${ORIGIN}'])('%j is the directory of the ELF file', (o) => {
    expect(parseLdPaths(o, elf('here/ext.so'), host(t('cwd')), true, 'rpath')).toEqual([t('here')]);
    expect(parseLdPaths(`${o}/..`, elf('here/ext.so'), host(t('cwd')), true, 'rpath')).toEqual([tmp]);
    expect(parseLdPaths(`${o}/sub:${o}/../pkg/lib`, elf('here/ext.so'), host(t('cwd')), true, 'rpath')).toEqual([t('here/sub'), t('pkg/lib')]);
  });

  it('replaces every occurrence, with no token-boundary check', () => {
    // "$ORIGINAL" is "$ORIGIN" followed by "AL".
    expect(parseLdPaths('$ORIGINAL', elf('pkg/ext.so'), host(t('cwd')), true, 'rpath')).toEqual([t('pkgAL')]);
    expect(parseLdPaths('$ORIGIN/../${ORIGIN}', elf('x/ext.so'), host(t('cwd')), true, 'rpath')).toEqual([]);
  });

  it('a relative entry is taken from the file-system root, not the working directory', () => {
    // 'a' exists below cwd, but an ELF list means '/a'.
    expect(parseLdPaths('a', elf('here/ext.so'), host(t('cwd')), true, 'rpath')).toEqual([]);
    // 'tmp' means '/tmp' (which exists), whatever the working directory holds.
    expect(parseLdPaths('tmp', elf('here/ext.so'), host(t('cwd')), true, 'rpath')).toEqual(['/tmp']);
  });

  it('an empty entry is the working directory here too', () => {
    expect(parseLdPaths(':$ORIGIN', elf('here/ext.so'), host(t('cwd')), true, 'rpath')).toEqual([t('cwd'), t('here')]);
  });

  it('with a sysroot, absolute and relative entries fall inside it, $ORIGIN does not get it twice', () => {
    const ctx: PathContext = { fs: new HostFs(), root: t('sys'), cwd: t('cwd') };
    expect(parseLdPaths('/lib:opt/x:/usr/lib', elf('sys/opt/ext.so'), ctx, true, 'rpath')).toEqual([t('sys/lib'), t('sys/opt/x')]);
    expect(parseLdPaths('$ORIGIN/x', elf('sys/opt/ext.so'), ctx, true, 'rpath')).toEqual([t('sys/opt/x')]);
  });

  // String.prototype.replace gives '$$', '$&', '$1'... a meaning in a replacement string; the
  // directory must be inserted verbatim, whatever its name.
  it.each(['we$$ird', 'amp$&dir', 'one$1x', 'tick$`x'])('expands $ORIGIN verbatim in a directory named %j', (odd) => {
    mk(odd);
    expect(parseLdPaths('$ORIGIN', t(`${odd}/ext.so`), host(t('cwd')), true, 'rpath')).toEqual([t(odd)]);
    expect(parseLdPaths('${ORIGIN}/../here', t(`${odd}/ext.so`), host(t('cwd')), true, 'rpath')).toEqual([t('here')]);
  });

  it('expands $ORIGIN in a directory whose name has a "$" that is not a replacement pattern', () => {
    mk('plain$dir');
    expect(parseLdPaths('$ORIGIN', t('plain$dir/ext.so'), host(t('cwd')), true, 'rpath')).toEqual([t('plain$dir')]);
  });
});

describe('parseLdSoConf', () => {
  let root: string;
  let ctx: PathContext;

  beforeAll(() => {
    root = t('conf-root');
    ctx = { fs: new HostFs(), root, cwd: t('cwd') };
    for (const d of ['lib/one', 'lib/two', 'lib/rel', 'lib/abs', 'lib/nested', 'lib/a10', 'lib/a20', 'lib/a30', 'lib/cyc', 'lib/spaced']) {
      mkdirSync(path.join(root, d), { recursive: true });
    }
    put(
      'conf-root/etc/ld.so.conf',
      [
        '# a comment line',
        '   /lib/one   # with a trailing comment',
        '',
        '\t/lib/two\t',
        'include ld.so.conf.d/*.conf',
        'include /etc/abs.d/*.conf',
        'include    /etc/spaced.conf',
        '/lib/missing',
        '/lib/one',
        'hwcap 1 nosegneg',
        '/lib/#notadir',
        'include /etc/no-such-dir/*.conf',
        'include cycle.conf',
      ].join('\n'),
    );
    // Written out of order, so directory-listing order is unlikely to be sorted.
    put('conf-root/etc/ld.so.conf.d/30-c.conf', '/lib/a30\n');
    put('conf-root/etc/ld.so.conf.d/10-a.conf', '/lib/a10\ninclude nested/*.conf\n');
    put('conf-root/etc/ld.so.conf.d/20-b.conf', '/lib/a20\n');
    put('conf-root/etc/ld.so.conf.d/not-matched.txt', '/lib/rel\n');
    put('conf-root/etc/ld.so.conf.d/nested/n.conf', '/lib/nested\n/lib/a30\n');
    put('conf-root/etc/abs.d/x.conf', '/lib/abs\n');
    put('conf-root/etc/spaced.conf', '/lib/spaced\n');
    // An include cycle: cycle.conf -> cycle2.conf -> cycle.conf, and one that climbs forever.
    put('conf-root/etc/cycle.conf', '/lib/cyc\ninclude cycle2.conf\ninclude ../etc/cycle.conf\n');
    put('conf-root/etc/cycle2.conf', 'include cycle.conf\n');
  });

  it('reads directories, comments, includes (relative, absolute, nested, sorted) and drops missing ones', () => {
    const r = (d: string): string => path.join(root, d);
    expect(parseLdSoConf(path.join(root, 'etc/ld.so.conf'), ctx)).toEqual([
      r('lib/one'),
      r('lib/two'),
      r('lib/a10'),
      r('lib/nested'),
      r('lib/a30'),
      r('lib/a20'),
      r('lib/abs'),
      r('lib/spaced'),
      r('lib'), // '/lib/#notadir' is '/lib/' once the comment is cut
      r('lib/cyc'),
    ]);
  });

  it('a missing file gives []', () => {
    expect(parseLdSoConf(path.join(root, 'etc/nope.conf'), ctx)).toEqual([]);
  });

  it('a self-including file terminates', () => {
    put('conf-root/etc/self.conf', 'include self.conf\n/lib/one\n');
    expect(parseLdSoConf(path.join(root, 'etc/self.conf'), ctx)).toEqual([path.join(root, 'lib/one')]);
  });

  it('on the host (root ""), an absolute include glob is taken as written', () => {
    put('hostconf/main.conf', `include ${t('hostconf/d')}/*.conf\n${t('here')}\n`);
    put('hostconf/d/b.conf', `${t('cwd/b')}\n`);
    put('hostconf/d/a.conf', `${t('cwd/a')}\n`);
    expect(parseLdSoConf(t('hostconf/main.conf'), host(t('cwd')))).toEqual([t('cwd/a'), t('cwd/b'), t('here')]);
  });
});

describe('envLdPaths and argLdPaths (--ldpaths)', () => {
  it('AUDITWHEEL_LD_LIBRARY_PATH comes before LD_LIBRARY_PATH; empty or unset ones are left out', () => {
    const ctx = host(t('cwd'));
    expect(envLdPaths({ AUDITWHEEL_LD_LIBRARY_PATH: t('cwd/a'), LD_LIBRARY_PATH: t('cwd/b') }, ctx, true)).toEqual([t('cwd/a'), t('cwd/b')]);
    expect(envLdPaths({ AUDITWHEEL_LD_LIBRARY_PATH: '', LD_LIBRARY_PATH: t('cwd/b') }, ctx, true)).toEqual([t('cwd/b')]);
    // An empty variable is unset, not "the working directory".
    expect(envLdPaths({ AUDITWHEEL_LD_LIBRARY_PATH: '', LD_LIBRARY_PATH: '' }, ctx, true)).toEqual([]);
    expect(envLdPaths({}, ctx, true)).toEqual([]);
    expect(envLdPaths({ AUDITWHEEL_LD_LIBRARY_PATH: t('cwd/a'), LD_LIBRARY_PATH: t('cwd/b') }, ctx, false)).toEqual([t('cwd/a')]);
  });

  it('relative and empty entries resolve against cwd', () => {
    expect(envLdPaths({ LD_LIBRARY_PATH: 'a::b' }, host(t('cwd')), true)).toEqual([t('cwd/a'), t('cwd'), t('cwd/b')]);
  });

  it('$ORIGIN in the environment is an ANALYZE_BAD_PATH error', () => {
    expectAnalyzeError(() => envLdPaths({ LD_LIBRARY_PATH: '$ORIGIN/lib' }, host(t('cwd')), true), 'ANALYZE_BAD_PATH', /ORIGIN/);
    expectAnalyzeError(() => envLdPaths({ AUDITWHEEL_LD_LIBRARY_PATH: '${ORIGIN}' }, host(t('cwd')), true), 'ANALYZE_BAD_PATH', /ORIGIN/);
  });

  it('with a sysroot LD_LIBRARY_PATH is ignored and AUDITWHEEL_LD_LIBRARY_PATH is taken as written', () => {
    const ctx: PathContext = { fs: new HostFs(), root: t('sys'), cwd: t('cwd') };
    expect(envLdPaths({ AUDITWHEEL_LD_LIBRARY_PATH: t('sys/lib'), LD_LIBRARY_PATH: t('cwd/b') }, ctx, true)).toEqual([t('sys/lib')]);
  });

  // spec §10.2 ld_paths_from_arg, with (arg, AUDITWHEEL_LD_LIBRARY_PATH).
  it.each([
    ['', '', { conf: [], env: [], interp: [] }],
    ['D1', '', { conf: ['D1'], env: [], interp: [] }],
    ['', 'D1', { conf: [], env: ['D1'], interp: [] }],
    ['D1', 'D2', { conf: ['D1'], env: ['D2'], interp: [] }],
  ])('argLdPaths(%j) with AUDITWHEEL_LD_LIBRARY_PATH=%j', (arg, envVal, expected) => {
    const dirs: Record<string, string> = { D1: t('here'), D2: tmp };
    const sub = (s: string): string => dirs[s] ?? s;
    const got = argLdPaths(sub(arg), { AUDITWHEEL_LD_LIBRARY_PATH: sub(envVal), LD_LIBRARY_PATH: t('cwd/b') }, host(t('cwd')));
    expect(got).toEqual({ conf: expected.conf.map(sub), env: expected.env.map(sub), interp: [] });
  });

  it('--ldpaths never reads LD_LIBRARY_PATH', () => {
    expect(argLdPaths('', { LD_LIBRARY_PATH: t('cwd/b') }, host(t('cwd'))).env).toEqual([]);
  });

  it("--ldpaths ':' means the working directory", () => {
    expect(argLdPaths(':', {}, host(t('cwd'))).conf).toEqual([t('cwd')]);
  });
});

describe('systemLdPaths', () => {
  it('musl without a path file: /lib, /usr/local/lib, /usr/lib inside the root, unfiltered', () => {
    const root = t('musl-bare');
    mk('musl-bare/etc');
    const got = systemLdPaths('musl', { LD_LIBRARY_PATH: t('cwd/b') }, { fs: new HostFs(), root, cwd: t('cwd') });
    expect(got.conf).toEqual([`${root}/lib`, `${root}/usr/local/lib`, `${root}/usr/lib`]);
    expect(got.env).toEqual([]); // LD_LIBRARY_PATH is ignored under a sysroot
    expect(got.interp).toEqual([]);
  });

  it('musl with etc/ld-musl-x86_64.path: colon and newline separated, stripped, empties dropped, unfiltered', () => {
    const root = t('musl-file');
    put('musl-file/etc/ld-musl-x86_64.path', '/opt/a:/opt/b\n/usr/lib\n\n  /opt/spaced  :\n:/opt/last');
    const got = systemLdPaths('musl', {}, { fs: new HostFs(), root, cwd: t('cwd') });
    expect(got.conf).toEqual([`${root}/opt/a`, `${root}/opt/b`, `${root}/usr/lib`, `${root}/opt/spaced`, `${root}/opt/last`]);
  });

  it('musl on the host root reads /etc/ld-musl-*.path or falls back to /lib, /usr/local/lib, /usr/lib', () => {
    const got = systemLdPaths('musl', { LD_LIBRARY_PATH: t('here') }, host(t('cwd')));
    const hasPathFile = readdirSync('/etc').some((n) => /^ld-musl-.*\.path$/.test(n));
    if (!hasPathFile) expect(got.conf).toEqual(['/lib', '/usr/local/lib', '/usr/lib']);
    expect(got.env).toEqual([t('here')]);
  });

  it('glibc: ld.so.conf, then the four trusted directories unfiltered and in order', () => {
    const root = t('glibc-root');
    mk('glibc-root/usr/lib/x86_64-linux-gnu', 'glibc-root/lib');
    put('glibc-root/etc/ld.so.conf', 'include /etc/ld.so.conf.d/*.conf\n');
    put('glibc-root/etc/ld.so.conf.d/x.conf', '/usr/lib/x86_64-linux-gnu\n/usr/lib/missing\n');
    mk(`glibc-root${t('here')}`);
    const got = systemLdPaths('glibc', { AUDITWHEEL_LD_LIBRARY_PATH: t('here') }, { fs: new HostFs(), root, cwd: t('cwd') });
    expect(got.conf).toEqual([`${root}/usr/lib/x86_64-linux-gnu`, `${root}/lib`, `${root}/lib64/`, `${root}/usr/lib`, `${root}/usr/lib64`]);
    // An environment directory that exists inside the sysroot is taken there...
    expect(got.env).toEqual([`${root}${t('here')}`]);
    // ...and one that exists only outside it, as written.
    expect(systemLdPaths('glibc', { AUDITWHEEL_LD_LIBRARY_PATH: t('cwd/a') }, { fs: new HostFs(root), root, cwd: t('cwd') }).env).toEqual([t('cwd/a')]);
  });

  it("glibc: the multiarch directories of the file's architecture come after ld.so.conf, when they exist", () => {
    const root = t('multiarch-root');
    mk('multiarch-root/lib/aarch64-linux-gnu', 'multiarch-root/usr/lib/aarch64-linux-gnu', 'multiarch-root/usr/lib/x86_64-linux-gnu', 'multiarch-root/etc');
    put('multiarch-root/etc/ld.so.conf', '/usr/lib/x86_64-linux-gnu\n');
    const ctx = { fs: new HostFs(root), root, cwd: t('cwd') };
    expect(systemLdPaths('glibc', {}, ctx, 'aarch64').conf).toEqual([
      `${root}/usr/lib/x86_64-linux-gnu`,
      `${root}/lib/aarch64-linux-gnu`,
      `${root}/usr/lib/aarch64-linux-gnu`,
      `${root}/lib`,
      `${root}/lib64/`,
      `${root}/usr/lib`,
      `${root}/usr/lib64`,
    ]);
    // Listed by ld.so.conf already: not repeated; missing (no /lib/x86_64-linux-gnu): left out.
    expect(systemLdPaths('glibc', {}, ctx, 'x86_64').conf.slice(0, 2)).toEqual([`${root}/usr/lib/x86_64-linux-gnu`, `${root}/lib`]);
  });

  it('with a sysroot, absolute links in ld.so.conf, its includes and the directories stay inside the sysroot', () => {
    const root = t('linked-root');
    // The host has a decoy configuration the links would reach if they were followed on the host.
    put('decoy/etc/ld.so.conf.d/evil.conf', `${t('decoy')}\n`);
    mk('linked-root/etc', 'linked-root/real/conf.d', 'linked-root/real/libdir');
    put('linked-root/real/ld.so.conf', 'include /etc/ld.so.conf.d/*.conf\n');
    put('linked-root/real/conf.d/a.conf', '/libs\n');
    lt_symlink(`${root}/etc/ld.so.conf`, '/real/ld.so.conf');
    lt_symlink(`${root}/etc/ld.so.conf.d`, '/real/conf.d');
    lt_symlink(`${root}/libs`, '/real/libdir');
    const got = systemLdPaths('glibc', {}, { fs: new HostFs(root), root, cwd: t('cwd') });
    expect(got.conf[0]).toBe(`${root}/libs`);
    expect(got.conf.some((d) => d.includes('decoy'))).toBe(false);
  });

  it('glibc on the host ends with /lib, /lib64/, /usr/lib, /usr/lib64; unknown libc does the same', () => {
    for (const libc of ['glibc', undefined] as const) {
      const got = systemLdPaths(libc, { LD_LIBRARY_PATH: t('here') }, host(t('cwd')));
      expect(got.conf.slice(-4)).toEqual(['/lib', '/lib64/', '/usr/lib', '/usr/lib64']);
      expect(got.env).toEqual([t('here')]);
    }
  });
});
